"""Serving media: the act/* endpoints (§5.11–§5.13) and the CDN the clips' URLs point at (§7).

The CDN routes are public (no auth, no fault switches). Files are rendered with `media` on the first
request and cached; a clip's files exist only once it is complete (the stream: once it is streaming), and
its WAV only once an act/wav conversion has finished.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from . import media
from .routes import Request, SimResponse, json_response, not_found
from .state import ClipState, Lifecycle


class MediaRoutes(Lifecycle):
    """Simulator mixin: audiopipe, cdn1 (mp3, wav, mp4) and cdn2 (cover images), and the rendering cache."""

    wav_ready_after: float
    _media_cache: dict[tuple[str, str], bytes]
    _media_lock: threading.Lock

    def media_stream(self, request: Request) -> SimResponse:
        """audiopipe: the live stream while streaming; we serve the clip's MP3."""
        with self._lock:
            clip = self._clips.get(request.query.get("item_id", ""))
            ok = clip is not None and self.clip_status(clip) in ("streaming", "complete")
        if not ok:
            return not_found()
        return ranged(request, self.media_bytes(clip, "mp3"), self.audio_type(clip), cache="no-cache")

    def media_cdn1(self, request: Request) -> SimResponse:
        ext = request.params["ext"]
        with self._lock:
            clip = self._clips.get(request.params["id"])
            ok = clip is not None and self.clip_status(clip) == "complete"
            if ok and ext == "wav":  # exists once an act/wav conversion finished
                ok = self.conversion_ready("wav", clip.id, self.wav_ready_after, start=False)
        if not ok:
            return not_found()
        try:
            content = self.media_bytes(clip, ext)
        except media.MediaUnavailable:
            return not_found()
        content_type = {"mp3": self.audio_type(clip), "wav": "audio/wav", "mp4": "video/mp4"}[ext]
        return ranged(request, content, content_type)

    def media_image(self, request: Request) -> SimResponse:
        with self._lock:
            clip = self._clips.get(request.params["id"])
            ok = clip is not None and self.clip_status(clip) == "complete"
        if not ok:
            return not_found()
        kind = "image_large" if request.params.get("large") else "image"
        return ranged(request, self.media_bytes(clip, kind), "image/jpeg")

    def audio_type(self, clip: ClipState) -> str:
        if clip.kind == "upload":  # served as uploaded, whatever it is
            return clip.upload_content_type or (
                "audio/wav" if clip.upload_bytes[:4] == b"RIFF" else "audio/mpeg"
            )
        return "audio/mpeg"

    def media_bytes(self, clip: ClipState, kind: str) -> bytes:
        key = (clip.id, kind)
        with self._media_lock:
            if key in self._media_cache:
                return self._media_cache[key]
        content = self._render_media(clip, kind)  # outside the locks: rendering takes a while
        with self._media_lock:
            return self._media_cache.setdefault(key, content)

    def _render_media(self, clip: ClipState, kind: str) -> bytes:
        if kind == "mp3":
            return clip.upload_bytes if clip.kind == "upload" else media.encode_mp3(self.clip_samples(clip))
        if kind == "wav":
            return media.encode_wav(self.clip_samples(clip), media.SAMPLE_RATE)
        if kind == "mp4":
            return media.render_mp4(
                mp3=self.media_bytes(clip, "mp3"), cover_jpeg=self.media_bytes(clip, "image")
            )
        size = 1024 if kind == "image_large" else 512
        return media.render_cover(clip.seed, title=clip.title, tags=clip.tags, size=size)

    def clip_samples(self, clip: ClipState):
        if clip.kind == "stem":
            source = self._clips[clip.source_id]
            return media.render_stem(
                source.seed,
                tags=source.tags,
                lyrics=source.lyrics,
                duration=source.duration,
                stem=clip.stem,
                instrumental=source.instrumental,
            )
        if clip.kind == "infill":  # the source again, with its window sung anew
            source = self.clip_samples(self._clips[clip.source_id])
            return media.replace_window(source, self.rendered(clip).samples, *clip.window)
        if clip.kind == "concat":
            parts = [(self.clip_samples(self._clips[part_id]), cut) for part_id, cut in clip.parts]
            return media.splice(parts, media.SAMPLE_RATE)
        if clip.kind == "upload":
            # We cannot decode arbitrary uploads without ffmpeg: silence of the right length stands in
            # wherever samples are needed (a concat after upload_extend, the waveform).
            import numpy

            return numpy.zeros(int(clip.duration * media.SAMPLE_RATE), dtype=numpy.float32)
        return self.rendered(clip).samples

    def rendered(self, clip: ClipState) -> media.RenderedClip:
        return media.render_clip(
            clip.seed,
            tags=clip.tags,
            lyrics=clip.lyrics,
            duration=clip.duration,
            instrumental=clip.instrumental,
        )

    def clip_words(self, clip: ClipState) -> list[dict[str, Any]]:
        if clip.kind == "gen":
            return (
                []
                if clip.instrumental or not clip.lyrics.strip()
                else media.aligned_words(self.rendered(clip), clip.lyrics)
            )
        if clip.kind == "stem":
            return self.clip_words(self._clips[clip.source_id]) if clip.stem == "Vocals" else []
        if clip.kind == "concat":  # each part's words up to its cut, shifted to where the part starts
            words, offset = [], 0.0
            for part_id, cut in clip.parts:
                part = self._clips[part_id]
                for word in self.clip_words(part):
                    if cut is None or word["end_s"] <= cut:
                        words.append(
                            {**word, "start_s": word["start_s"] + offset, "end_s": word["end_s"] + offset}
                        )
                offset += part.duration if cut is None else cut
            return words
        return []


class ActEndpoints(MediaRoutes):
    """Simulator mixin: GET /suno/act/timing, act/wav and act/mp4 for a complete clip."""

    base_url: str
    mp4_ready_after: float
    wav_task: Callable[[ClipState, str], SimResponse | None]  # dialects.DialectAnswers

    def act_timing(self, request: Request) -> SimResponse:
        with self._lock:
            clip = self.complete_clip(request.params["id"], "clip_id")
        samples = self.clip_samples(clip)
        return json_response(
            200,
            {
                "aligned_words": self.clip_words(clip),
                "waveform_data": media.waveform(samples),
                "hoot_cer": round(0.02 + int(clip.seed, 16) % 400 / 10000, 4),
                "is_streamed": False,
            },
        )

    def act_wav(self, request: Request) -> SimResponse:
        url_of = f"{self.base_url}/cdn1/{{}}.wav"
        with self._lock:
            clip = self.complete_clip(request.params["id"], "clip_id")
            ready = self.conversion_ready("wav", clip.id, self.wav_ready_after, start=True)
            as_task = self.wav_task(clip, url_of.format(clip.id))  # dialect wav_task_id (§11)
            if as_task is not None:
                return as_task
            if not ready:
                return json_response(200, {})  # §5.12: still converting
        url = url_of.format(clip.id)
        shape = self.variants["wav_response"]
        if shape == "binary":
            return SimResponse(200, {"Content-Type": "audio/wav"}, self.media_bytes(clip, "wav"))
        if shape == "wav_file_url":
            return json_response(200, {"wav_file_url": url})
        return json_response(200, {"code": "success", "data": url})

    def act_mp4(self, request: Request) -> SimResponse:
        with self._lock:
            clip = self.complete_clip(request.params["id"], "clip_id")
            if not self.conversion_ready("mp4", clip.id, self.mp4_ready_after, start=True):
                return json_response(200, {})
        url = f"{self.base_url}/cdn1/{clip.id}.mp4"
        if self.variants["mp4_response"] == "data_url":
            return json_response(200, {"code": "success", "data": url})
        return json_response(200, {"mp4_file_url": url})


def ranged(
    request: Request, content: bytes, content_type: str, *, cache: str = "public, max-age=3600"
) -> SimResponse:
    """Serve bytes like a CDN: Range -> 206 (Chromium needs it to seek, stack-notes), HEAD, CORS."""
    size = len(content)
    headers = {
        "Content-Type": content_type,
        "Accept-Ranges": "bytes",
        "Access-Control-Allow-Origin": "*",  # the browser's waveform player fetches cross-origin
        "Cache-Control": cache,
    }
    status, start, end = 200, 0, size - 1
    wanted = request.headers.get("range", "")
    if wanted:
        found = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", wanted.split(",")[0] if "," in wanted else wanted)
        if found and (found[1] or found[2]):
            if found[1]:
                start = int(found[1])
                end = min(int(found[2]), size - 1) if found[2] else size - 1
            else:  # suffix range: the last N bytes
                start = max(0, size - int(found[2]))
            if start >= size or start > end:
                headers["Content-Range"] = f"bytes */{size}"
                return SimResponse(416, headers, b"")
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    payload = content[start : end + 1]
    headers["Content-Length"] = str(len(payload))
    return SimResponse(status, headers, b"" if request.method == "HEAD" else payload)
