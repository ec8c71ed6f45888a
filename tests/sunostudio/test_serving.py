"""Serving: the probes, our error pages, request ids and structured log lines, the first-run commands,
and gunicorn with the production settings as a real process."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import path
from django_q.tasks import async_task

from sunostudio import urls as studio_urls
from sunostudio.logs import JsonFormatter, request_id_var
from tests.browser.conftest import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]


@login_not_required
def broken_view(request):
    raise RuntimeError("a bug")


@login_not_required
def forbidden_view(request):
    raise PermissionDenied


urlpatterns = [
    *studio_urls.urlpatterns,
    path("test-broken", broken_view),
    path("test-forbidden", forbidden_view),
]


@pytest.fixture
def production_errors(settings):
    """DEBUG off, with two test views that fail, as a visitor would meet them."""
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def json_log():
    """What LOG_FORMAT=json prints: a real handler with our formatter on the two structured loggers."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger("sunostudio.requests"), logging.getLogger("sunostudio.jobs")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def closed_port() -> int:
    return free_port()  # bound and released at once: nothing listens there


# --- Probes -------------------------------------------------------------------------------------------


def test_healthz_answers_without_a_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_lists_each_check_and_is_200_when_all_answer(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "storage": "ok"}}
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_503_and_names_the_broker_when_redis_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failed",
        "checks": {"database": "ok", "broker": "failed", "storage": "ok"},
    }
    assert b"Connection" not in response.content  # the reason is logged, not shown to the public


# --- Error pages, DEBUG off ---------------------------------------------------------------------------


def test_unknown_url_gets_our_404_page(client, db, production_errors):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    body = response.content.decode()
    assert "<h1>Nothing here</h1>" in body
    assert 'name="viewport"' in body  # readable on a phone
    assert "Explore songs" in body and "/accounts/login/" in body  # a way on for a visitor
    assert "Traceback" not in body and "URLconf" not in body


def test_404_offers_a_creator_their_library(client, user, production_errors):
    client.force_login(user)
    response = client.get("/songs/999999/")
    assert response.status_code == 404
    assert "Back to your library" in response.content.decode()


def test_500_renders_our_page_without_the_database(db, production_errors, django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/test-broken")
    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>Something went wrong</h1>" in body
    assert 'name="viewport"' in body and "prefers-color-scheme: dark" in body
    assert "a bug" not in body and "RuntimeError" not in body


def test_permission_denied_gets_our_403_page(client, db, production_errors):
    response = client.get("/test-forbidden")
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.content.decode()


def test_a_post_without_its_csrf_token_says_what_happened_and_what_to_do(db, production_errors):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "ada", "password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "That form expired" in body
    assert "nothing was changed" in body
    assert "reload the page" in body


# --- Request ids and structured lines ---------------------------------------------------------------


def test_an_incoming_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert response["X-Request-ID"] == "lb-7f3a.42"


def test_a_request_without_a_usable_id_gets_a_fresh_one(client):
    made = client.get("/healthz")["X-Request-ID"]
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\r\nX-Evil: 1"})["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert re.fullmatch(r"[0-9a-f]{32}", replaced) and replaced != made


def test_one_json_line_per_request(client, user, json_log):
    client.force_login(user)
    response = client.get("/songs/", headers={"X-Request-ID": "req-1"})
    assert response.status_code == 200
    [line] = json_log()
    assert line["event"] == "request"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/songs/", 200)
    assert line["user_id"] == user.pk
    assert line["request_id"] == "req-1"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_healthy_probes_are_not_logged_but_a_visitor_is(client, db, json_log):
    client.get("/healthz")
    client.get("/readyz")
    client.get("/accounts/login/")
    assert [(line["path"], line["user_id"]) for line in json_log()] == [("/accounts/login/", None)]


def test_a_job_logs_one_line_with_the_request_id_that_queued_it(db, json_log):
    token = request_id_var.set("req-job")
    try:
        async_task("math.floor", 2.5)  # tests run jobs inline (Conf.SYNC), through the worker code
        with pytest.raises(ValueError):
            async_task("math.sqrt", -1)
    finally:
        request_id_var.reset(token)
    finished, failed = json_log()
    assert (finished["event"], finished["job"], finished["outcome"]) == ("job", "math.floor", "success")
    assert (failed["job"], failed["outcome"], failed["level"]) == ("math.sqrt", "failure", "WARNING")
    assert finished["request_id"] == failed["request_id"] == "req-job"
    assert finished["duration_ms"] >= 0 and finished["task_id"]


def test_sentry_starts_only_with_a_dsn_and_sends_no_personal_data():
    probe = (
        "import django; django.setup(); import sentry_sdk; client = sentry_sdk.get_client(); "
        "print(client.is_active(), client.options['send_default_pii'])"
    )
    base_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sunostudio.settings"}
    without = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=base_env, capture_output=True, text=True, check=True
    )
    # Nothing listens on the DSN's port, and no event is raised: nothing is sent.
    dsn = f"http://public@127.0.0.1:{closed_port()}/1"
    with_dsn = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**base_env, "SENTRY_DSN": dsn},
        capture_output=True,
        text=True,
        check=True,
    )
    assert without.stdout.split()[0] == "False"
    assert with_dsn.stdout.split() == ["True", "False"]


# --- First run ----------------------------------------------------------------------------------------


def test_ensure_demo_user_makes_a_creator_and_a_moderator(db):
    call_command("ensure_demo_user", verbosity=0)
    call_command("ensure_demo_user", verbosity=0)  # twice is fine: `make run` runs it every time
    moderator = get_user_model().objects.get(username="moderator")
    assert moderator.is_staff and not moderator.is_superuser
    assert list(moderator.groups.values_list("name", flat=True)) == ["Moderators"]
    assert moderator.check_password("suno-studio-moderator")
    assert get_user_model().objects.get(username="demo").check_password("suno-studio-demo")


def test_ensure_demo_user_refuses_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="published passwords"):
        call_command("ensure_demo_user", verbosity=0)
    assert not get_user_model().objects.filter(username__in=["demo", "moderator"]).exists()


def test_check_ports_says_in_one_line_which_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy_port = taken.getsockname()[1]
        free = closed_port()
        stderr = io.StringIO()
        call_command("check_ports", f"SUNO_SIMULATOR_PORT={free}", stderr=stderr)  # all free: says nothing
        assert stderr.getvalue() == ""
        with pytest.raises(SystemExit) as exit_info:
            call_command("check_ports", f"PORT={busy_port}", f"SUNO_SIMULATOR_PORT={free}", stderr=stderr)
    assert exit_info.value.code == 1
    [line] = stderr.getvalue().splitlines()
    assert f"Port {busy_port} (PORT) is already in use" in line
    assert line.endswith(" make run") and "PORT=" in line


# --- gunicorn with the production settings ------------------------------------------------------------


def production_env(tmp_path: Path, **overrides: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sunostudio.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "REDIS_URL": "",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SUNO_API_KEY": "",
        "LOG_FORMAT": "json",
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("DEBUG", None)
    return {**env, **overrides}


def start_gunicorn(env: dict, log_path: Path) -> subprocess.Popen:
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py", "sunostudio.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.slow
def test_gunicorn_serves_the_production_settings(tmp_path):
    port = free_port()
    env = production_env(tmp_path, PORT=str(port))
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    base = f"http://127.0.0.1:{port}"
    process = start_gunicorn(env, tmp_path / "gunicorn.log")
    try:
        wait_until_up(f"{base}/healthz", process)
        with httpx.Client(base_url=base, timeout=10) as http:
            # The load balancer asks over plain HTTP; everyone else comes through the TLS proxy.
            assert http.get("/healthz").status_code == 200
            ready = http.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "storage": "ok"}
            plain = http.get("/accounts/login/")
            assert plain.status_code == 301 and plain.headers["location"].startswith("https://")

            proxied = {"X-Forwarded-Proto": "https", "X-Request-ID": "e2e-login"}
            login = http.get("/accounts/login/", headers=proxied)
            assert login.status_code == 200
            assert login.headers["x-request-id"] == "e2e-login"
            css_url = re.search(r'href="(/static/css/studio\.[0-9a-f]{12}\.css)"', login.text).group(1)
            css = http.get(css_url, headers=proxied)
            assert css.status_code == 200
            assert css.headers["content-type"].startswith("text/css")
            assert "immutable" in css.headers["cache-control"]  # WhiteNoise, from the hashed name

            missing = http.get("/no-such-page/", headers=proxied)
            assert missing.status_code == 404
            assert "<h1>Nothing here</h1>" in missing.text
            assert "Traceback" not in missing.text and "DEBUG" not in missing.text
            assert missing.headers["x-frame-options"] == "DENY"
            assert missing.headers["x-content-type-options"] == "nosniff"
            assert missing.headers["referrer-policy"] == "same-origin"
            assert "max-age=" in missing.headers["strict-transport-security"]
    finally:
        stop(process)
    log_lines = [
        json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines() if line[:1] == "{"
    ]
    lines_of_our_requests = [
        (line["logger"], line.get("path"), line.get("status"))
        for line in log_lines
        if line["request_id"] == "e2e-login"
    ]
    assert lines_of_our_requests == [
        ("sunostudio.requests", "/accounts/login/", 200),
        ("sunostudio.requests", css_url, 200),
        ("sunostudio.requests", "/no-such-page/", 404),
        ("django.request", None, None),  # "Not Found: /no-such-page/", logged after the response
    ]
    assert any(line["logger"] == "gunicorn.error" for line in log_lines)  # gunicorn's own lines too


@pytest.mark.slow
def test_gunicorn_readyz_is_503_when_the_database_is_down(tmp_path):
    port = free_port()
    unreachable = f"postgres://postgres@127.0.0.1:{closed_port()}/sunostudio"
    env = production_env(tmp_path, PORT=str(port), DATABASE_URL=unreachable)
    (tmp_path / "static").mkdir()  # no collectstatic without a database; WhiteNoise wants the directory
    process = start_gunicorn(env, tmp_path / "gunicorn.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200  # alive: don't restart it
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "failed"
    finally:
        stop(process)
