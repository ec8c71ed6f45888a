"""The locks a public site needs, as a visitor or a creator meets them: security headers and the CSP, login
and sign-up throttling, request size limits, one-line fields, and password reset by email."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from songs.models import Song
from sunostudio.settings import email_is_configured, parse_email_url, storage_media_origins
from sunostudio.text import one_line
from tests.songs.builders import make_song, song_form_data
from tests.songs.drive import complete_song, tick_tools

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"  # tests/conftest.py's users
MB = 1024 * 1024
FORM_ENCODED = "application/x-www-form-urlencoded"
User = get_user_model()


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def page_text(response) -> str:
    """What a reader sees: tags dropped, entities and whitespace as a browser shows them."""
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


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
    # Styles: files, the 500 page's hash, and one nonce (the clip page's waveform), the one the page carries.
    nonces = [s for s in policy["style-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    assert f'<meta name="csp-style-nonce" content="{nonces[0][7:-1]}">' in response.content.decode()
    assert policy["style-src"][0] == "'self'" and all(
        s.startswith("'sha256-") for s in policy["style-src"][1:] if s not in nonces
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
    assert json.loads(config.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "historyRestoreAsHxRequest": False,  # a boosted page's history miss is a whole page, not a partial
    }
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
    policy = "s.CONTENT_SECURITY_POLICY, default=str"  # the NONCE marker is no JSON value
    code = f"import json; from sunostudio import settings as s; print(json.dumps({policy}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    directives = json.loads(result.stdout)["DIRECTIVES"]
    assert directives["upgrade-insecure-requests"] is True
    assert "https://s3.example.net" in directives["media-src"]
    assert "127.0.0.1:8765" not in directives["media-src"]  # no simulator with a real key


# --- Login throttling (django-axes) --------------------------------------------------------------------


def log_in(client, username, password, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_a_message(client, user):
    for _ in range(4):
        assert log_in(client, "ada", "wrong").status_code == 200  # the usual "Please enter a correct…"
    response = log_in(client, "ada", "wrong")
    assert response.status_code == 429
    response = log_in(client, "ada", PASSWORD)
    assert response.status_code == 429 and not is_logged_in(client)
    text = page_text(response)
    assert (
        "Too many failed log-ins." in text and "paused for 15 minutes, even with the right password" in text
    )
    assert 'value="ada"' in response.content.decode()  # our login page, the username kept
    assert "Forgot your password?" in text
    # per username: another address doesn't help
    assert log_in(client, "ada", PASSWORD, address="198.51.100.9").status_code == 429


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_locked_out_too(client, user, other_user):
    for number in range(5):
        log_in(client, f"guess{number}", "wrong")
    assert log_in(client, "mallory", PASSWORD).status_code == 429
    assert log_in(client, "mallory", PASSWORD, address="198.51.100.9").status_code == 302  # elsewhere: fine


@pytest.mark.django_db
def test_staff_unlock_a_lockout_in_the_admin(client, user):
    for _ in range(5):
        log_in(client, "ada", "wrong")
    admin = User.objects.create_superuser("root", password="root pass 123")
    staff = type(client)()
    staff.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    listing = staff.get(changelist, {"locked_out": "yes"})
    assert listing.status_code == 200 and "ada" in listing.content.decode()
    attempt_ids = [str(pk) for pk in listing.context["cl"].queryset.values_list("pk", flat=True)]
    confirm = {"action": "delete_selected", "_selected_action": attempt_ids}
    assert staff.post(changelist, confirm).status_code == 200  # "Are you sure?"
    assert staff.post(changelist, {**confirm, "post": "yes"}).status_code == 302
    assert log_in(client, "ada", PASSWORD).status_code == 302 and is_logged_in(client)


@pytest.mark.django_db
def test_axes_reset_command_unlocks_too(client, user):
    for _ in range(5):
        log_in(client, "ada", "wrong")
    call_command("axes_reset_username", "ada", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert log_in(client, "ada", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_behind_a_proxy_each_client_is_counted_by_the_address_the_proxy_saw(client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for number in range(
        5
    ):  # the attacker's own X-Forwarded-For entry changes every time; the proxy's doesn't
        client.post(
            reverse("login"),
            {"username": f"guess{number}", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 203.0.113.7",
        )
    locked = client.post(
        reverse("login"),
        {"username": "ada", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429
    neighbour = client.post(
        reverse("login"),
        {"username": "ada", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert neighbour.status_code == 302  # another client behind the same proxy isn't locked out


@pytest.mark.django_db
def test_sign_up_is_limited_per_address_and_keeps_what_was_typed(client, settings):
    settings.SIGNUP_POLICY = "open"
    settings.SIGNUP_ATTEMPTS_PER_HOUR = 3
    for number in range(3):
        client.post(reverse("signup"), {"username": f"bot{number}", "password1": "x", "password2": "y"})
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "password1": "a quiet harbour 42", "password2": "a quiet harbour 42"},
    )
    assert response.status_code == 429
    assert "Too many sign-up attempts from your network" in page_text(response)
    assert 'value="newbie"' in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    other = client.post(
        reverse("signup"),
        {"username": "newbie", "password1": "a quiet harbour 42", "password2": "a quiet harbour 42"},
        REMOTE_ADDR="198.51.100.9",
    )
    assert other.status_code == 302 and User.objects.filter(username="newbie").exists()


# --- Request size limits ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_200_mb_upload_is_refused_from_its_length_without_reading_it(client, user):
    client.force_login(user)
    body = b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nBig\r\n--b--\r\n'
    # The test client's input raises if anything reads past these few bytes: the 200 MB are never read.
    response = client.generic(
        "POST",
        reverse("songs:upload_create"),
        body,
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(200 * MB),
    )
    assert response.status_code == 413
    text = page_text(response)
    assert "This file is larger than 20 MB, the most an upload may be. Nothing was uploaded." in text
    assert "Upload music" in text and 'type="file"' in response.content.decode()  # the form, to try again
    assert not Song.objects.exists()


@pytest.mark.django_db
def test_ten_megabytes_of_lyrics_come_back_cut_with_the_form_and_a_message(client, user):
    client.force_login(user)
    lyrics = "la " * (10 * MB // 3)
    data = song_form_data(title="Long one", lyrics=lyrics)
    # as a browser sends the song form (no enctype)
    response = client.post(reverse("songs:song_create"), urlencode(data), content_type=FORM_ENCODED)
    assert response.status_code == 200  # the form again, not a bare 400
    text = page_text(response)
    assert (
        f"Lyrics had {len(lyrics):,} characters, too many to receive: only the first 100,000 were kept."
        in text
    )
    assert "takes at most" in text  # the form's own limit for the chosen model
    page = response.content.decode()
    assert 'value="Long one"' in page and "synthwave, dreamy, female vocals" in page  # what fits is kept
    assert not Song.objects.exists()


@pytest.mark.django_db
def test_megabytes_of_text_in_a_multipart_form_get_the_form_back_with_a_message(client, user):
    client.force_login(user)
    response = client.post(reverse("songs:upload_create"), {"title": "t" * (3 * MB)})  # multipart
    assert response.status_code == 413
    assert "What you sent (3.0 MB) is too large for this form. Nothing was saved." in page_text(response)
    assert 'type="file"' in response.content.decode()


@pytest.mark.django_db
def test_a_visitor_posting_megabytes_gets_the_page_back_without_it_being_read(client):
    response = client.generic(
        "POST",
        reverse("login"),
        b"username=a",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(5 * MB),
    )
    assert response.status_code == 413
    assert "What you sent (5.0 MB) is too large for this form. Nothing was saved." in page_text(response)
    assert "Log in" in page_text(response)


@pytest.mark.django_db
def test_a_too_large_post_to_a_post_only_address_gets_a_page_saying_so(client, user):
    client.force_login(user)
    song = make_song(owner=user)
    response = client.generic(
        "POST",
        reverse("songs:song_publish", args=[song.pk]),
        b"--b--\r\n",
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(50 * MB),
    )
    assert response.status_code == 413
    assert "Too large to send" in page_text(response) and "larger than 20 MB" in page_text(response)


# --- One-line fields ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Night Drive\r\n[ar:Someone else]", "Night Drive [ar:Someone else]"),
        ("tab\there", "tab here"),
        ("nul\x00 and esc\x1b[31m", "nul and esc[31m"),
        ("line\u2028separator\x85next", "line separator next"),
        ("  plain title  ", "plain title"),
        ("Ünïcödé ♫ stays", "Ünïcödé ♫ stays"),
    ],
)
def test_one_line_turns_breaks_into_spaces_and_drops_control_characters(typed, kept):
    assert one_line(typed) == kept


@pytest.mark.django_db
def test_a_title_with_a_line_break_never_reaches_the_lrc_header_raw(
    client, user, suno, django_capture_on_commit_callbacks
):
    client.force_login(user)
    data = song_form_data(title="Night Drive\r\n[ar:Someone else]", tags="synthwave,\ndreamy\x00")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("songs:song_create"), data)
    assert response.status_code == 302
    song = Song.objects.get()
    assert (song.title, song.tags) == ("Night Drive [ar:Someone else]", "synthwave, dreamy")
    song = complete_song(user, suno, django_capture_on_commit_callbacks, title=song.title)
    clip = song.clips.order_by("take").first()
    clip.title = (
        "Upstream\rtitle"  # whatever the upstream or an older row holds, the file stays one line each
    )
    clip.save(update_fields=["title"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:clip_asset", args=[clip.pk, "timing"]), headers={"HX-Request": "true"})
    tick_tools(suno, django_capture_on_commit_callbacks)
    lrc = client.get(reverse("songs:clip_lyrics_file", args=[clip.pk, "lrc"])).content.decode()
    assert "\r" not in lrc
    assert lrc.split("\n")[0] == "[ti:Upstream title]"
    assert lrc.split("\n")[1].startswith("[00:")


# --- Email settings and password reset ------------------------------------------------------------------


def test_email_url_gives_djangos_smtp_settings():
    assert parse_email_url("smtp+tls://studio%40example.com:p%40ss:w@smtp.example.com") == {
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "studio@example.com",
        "EMAIL_HOST_PASSWORD": "p@ss:w",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }
    ssl = parse_email_url("smtps://mailer:secret@mail.example.com:2465")
    assert (ssl["EMAIL_PORT"], ssl["EMAIL_USE_SSL"], ssl["EMAIL_USE_TLS"]) == (2465, True, False)
    assert parse_email_url("smtp://localhost")["EMAIL_PORT"] == 25
    for bad in ["mail.example.com", "http://mail.example.com", "smtp://"]:
        with pytest.raises(RuntimeError, match="EMAIL_URL must look like"):
            parse_email_url(bad)
    assert email_is_configured({"EMAIL_URL": "smtp://localhost"}) is True


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)


@pytest.mark.django_db
def test_password_reset_by_email_end_to_end_and_it_lifts_a_lockout(client, user):
    user.email = "ada@example.com"
    user.save()
    for _ in range(5):
        log_in(client, "ada", "wrong")
    assert "Forgot your password?" in page_text(client.get(reverse("login")))

    response = client.post(reverse("password_reset"), {"email": "ADA@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert "If an account here uses that address" in page_text(client.get(response["Location"]))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"] and message.subject == "Reset your Suno Studio password"
    assert "Your username is ada." in message.body

    form_page = client.get(reset_link(message), follow=True)
    assert "Choose a new password" in page_text(form_page)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new tune 77", "new_password2": "a brand new tune 77"},
        follow=True,
    )
    assert "Password changed" in page_text(done)
    assert log_in(client, "ada", "a brand new tune 77").status_code == 302 and is_logged_in(client)
    client.logout()
    used = client.get(reset_link(message), follow=True)
    assert "This link doesn't work any more" in page_text(used)


@pytest.mark.django_db
def test_an_unknown_address_gets_the_same_answer_and_no_email(client, user):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done") and mail.outbox == []


@pytest.mark.django_db
def test_without_email_the_reset_page_says_to_ask_staff(client, user, settings):
    settings.PASSWORD_RESET_BY_EMAIL = False
    user.email = "ada@example.com"
    user.save()
    page = client.get(reverse("password_reset"))
    assert "doesn't send email" in page_text(page) and 'name="email"' not in page.content.decode()
    assert client.post(reverse("password_reset"), {"email": "ada@example.com"}).status_code == 200
    assert mail.outbox == []


@pytest.mark.django_db
def test_reset_requests_are_limited_per_address(client, user, settings):
    settings.PASSWORD_RESET_ATTEMPTS_PER_HOUR = 2
    user.email = "ada@example.com"
    user.save()
    for _ in range(2):
        client.post(reverse("password_reset"), {"email": "ada@example.com"})
    response = client.post(reverse("password_reset"), {"email": "ada@example.com"})
    assert response.status_code == 429 and "Too many reset requests" in page_text(response)
    assert 'value="ada@example.com"' in response.content.decode()
    assert len(mail.outbox) == 2
