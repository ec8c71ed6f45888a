"""Upload by URL (§5.5): the simulator downloads the audio itself, like the upstream, and makes one clip.

Only http(s) URLs on trusted hosts (plus the simulator's own media host) are fetched: no SSRF. A download
that fails, or bytes that are not audio, end the task FAILURE with the reason as `fail_reason`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from . import media
from .faults import FaultAnswers
from .routes import Rejected, Request, SimResponse, body_text, e_task, json_body
from .shapes import Shapes
from .state import TaskState

UPLOAD_MAX_BYTES = 50 * 1024 * 1024
UPLOAD_NOT_AUDIO = "Unable to process audio"


class UploadEndpoints(Shapes, FaultAnswers):
    """Simulator mixin: POST /suno/uploads/audio-url and the upload task it creates."""

    url_fetcher: Callable[[str], tuple[bytes, str]]
    trusted_upload_hosts: tuple[str, ...]
    handle: Callable[..., SimResponse]  # Simulator.handle: our own media URLs are fetched in-process

    def upload_audio_url(self, request: Request) -> SimResponse:
        body = json_body(request)
        url = body_text(body, "url").strip()
        if not url:
            raise Rejected("url is required")
        self.check_upload_url(url)
        # Fetched outside the lock: the URL may point back at this simulator's own media routes.
        failure, content, content_type, duration = "", b"", "", 0.0
        try:
            content, content_type = self.url_fetcher(url)
        except Exception as error:  # any download problem becomes the task's fail_reason, as upstream
            failure = f"Unable to download audio: {error}"
        if not failure:
            try:
                duration = media.decode_duration(content)
            except Exception:
                duration = 0.0
            if duration <= 0:
                failure = UPLOAD_NOT_AUDIO
        with self._lock:
            task = self.create_upload(url, content, content_type, duration, failure, request.endpoint)
            return e_task(task.id)

    def check_upload_url(self, url: str) -> None:
        """No SSRF: only http(s) URLs on hosts we were told to trust, plus our own media host."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Rejected("url must be an http or https URL")
        trusted = set(self.trusted_upload_hosts) | {urlsplit(self.base_url).hostname}
        if parts.hostname not in trusted:
            raise Rejected(f"url host {parts.hostname} is not allowed")

    def fetch_url(self, url: str) -> tuple[bytes, str]:
        """Default `url_fetcher`: our own URLs in-process (no socket needed), others with a size cap."""
        if url.startswith(self.base_url + "/"):
            parts = urlsplit(url)
            answer = self.handle("GET", parts.path, query=parts.query)
            if answer.status != 200:
                raise OSError(f"HTTP {answer.status}")
            return answer.body, answer.headers.get("Content-Type", "")
        with httpx.stream("GET", url, timeout=30.0, follow_redirects=False) as answer:
            if answer.status_code != 200:
                raise OSError(f"HTTP {answer.status_code}")
            chunks, size = [], 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > UPLOAD_MAX_BYTES:
                    raise OSError("file too large")
                chunks.append(chunk)
            return b"".join(chunks), answer.headers.get("content-type", "")

    def create_upload(
        self, url: str, content: bytes, content_type: str, duration: float, failure: str, endpoint: str
    ) -> TaskState:
        task = self.new_task(
            "MUSIC",
            task_id=self.new_task_id(native=False),
            endpoint=endpoint,
            ready_after=self.streaming_after,
        )
        if failure:
            task.failure, task.fail_after = failure, self.streaming_after
            return task
        name = urlsplit(url).path.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "Uploaded audio"
        clip = self.new_clip(
            kind="upload",
            title=name,
            model_name="chirp-upload",
            major_model_version="",
            metadata={"tags": "", "prompt": "", "type": "upload", "stream": False, "has_vocal": False},
            seed=hashlib.sha256(content).hexdigest()[:16],
            duration=duration,
            upload_bytes=content,
            upload_content_type=content_type if content_type.startswith("audio/") else "",
        )
        clip.created_at = task.submitted_at + self.streaming_after  # the clip exists once processed
        task.clip_ids = [clip.id]
        self.apply_lifecycle_faults(endpoint, task, [])
        return task
