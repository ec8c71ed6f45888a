"""Serve an archived file, after the view has checked who may have it, from whichever storage holds it.

Chromium only seeks in an <audio> element when the server answers `Range` with 206; Django's
FileResponse always answers 200 (stack-notes.md). So local files are served here with Range (or handed to
nginx with X-Accel-Redirect, which answers Range itself), and files in the private bucket get a 302 to a
short-lived presigned URL: S3 answers Range, and no web worker is held for the length of a download
(docs/media.md has the measurements).
"""

from __future__ import annotations

import mimetypes
import re
from urllib.parse import quote

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)

from .storage import is_object_storage

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as (start, end) inclusive; None when absent or not satisfiable."""
    match = RANGE_RE.match(header.strip())
    if not match or not (match[1] or match[2]):
        return None
    if match[1]:
        start = int(match[1])
        end = int(match[2]) if match[2] else size - 1
    else:  # suffix range: the last N bytes
        start, end = max(0, size - int(match[2])), size - 1
    end = min(end, size - 1)
    if start > end or start >= size:
        return None
    return start, end


def _read_slice(file, start: int, length: int):
    with file:
        file.seek(start)
        remaining = length
        while remaining > 0:
            chunk = file.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def ranged_file_response(
    request: HttpRequest,
    field_file,
    *,
    download_name: str | None = None,
    cache_control: str = "private, max-age=3600",
) -> HttpResponse:
    size = field_file.size
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    range_header = request.headers.get("Range", "")
    if range_header and RANGE_RE.match(range_header.strip()):
        byte_range = _parse_range(range_header, size)
        if byte_range is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = byte_range
        response = StreamingHttpResponse(
            _read_slice(field_file.open("rb"), start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(field_file.open("rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    if download_name:
        response["Content-Disposition"] = _attachment(field_file.name, download_name)
    return response


def _attachment(stored_name: str, download_name: str) -> str:
    extension = stored_name.rsplit(".", 1)[-1]
    filename = f"{download_name}.{extension}"
    ascii_name = filename.encode("ascii", "ignore").decode() or f"clip.{extension}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def media_response(
    request: HttpRequest,
    field_file,
    *,
    download_name: str | None = None,
    cache_control: str = "private, max-age=3600",
    may_redirect: bool = True,
) -> HttpResponse:
    """The one way a view serves a stored file. `may_redirect=False` streams the bucket's bytes through
    Django instead, for a client that may not follow redirects (the upstream fetching an upload)."""
    if is_object_storage(field_file.storage):
        if may_redirect and not settings.MEDIA_S3_PROXY:
            return _presigned_redirect(field_file, download_name=download_name, cache_control=cache_control)
        return _object_response(request, field_file, download_name=download_name, cache_control=cache_control)
    if settings.MEDIA_X_ACCEL_REDIRECT:
        return _x_accel_response(field_file, download_name=download_name, cache_control=cache_control)
    return ranged_file_response(request, field_file, download_name=download_name, cache_control=cache_control)


def _presigned_redirect(field_file, *, download_name: str | None, cache_control: str) -> HttpResponse:
    """The browser may keep the redirect, and S3's answer, for at most half the URL's life: a cached
    redirect to an expired URL would fail. `no-cache` (public pages) makes it ask us again every time."""
    expire = settings.MEDIA_SIGNED_URL_SECONDS
    cache_control = re.sub(
        r"max-age=(\d+)", lambda m: f"max-age={min(int(m[1]), expire // 2)}", cache_control
    )
    parameters = {"ResponseCacheControl": cache_control}
    if download_name:
        parameters["ResponseContentDisposition"] = _attachment(field_file.name, download_name)
    response = HttpResponseRedirect(
        field_file.storage.url(field_file.name, parameters=parameters, expire=expire)
    )
    response["Cache-Control"] = cache_control
    return response


def _object_response(request: HttpRequest, field_file, *, download_name, cache_control) -> HttpResponse:
    """Stream the object through this worker, passing the Range header on: S3 answers it."""
    from botocore.exceptions import ClientError

    storage = field_file.storage
    arguments = {"Bucket": storage.bucket_name, "Key": storage._normalize_name(field_file.name)}
    range_header = request.headers.get("Range", "").strip()
    if range_header and RANGE_RE.match(range_header):
        arguments["Range"] = range_header
    try:
        answer = storage.connection.meta.client.get_object(**arguments)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "InvalidRange":
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{field_file.size}"
            return response
        if code in ("NoSuchKey", "404"):
            raise Http404("Not in the bucket") from error
        raise
    body = answer["Body"]

    def chunks():
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    status = 206 if answer.get("ContentRange") else 200
    content_type = answer.get("ContentType") or mimetypes.guess_type(field_file.name)[0]
    response = StreamingHttpResponse(chunks(), status=status, content_type=content_type)
    response["Content-Length"] = str(answer["ContentLength"])
    if answer.get("ContentRange"):
        response["Content-Range"] = answer["ContentRange"]
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    if download_name:
        response["Content-Disposition"] = _attachment(field_file.name, download_name)
    return response


def _x_accel_response(field_file, *, download_name: str | None, cache_control: str) -> HttpResponse:
    """nginx serves the file (and Range) from an `internal` location aliased to MEDIA_ROOT; the headers
    set here are kept on its answer."""
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = settings.MEDIA_X_ACCEL_REDIRECT.rstrip("/") + "/" + quote(field_file.name)
    response["Cache-Control"] = cache_control
    if download_name:
        response["Content-Disposition"] = _attachment(field_file.name, download_name)
    return response
