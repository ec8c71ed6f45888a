"""Serve an archived file with HTTP Range support.

Chromium only seeks in an <audio> element when the server answers `Range` with 206; Django's
FileResponse always answers 200 (stack-notes.md), so owner-only media gets this small view helper.
"""

from __future__ import annotations

import mimetypes
import re
from urllib.parse import quote

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

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
        extension = field_file.name.rsplit(".", 1)[-1]
        filename = f"{download_name}.{extension}"
        ascii_name = filename.encode("ascii", "ignore").decode() or f"clip.{extension}"
        response["Content-Disposition"] = (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
        )
    return response
