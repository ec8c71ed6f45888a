"""Media storage: a file appears under its final name only once it is complete.

S3 gives that for free (an object exists once its PUT or multipart upload completes). Django's
FileSystemStorage does not: it writes a file that has no temporary path straight into its final name, and it
moves a temporary file with a copy into the final name when the rename would cross filesystems (a local temp
dir, media on a shared mount). A worker killed midway leaves a truncated file that looks archived.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

PARTIAL_DIR = ".partial"


class AtomicFileSystemStorage(FileSystemStorage):
    """Write into `MEDIA_ROOT/.partial/` (the same filesystem as the media), then `os.link` the finished
    file under its final name: one step, and it fails instead of overwriting when the name is taken.
    Needs a filesystem with hard links (ext4, xfs, NFS...)."""

    @property
    def partial_dir(self) -> Path:
        return Path(self.location) / PARTIAL_DIR

    def _save(self, name: str, content) -> str:
        full_path = self.path(name)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        partial, is_copy = self._complete_file(content)
        try:
            while True:
                try:
                    os.link(partial, full_path)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            if is_copy:
                os.unlink(partial)
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def _complete_file(self, content) -> tuple[str, bool]:
        """A complete file on the media's filesystem: the caller's temporary file when it is already
        there (no copy at all), else a copy in the partial dir. Returns (path, whether we made a copy)."""
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        if hasattr(content, "temporary_file_path"):
            source = content.temporary_file_path()
            if os.stat(source).st_dev == os.stat(self.partial_dir).st_dev:
                return source, False
        with tempfile.NamedTemporaryFile(dir=self.partial_dir, delete=False) as partial:
            try:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    partial.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                partial.flush()
                os.fsync(partial.fileno())
            except BaseException:
                partial.close()
                os.unlink(partial.name)
                raise
        return partial.name, True


def is_object_storage(storage) -> bool:
    # By the class's name, so a local-disk setup never imports boto3 (about 0.2 s per process). `__class__`,
    # not type(): default_storage is a lazy proxy.
    return any(
        f"{cls.__module__}.{cls.__qualname__}" == "storages.backends.s3.S3Storage"
        for cls in storage.__class__.__mro__
    )


def stale_files_remove(directory: Path, *, now: datetime, older_than: timedelta) -> int:
    """Delete the files in `directory` last written before `now - older_than` (what killed writers left)."""
    cutoff = (now - older_than).timestamp()
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return 0
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except FileNotFoundError:  # another sweep got there first
            continue
    return removed


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's hashed and compressed static files, each name's URL worked out once a process: names
    and the manifest change only with a deploy (a restart), and every page asks for two dozen, each a
    manifest lookup and a URL join (a twentieth of the Library page's time)."""

    def url(self, name: str, force: bool = False) -> str:
        if force:
            return super().url(name, force=True)
        known = self.__dict__.setdefault("_known_urls", {})
        if name not in known:
            known[name] = super().url(name)
        return known[name]
