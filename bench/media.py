"""Serving a 5 MB archived take three ways, each from a real gunicorn (one sync worker): local disk with
Range in Django, the bucket through a presigned redirect, and the bucket streamed through Django
(MEDIA_S3_PROXY=1). The bucket is a local moto server, so the numbers compare our side, not a network.

For each way: time to the first audio byte (whole file, and a 64 KiB seek), time to the last byte, and how
long our worker was busy with the request (the redirect: until the 302 was sent; streamed: until the last
byte). Prints one JSON line per way. Run: .venv/bin/python bench/media.py [--requests 20]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import time
import uuid

from _setup import ROOT, django_on_fresh_database

workdir = django_on_fresh_database()

import boto3  # noqa: E402
import httpx  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from songs.models import Clip, Song  # noqa: E402

SIZE = 5 * 1024 * 1024
BUCKET = "bench-media"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)  # a process starting up: there is no event to wait on
    raise TimeoutError(url)


def seed(endpoint: str) -> tuple[str, str]:
    """One creator with one take whose 5 MB file is on local disk and, under the same name, in the bucket."""
    owner = get_user_model().objects.create_user("bench", password=uuid.uuid4().hex)
    song = Song.objects.create(
        owner=owner, title="Bench", model_version="chirp-auk", state=Song.State.SUBMITTED
    )
    clip = Clip.objects.create(song=song, take=1, status=Clip.Status.COMPLETE, title="Bench")
    clip.audio_file.save("audio.mp3", ContentFile(os.urandom(SIZE)))
    s3 = boto3.client("s3", endpoint_url=endpoint, **_boto_credentials())
    s3.create_bucket(Bucket=BUCKET)
    with clip.audio_file.open("rb") as audio:
        s3.put_object(Bucket=BUCKET, Key=clip.audio_file.name, Body=audio.read(), ContentType="audio/mpeg")
    browser = Client()
    browser.force_login(owner)
    return reverse("songs:clip_media", args=[clip.pk, "audio"]), browser.cookies["sessionid"].value


def _boto_credentials() -> dict:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
    }


def one_request(base: str, path: str, session: str, headers: dict, *, bytes_per_second: float = 0) -> dict:
    """Times of one player request, following our redirect like a browser does; a slow listener reads at
    `bytes_per_second` (a phone on a weak connection)."""
    cookies = {"sessionid": session}
    started = time.perf_counter()
    with httpx.Client(cookies=cookies, timeout=30) as http:
        with http.stream("GET", base + path, headers=headers) as answer:
            if answer.status_code == 302:
                ours_done = time.perf_counter()
                location = answer.headers["location"]
                answer.read()
                with httpx.stream("GET", location, headers=headers, timeout=30) as bucket:
                    first, size = _drain(bucket, bytes_per_second)
                    status = bucket.status_code
            else:
                first, size = _drain(answer, bytes_per_second)
                ours_done = time.perf_counter()
                status = answer.status_code
    finished = time.perf_counter()
    assert status in (200, 206), status
    return {
        "first_byte_ms": (first - started) * 1000,
        "last_byte_ms": (finished - started) * 1000,
        "worker_ms": (ours_done - started) * 1000,
        "bytes": size,
    }


def _drain(answer, bytes_per_second: float) -> tuple[float, int]:
    first, size = None, 0
    for chunk in answer.iter_raw():
        if first is None:
            first = time.perf_counter()
        size += len(chunk)
        if bytes_per_second:
            time.sleep(len(chunk) / bytes_per_second)  # the listener's pace, not a wait for an event
    return first, size


def summarise(samples: list[dict], key: str) -> dict:
    values = sorted(sample[key] for sample in samples)
    return {
        "median": round(statistics.median(values), 1),
        "p95": round(values[int(len(values) * 0.95) - 1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    moto_port = free_port()
    moto = subprocess.Popen(
        [str(ROOT / ".venv/bin/moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{moto_port}"
    servers = []
    try:
        wait_until_up(endpoint, moto)
        path, session = seed(endpoint)
        s3_env = {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": endpoint,
            **CREDENTIALS,
        }
        ways = {
            "local_range": {},
            "s3_presigned_redirect": s3_env,
            "s3_streamed_proxy": {**s3_env, "MEDIA_S3_PROXY": "1"},
        }
        config = workdir / "gunicorn.conf.py"  # empty: not the project's production config
        config.write_text("")
        for way, extra_env in ways.items():
            port = free_port()
            server = subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/gunicorn"),
                    "sunostudio.wsgi",
                    "--config",
                    str(config),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env={**os.environ, **extra_env, "DEBUG": "false"},
            )
            servers.append(server)
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/healthz", server)
            one_request(base, path, session, {})  # warm: imports, connections, the first presign
            whole = [one_request(base, path, session, {}) for _ in range(args.requests)]
            seek = [
                one_request(base, path, session, {"Range": "bytes=2621440-2686975"})
                for _ in range(args.requests)
            ]
            slow = [one_request(base, path, session, {}, bytes_per_second=1024 * 1024) for _ in range(3)]
            healthz = []
            for _ in range(args.requests):
                started = time.perf_counter()
                httpx.get(base + "/healthz")
                healthz.append({"ms": (time.perf_counter() - started) * 1000})
            assert all(sample["bytes"] == SIZE for sample in whole), whole[0]
            assert all(sample["bytes"] == 65536 for sample in seek), seek[0]
            print(
                json.dumps(
                    {
                        "bench": "media_5mb",
                        "way": way,
                        "requests": args.requests,
                        "first_byte_ms": summarise(whole, "first_byte_ms"),
                        "last_byte_ms": summarise(whole, "last_byte_ms"),
                        "worker_ms": summarise(whole, "worker_ms"),
                        "seek_first_byte_ms": summarise(seek, "first_byte_ms"),
                        "seek_worker_ms": summarise(seek, "worker_ms"),
                        "slow_listener_1mb_s_worker_ms": summarise(slow, "worker_ms"),
                        "healthz_ms": summarise(healthz, "ms"),
                    }
                )
            )
            server.terminate()
            server.wait(timeout=15)
    finally:
        for server in servers:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=15)
        moto.terminate()
        moto.wait(timeout=15)


if __name__ == "__main__":
    main()
