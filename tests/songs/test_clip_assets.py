"""WAV, video and word timings of a finished take: asked once per clip and kind, archived, owner-only."""

import pytest
from django.urls import reverse

from songs import services
from songs.models import Clip, ClipAsset
from songs.timing import timed_lines, to_lrc, to_srt
from sunostudio.errors import Refused
from tests.songs.builders import make_song
from tests.songs.drive import complete_song, tick_tools

pytestmark = pytest.mark.django_db


@pytest.fixture
def clip(user, suno, django_capture_on_commit_callbacks):
    song = complete_song(user, suno, django_capture_on_commit_callbacks)
    return song.clips.order_by("take").first()


def request_asset(client, clip, kind, capture):
    with capture(execute=True):
        return client.post(reverse("songs:clip_asset", args=[clip.pk, kind]), headers={"HX-Request": "true"})


def test_wav_is_polled_until_ready_then_archived_and_downloadable(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    client.force_login(user)
    response = request_asset(client, clip, "wav", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode()  # converting: the panel polls itself
    asset = clip.assets.get(kind="wav")
    assert asset.status == ClipAsset.Status.CONVERTING  # the first act/wav answered {} (§5.12)
    tick_tools(suno, django_capture_on_commit_callbacks, rounds=2)
    asset.refresh_from_db()
    assert asset.status == ClipAsset.Status.READY
    assert asset.file.name.endswith(".wav")
    panel = client.get(reverse("songs:clip_asset", args=[clip.pk, "wav"]), headers={"HX-Request": "true"})
    assert "hx-trigger" not in panel.content.decode()  # done: the polling stops
    assert "Download WAV" in panel.content.decode()
    download = client.get(reverse("songs:clip_asset_file", args=[clip.pk, "wav"]) + "?download=1")
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:4] == b"RIFF"
    assert "attachment" in download["Content-Disposition"]


def test_a_double_click_asks_the_upstream_once(client, user, suno, clip, django_capture_on_commit_callbacks):
    client.force_login(user)
    request_asset(client, clip, "mp4", django_capture_on_commit_callbacks)
    request_asset(client, clip, "mp4", django_capture_on_commit_callbacks)
    assert clip.assets.filter(kind="mp4").count() == 1
    assert suno.calls("act_mp4") == 1


def test_video_becomes_an_inline_player(client, user, suno, clip, django_capture_on_commit_callbacks):
    client.force_login(user)
    request_asset(client, clip, "mp4", django_capture_on_commit_callbacks)
    tick_tools(suno, django_capture_on_commit_callbacks, rounds=3)
    page = client.get(reverse("songs:clip_detail", args=[clip.pk])).content.decode()
    assert "<video" in page and "Download MP4" in page
    response = client.get(
        reverse("songs:clip_asset_file", args=[clip.pk, "mp4"]), headers={"Range": "bytes=0-99"}
    )
    assert response.status_code == 206
    assert response["Content-Type"] == "video/mp4"


def test_binary_wav_answer_is_stored_too(client, user, suno, clip, django_capture_on_commit_callbacks):
    suno.simulator.variants["wav_response"] = "binary"
    client.force_login(user)
    request_asset(client, clip, "wav", django_capture_on_commit_callbacks)
    tick_tools(suno, django_capture_on_commit_callbacks, rounds=2)
    asset = clip.assets.get(kind="wav")
    assert asset.status == ClipAsset.Status.READY and asset.file.name.endswith(".wav")


def test_upstream_failure_is_a_failed_state_with_a_retry(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    suno.faults.add("unauthorized", endpoint="act_wav")
    client.force_login(user)
    request_asset(client, clip, "wav", django_capture_on_commit_callbacks)
    asset = clip.assets.get(kind="wav")
    assert asset.status == ClipAsset.Status.FAILED
    assert "key was refused" in asset.error_message
    panel = client.get(reverse("songs:clip_asset", args=[clip.pk, "wav"]), headers={"HX-Request": "true"})
    assert "Retry" in panel.content.decode() and "hx-trigger" not in panel.content.decode()
    suno.faults.clear()
    request_asset(client, clip, "wav", django_capture_on_commit_callbacks)  # Retry
    tick_tools(suno, django_capture_on_commit_callbacks, rounds=2)
    asset.refresh_from_db()
    assert asset.status == ClipAsset.Status.READY


def test_a_conversion_that_never_finishes_gives_up(user, suno, clip, django_capture_on_commit_callbacks):
    suno.simulator.wav_ready_after = 10_000
    with django_capture_on_commit_callbacks(execute=True):
        services.clip_asset_request(clip=clip, kind="wav")
    tick_tools(suno, django_capture_on_commit_callbacks, seconds=60, rounds=3)
    asset = clip.assets.get(kind="wav")
    assert asset.status == ClipAsset.Status.FAILED
    assert "in time" in asset.error_message


def test_tools_refuse_an_unfinished_take(client, user):
    song = make_song(owner=user, clips=1, status=Clip.Status.STREAMING)
    clip = song.clips.get()
    client.force_login(user)
    response = client.post(reverse("songs:clip_asset", args=[clip.pk, "wav"]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert not clip.assets.exists()
    with pytest.raises(Refused):
        services.clip_asset_request(clip=clip, kind="timing")


def test_timing_is_fetched_once_and_gives_karaoke_lrc_and_srt(
    client, user, suno, clip, django_capture_on_commit_callbacks
):
    client.force_login(user)
    request_asset(client, clip, "timing", django_capture_on_commit_callbacks)
    asset = clip.assets.get(kind="timing")
    assert asset.status == ClipAsset.Status.READY
    assert suno.calls("act_timing") == 1
    request_asset(client, clip, "timing", django_capture_on_commit_callbacks)
    assert suno.calls("act_timing") == 1  # stored: never fetched again
    page = client.get(reverse("songs:clip_detail", args=[clip.pk])).content.decode()
    karaoke = page.split('class="karaoke"')[1].split("</div>")[0]
    assert "karaoke-line" in karaoke and "City" in karaoke and "[Verse]" not in karaoke
    lrc = client.get(reverse("songs:clip_lyrics_file", args=[clip.pk, "lrc"])).content.decode()
    assert lrc.splitlines()[1].startswith("[00:")
    assert "City lights are calling me home" in lrc
    srt = client.get(reverse("songs:clip_lyrics_file", args=[clip.pk, "srt"])).content.decode()
    assert srt.startswith("1\n00:00:") and " --> " in srt


def test_timed_lines_split_on_newlines_and_drop_section_tags():
    words = [
        {"word": "[Verse]\nWinter ", "start_s": 8.38, "end_s": 8.78},
        {"word": "winds\n", "start_s": 8.78, "end_s": 9.54},
        {"word": "[Chorus]\nHold ", "start_s": 10.0, "end_s": 10.5},
        {"word": "on", "start_s": 10.5, "end_s": 11.25},
    ]
    lines = timed_lines(words)
    assert [line.text for line in lines] == ["Winter winds", "Hold on"]
    assert to_lrc(lines) == "[00:08.38]Winter winds\n[00:10.00]Hold on\n"
    assert to_srt(lines).splitlines()[1] == "00:00:08,380 --> 00:00:09,540"


def test_unknown_format_or_kind_is_404(client, user, clip):
    client.force_login(user)
    assert client.get(reverse("songs:clip_lyrics_file", args=[clip.pk, "txt"])).status_code == 404
    assert client.post(reverse("songs:clip_asset", args=[clip.pk, "flac"])).status_code == 404


def test_another_creators_clip_tools_are_404(
    client, other_user, user, suno, clip, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.clip_asset_request(clip=clip, kind="timing")
    client.force_login(other_user)
    urls = [
        reverse("songs:clip_detail", args=[clip.pk]),
        reverse("songs:clip_asset", args=[clip.pk, "timing"]),
        reverse("songs:clip_asset_file", args=[clip.pk, "wav"]),
        reverse("songs:clip_lyrics_file", args=[clip.pk, "lrc"]),
    ]
    for url in urls:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    for name in ("clip_extend", "clip_concat"):
        assert client.post(reverse(f"songs:{name}", args=[clip.pk])).status_code == 404
    assert client.post(reverse("songs:clip_stems", args=[clip.pk, "two"])).status_code == 404
    assert client.post(reverse("songs:clip_asset", args=[clip.pk, "wav"])).status_code == 404
