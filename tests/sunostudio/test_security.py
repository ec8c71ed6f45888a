"""The locks a public site needs, as a visitor or a creator meets them: security headers and the CSP."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from sunostudio.settings import storage_media_origins

ROOT = Path(__file__).resolve().parents[2]


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


# --- Headers and the Content-Security-Policy -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [False, True])
def test_every_page_carries_the_security_headers(client, user, logged_in):
    if logged_in:
        client.force_login(user)
    url = reverse("songs:library") if logged_in else reverse("login")
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = csp_directives(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"][0] == "'self'" and all(
        s.startswith("'sha256-") for s in policy["style-src"][1:]
    )
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_players_may_stream_from_the_upstream_and_the_simulator(client, settings):
    policy = csp_directives(client.get(reverse("login")))
    for host in ["'self'", "cdn1.suno.ai", "cdn2.suno.ai", "audiopipe.suno.ai"]:
        assert host in policy["media-src"]
    assert f"{settings.SUNO_SIMULATOR_HOST}:{settings.SUNO_SIMULATOR_PORT}" in policy["media-src"]
    assert "cdn2.suno.ai" in policy["img-src"]  # covers before they're archived


def test_media_from_s3_is_allowed_from_the_bucket_only_when_browsers_fetch_it_there():
    s3 = "storages.backends.s3.S3Storage"
    minio = {"BACKEND": s3, "OPTIONS": {"bucket_name": "songs", "endpoint_url": "http://127.0.0.1:9000"}}
    assert storage_media_origins(minio, proxied=False) == [
        "http://127.0.0.1:9000",
        "http://songs.127.0.0.1:9000",
    ]
    aws = {"BACKEND": s3, "OPTIONS": {"bucket_name": "songs", "region_name": "eu-west-1"}}
    assert "https://songs.s3.eu-west-1.amazonaws.com" in storage_media_origins(aws, proxied=False)
    assert storage_media_origins(aws, proxied=True) == []  # MEDIA_S3_PROXY: it streams through us
    local = {"BACKEND": "sunostudio.storage.AtomicFileSystemStorage"}
    assert storage_media_origins(local, proxied=False) == []


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style[\s>]", re.I), "<style> block"),
    (re.compile(r"\sstyle=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "on… handler"),
    (re.compile(r"\shx-on", re.I), "hx-on (needs eval)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_unsafe_inline():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        if path.name == "500.html":  # its <style> is allowed by hash (the next test)
            text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
        found += [
            f"{path.relative_to(ROOT)}: {what}" for pattern, what in INLINE_CODE if pattern.search(text)
        ]
    assert found == []


@pytest.mark.django_db
def test_the_500_pages_inline_style_is_allowed_by_its_hash(client):
    rendered = render_to_string("500.html")
    styles = re.findall(r"<style>(.*?)</style>", rendered, flags=re.S)
    assert styles, "500.html has no inline style any more: drop its hash from the policy"
    policy = csp_directives(client.get(reverse("login")))
    for style in styles:
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["style-src"]


def test_htmx_injects_no_inline_style_and_evaluates_nothing():
    base = (ROOT / "templates" / "base.html").read_text()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", base)
    assert json.loads(config.group(1)) == {"includeIndicatorStyles": False, "allowEval": False}
    assert base.index('name="htmx-config"') < base.index("{% htmx_script %}")  # read when htmx loads


@pytest.mark.slow
def test_production_policy_upgrades_requests_and_allows_the_bucket():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "studio.example.com",
        "SUNO_API_KEY": "sk-test",
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "songs",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.net",
        "DJANGO_SETTINGS_MODULE": "sunostudio.settings",
    }
    code = "import json; from sunostudio import settings as s; print(json.dumps(s.CONTENT_SECURITY_POLICY))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    directives = json.loads(result.stdout)["DIRECTIVES"]
    assert directives["upgrade-insecure-requests"] is True
    assert "https://s3.example.net" in directives["media-src"]
    assert "127.0.0.1:8765" not in directives["media-src"]  # no simulator with a real key
