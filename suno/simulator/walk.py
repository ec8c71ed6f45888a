"""Walk the whole upstream contract over plain HTTP: `python -m suno.simulator.walk --base URL`.

It uses only urllib, never our SunoClient, so it checks the simulator (or any gateway that speaks the
same contract) on its own terms: the shapes of docs/upstream.md and the seed page. One line per step; the
exit status is non-zero on the first mismatch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from .media import decode_duration

# The seed page's own request body (elkapi-suno-create-music-with-persona.txt), as curl sends it; the
# persona_id and artist_clip_id are replaced by those of the persona this walk creates.
SEED_BODY = {
    "prompt": "[Verse]You go from dawn to duskAlways warm by my sideNot afraid of wind and rainHold hands "
    "tightly and never separate[Verse 2]With you by my side, I am not aloneLike stars in the nightNo matter "
    "how long the road is, it doesn't feel too farBecause you are my light[Chorus]I Love My Husband You are "
    "the only one in the worldNo matter in the ends of the earthHeart follows like a shadow and never leaves"
    "[Verse 3]You are my safe havenEvery night in my dreams, it's youEven though the road ahead may be tough"
    "With you, everything is so beautiful[Chorus]I Love My Husband You are the only one in the world"
    "No matter in the ends of the earthHeart follows like a shadow and never leaves[Bridge]"
    "Every moment in lifeWith your company to experience itEverything will be better tomorrow"
    "Because of you, I am invincible",
    "generation_type": "TEXT",
    "tags": "electronic, pop",
    "negative_tags": "",
    "mv": "chirp-v4-tau",
    "title": "husband",
    "task": "artist_consistency",
    "persona_id": "6a40ce76-2fbe-4272-8ccb-568ed0be7eda",
    "artist_clip_id": "117decaa-d0d1-4847-bcb0-9042086c433c",
}
# The keys of the seed page's response example, at each level.
SEED_BATCH_KEYS = {"id", "clips", "metadata", "major_model_version", "status", "created_at", "batch_size"}
SEED_CLIP_KEYS = {
    "id",
    "video_url",
    "audio_url",
    "major_model_version",
    "model_name",
    "metadata",
    "is_liked",
    "user_id",
    "display_name",
    "handle",
    "is_handle_updated",
    "avatar_image_url",
    "is_trashed",
    "created_at",
    "status",
    "title",
    "play_count",
    "upvote_count",
    "is_public",
}
SEED_METADATA_KEYS = {"tags", "prompt", "type", "stream", "has_vocal", "artist_clip_id", "persona_id", "task"}

LYRICS = (
    "[Verse]\nCity lights are humming low\nEvery window keeps a glow\n[Chorus]\nSing it back to me tonight"
)


class WalkFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise WalkFailed(message)


class Walk:
    def __init__(
        self, base: str, *, key: str = "walk-key", poll_interval: float = 1.0, timeout: float = 120.0
    ):
        self.base = base.rstrip("/")
        self.key = key
        self.poll_interval = poll_interval
        self.timeout = timeout

    # -- plain HTTP --

    def request(
        self, method: str, path_or_url: str, body: Any = None, *, auth: bool = True
    ) -> tuple[int, dict, bytes]:
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, dict(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()

    def json(self, method: str, path: str, body: Any = None) -> Any:
        status, _, content = self.request(method, path, body)
        check(status == 200, f"{method} {path} answered {status}: {content[:300]!r}")
        return json.loads(content)

    def submit(self, path: str, body: dict) -> str:
        answer = self.json("POST", path, body)
        check(
            answer.get("code") == "success" and isinstance(answer.get("data"), str),
            f"not an E-task: {answer}",
        )
        return answer["data"]

    def poll(self, what: str, probe: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + self.timeout
        while True:
            result = probe()
            if result is not None:
                return result
            check(time.monotonic() < deadline, f"{what}: not done after {self.timeout} s")
            time.sleep(self.poll_interval)

    def task(self, task_id: str) -> dict:
        def probe():
            task = self.json("GET", f"/suno/fetch/{task_id}")["data"]
            check(task["task_id"] == task_id, "fetch answered another task")
            check(task["status"] != "FAILURE", f"task {task_id} failed: {task['fail_reason']}")
            return task if task["status"] == "SUCCESS" else None

        return self.poll(f"task {task_id}", probe)

    def feed(self, clip_ids: list[str]) -> list[dict]:
        def probe():
            clips = self.json("GET", "/suno/feed/" + ",".join(clip_ids))
            check(isinstance(clips, list), "feed is not a bare array")
            check(all(c["status"] != "error" for c in clips), f"a clip failed: {clips}")
            done = len(clips) == len(clip_ids) and all(
                c["status"] == "complete" and c["audio_url"] for c in clips
            )
            return clips if done else None

        return self.poll("feed", probe)

    def download(self, url: str, content_type: str) -> bytes:
        status, headers, content = self.request("GET", url, auth=False)  # media is public, like a CDN
        check(status == 200, f"GET {url} answered {status}")
        check(
            headers.get("Content-Type", "").startswith(content_type),
            f"{url} is {headers.get('Content-Type')}",
        )
        return content

    def audio_matches(self, clip: dict) -> float:
        seconds = decode_duration(self.download(clip["audio_url"], "audio/"))
        stated = clip["metadata"]["duration"]
        check(
            abs(seconds - stated) < 0.25,
            f"clip {clip['id']}: audio lasts {seconds:.2f} s, metadata says {stated}",
        )
        return seconds

    # -- the steps --

    def run(self, say: Callable[[str], None] = print) -> None:
        status, _, _ = self.request("GET", "/suno/fetch/nothing", auth=False)
        check(status == 401, f"no key: expected 401, got {status}")
        say("auth: a request without a key gets 401")

        task_id = self.submit(
            "/suno/submit/music", {"mv": "chirp-auk", "prompt": LYRICS, "tags": "synthwave", "title": "Walk"}
        )
        task = self.task(task_id)
        clips = task["data"]
        check(task["action"] == "MUSIC" and len(clips) == 2, f"expected 2 clips, got {len(clips)}")
        check(task["progress"] == "100%" and task["finish_time"] >= task["submit_time"] > 0, "task times")
        first = clips[0]
        self.audio_matches(first)
        say(f"generate: task {task_id} -> 2 complete clips, {first['metadata']['duration']} s of audio")

        status, _, content = self.request("GET", "/suno/fetch/task_does_not_exist")
        check(status == 400 and json.loads(content)["code"] == "task_not_exist", "unknown task id")
        batch = self.json("POST", "/suno/fetch", {"ids": [task_id, "task_unknown"], "action": "MUSIC"})
        check([t["task_id"] for t in batch["data"]] == [task_id], f"batch fetch: {batch['data']}")
        say("fetch: unknown id -> 400 task_not_exist; batch omits unknown ids")

        continue_at = round(first["metadata"]["duration"] / 2, 2)
        extend_id = self.submit(
            "/suno/submit/music",
            {
                "mv": "chirp-auk",
                "task": "extend",
                "task_id": task_id,
                "continue_clip_id": first["id"],
                "continue_at": continue_at,
                "prompt": "[Verse 2]\nStill the city sings along",
                "tags": "synthwave",
                "title": "Walk",
            },
        )
        extension = self.task(extend_id)["data"][0]
        history = extension["metadata"]["history"]
        check(
            history[-1]["id"] == first["id"] and history[-1]["continue_at"] == continue_at,
            f"history {history}",
        )
        say(f"extend: continues {first['id']} at {continue_at} s")

        concat = self.task(
            self.submit("/suno/submit/concat", {"clip_id": extension["id"], "is_infill": False})
        )
        song = concat["data"]
        check(len(song) == 1 and song[0]["metadata"]["type"] == "concat", f"concat data: {song}")
        expected = continue_at + extension["metadata"]["duration"]
        check(
            abs(song[0]["metadata"]["duration"] - expected) < 0.1,
            f"concat lasts {song[0]['metadata']['duration']}",
        )
        self.audio_matches(song[0])
        say(f"concat: one {song[0]['metadata']['duration']} s clip = {continue_at} s + the extension")

        stems_body = {
            "task": "gen_stem",
            "task_id": task_id,
            "generation_type": "TEXT",
            "title": "Walk",
            "mv": "chirp-auk",
            "prompt": "",
            "make_instrumental": True,
            "continue_clip_id": first["id"],
            "continued_aligned_prompt": None,
            "continue_at": None,
            "stem_type_id": 91,
            "stem_type_group_name": "Twelve",
            "stem_task": "twelve",
        }
        stems = self.json("POST", "/suno/submit/music", stems_body)
        stem_clips = stems["clips"] if "clips" in stems else self.task(stems["data"])["data"]
        check(len(stem_clips) == 12 and all(c["model_name"] == "chirp-stem" for c in stem_clips), "12 stems")
        check(stem_clips[0]["title"] == "Walk - Vocals", f"stem title {stem_clips[0]['title']}")
        stem_clips = self.feed([c["id"] for c in stem_clips])
        say(f"stems: 12 clips from {first['id']}, all complete")

        def media_url(path: str, keys: tuple[str, ...]) -> Callable[[], str | None]:
            def probe():
                answer = self.json("GET", path)
                for key in keys:
                    if isinstance(answer.get(key), str) and answer[key].startswith("http"):
                        return answer[key]
                return None

            return probe

        wav_url = self.poll("wav", media_url(f"/suno/act/wav/{first['id']}", ("data", "wav_file_url")))
        check(self.download(wav_url, "audio/wav")[:4] == b"RIFF", "the WAV is not a RIFF file")
        say(f"wav: {wav_url}")

        mp4_url = self.poll("mp4", media_url(f"/suno/act/mp4/{first['id']}", ("mp4_file_url", "data")))
        check(self.download(mp4_url, "video/mp4")[4:8] == b"ftyp", "the MP4 has no ftyp box")
        say(f"mp4: {mp4_url}")

        timing = self.json("GET", f"/suno/act/timing/{first['id']}")
        words = timing["aligned_words"]
        check(
            words and all(0 <= w["start_s"] <= w["end_s"] <= first["metadata"]["duration"] for w in words),
            "timing",
        )
        check(len(timing["waveform_data"]) > 0 and timing["is_streamed"] is False, "waveform")
        say(f"timing: {len(words)} aligned words inside the clip")

        lyrics_task = self.task(self.submit("/suno/submit/lyrics", {"prompt": "a rainy tuesday in the city"}))
        lyrics = lyrics_task["data"][0] if isinstance(lyrics_task["data"], list) else lyrics_task["data"]
        check(
            lyrics_task["action"] == "LYRICS" and "[Verse]" in lyrics["text"] and lyrics["title"], f"{lyrics}"
        )
        native_id = self.json("POST", "/suno/generate/lyrics/", {"prompt": "a rainy tuesday"})["id"]

        def native_lyrics():
            answer = self.json("GET", f"/suno/lyrics/{native_id}")
            return answer if answer["status"] == "complete" else None

        native = self.poll("lyrics", native_lyrics)
        check("[Chorus]" in native["text"], "native lyrics")
        say(f"lyrics: {lyrics['title']!r} (task) and {native['title']!r} (native)")

        upload = self.task(self.submit("/suno/uploads/audio-url", {"url": first["audio_url"]}))["data"][0]
        check(upload["metadata"]["type"] == "upload" and upload["status"] == "complete", f"upload {upload}")
        uploaded = self.download(upload["audio_url"], "audio/")
        check(uploaded == self.download(first["audio_url"], "audio/"), "the uploaded clip serves other bytes")
        say(f"upload: {first['audio_url']} -> clip {upload['id']}")

        persona = self.json(
            "POST",
            "/suno/persona/create/",
            {
                "root_clip_id": first["id"],
                "name": "Walker",
                "description": "the walk's own voice",
                "clips": [first["id"]],
                "is_public": False,
            },
        )
        check(
            persona["root_clip_id"] == first["id"] and persona["clip"]["id"] == first["id"],
            f"persona {persona}",
        )
        say(f"persona: {persona['id']}")

        body = {**SEED_BODY, "persona_id": persona["id"], "artist_clip_id": persona["root_clip_id"]}
        batch = self.json("POST", "/suno/generate", body)
        check(set(batch) == SEED_BATCH_KEYS, f"batch keys {sorted(batch)}")
        check(
            batch["status"] == "complete" and batch["batch_size"] == 1 and len(batch["clips"]) == 2, "batch"
        )
        for clip in batch["clips"]:
            check(
                set(clip) == SEED_CLIP_KEYS,
                f"clip keys differ from the seed: {sorted(set(clip) ^ SEED_CLIP_KEYS)}",
            )
            check(set(clip["metadata"]) == SEED_METADATA_KEYS, f"metadata keys {sorted(clip['metadata'])}")
            check(clip["status"] == "submitted" and clip["audio_url"] == "", "a fresh clip is submitted")
            check(clip["metadata"]["persona_id"] == persona["id"], "persona_id echo")
            check(
                (clip["model_name"], clip["major_model_version"]) == ("chirp-v4", "v4"), "seed model fields"
            )
        say(f"seed request: /suno/generate -> batch {batch['id']} in the seed's shape")

        done = self.feed([c["id"] for c in batch["clips"]])
        durations = [self.audio_matches(clip) for clip in done]
        say(f"seed clips: complete through /suno/feed, audio {', '.join(f'{d:.2f} s' for d in durations)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--key", default="walk-key")
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=120.0)
    options = parser.parse_args(argv)
    walk = Walk(options.base, key=options.key, poll_interval=options.poll_interval, timeout=options.timeout)
    try:
        walk.run()
    except WalkFailed as failure:
        print(f"FAILED: {failure}")
        return 1
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"FAILED: {type(error).__name__}: {error}")
        return 1
    print("walk: the whole contract answered as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
