"""The simulator's media: deterministic, real, playable, and shaped by the tags and lyrics."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from suno.simulator import media

LYRICS = (
    "[Verse]\nWinter winds are calling me home\nThrough the snow I wander alone\n"
    "[Chorus]\nSing it loud sing it proud\nWe are the ones who stay\n"
)
RUN_TOGETHER_LYRICS = "[Verse]You go from dawn to duskAlways warm[Chorus]Shine on me"
SUNG_WORDS = [word for line in LYRICS.splitlines() if not line.startswith("[") for word in line.split()]
DURATION = 20.0


def render(seed="seed-1", tags="pop, upbeat", lyrics=LYRICS, duration=DURATION, instrumental=False):
    return media.render_clip(seed, tags=tags, lyrics=lyrics, duration=duration, instrumental=instrumental)


def stem(name, seed="seed-1", tags="pop, upbeat", lyrics=LYRICS, duration=DURATION):
    return media.render_stem(seed, tags=tags, lyrics=lyrics, duration=duration, stem=name)


def clear_caches():
    media.render_clip.cache_clear()
    media._arrange.cache_clear()


def ffmpeg_probe(path: Path) -> subprocess.CompletedProcess:
    ffmpeg = media._ffmpeg_exe()
    return subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- durations ---------------------------------------------------------------------------------------


def test_clip_duration_is_a_short_demo_length_and_deterministic():
    for seed in ("a", "b", "c", "d"):
        for lyrics, instrumental in ((LYRICS, False), ("", False), (LYRICS, True), ("word " * 500, False)):
            seconds = media.clip_duration(seed, lyrics=lyrics, instrumental=instrumental)
            assert 20.0 <= seconds <= 45.0
            assert seconds == round(seconds, 2)
            assert seconds == media.clip_duration(seed, lyrics=lyrics, instrumental=instrumental)


def test_longer_lyrics_make_longer_clips():
    short = media.clip_duration("s", lyrics="Hello there", instrumental=False)
    long = media.clip_duration("s", lyrics="la " * 60, instrumental=False)
    assert long > short


# --- determinism -------------------------------------------------------------------------------------


def test_same_seed_gives_identical_mp3_bytes():
    first = media.encode_mp3(render().samples)
    clear_caches()
    second = media.encode_mp3(render().samples)
    assert first == second


def test_different_seed_gives_different_audio():
    assert media.encode_mp3(render("seed-1").samples) != media.encode_mp3(render("seed-2").samples)


def test_mp3_is_identical_across_processes():
    # str hashes are salted per process, so a seed that leaked into hash() would show up here.
    script = (
        "import hashlib; from suno.simulator import media;"
        f"c = media.render_clip('seed-1', tags='pop, upbeat', lyrics={LYRICS!r}, duration={DURATION});"
        "print(hashlib.sha256(media.encode_mp3(c.samples)).hexdigest())"
    )
    root = Path(__file__).resolve().parents[2]
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True, timeout=60
    )
    here = hashlib.sha256(media.encode_mp3(render().samples)).hexdigest()
    assert completed.stdout.strip() == here


# --- the audio itself ----------------------------------------------------------------------------------


def test_rendered_clip_has_the_requested_length():
    clip = render(duration=23.47)
    assert clip.sample_rate == media.SAMPLE_RATE
    assert clip.samples.dtype == np.float32
    assert len(clip.samples) == round(23.47 * media.SAMPLE_RATE)
    assert clip.duration == pytest.approx(23.47, abs=1e-4)


def test_mp3_duration_matches_the_clip():
    for duration in (20.0, 31.37, 45.0):
        mp3 = media.encode_mp3(render(duration=duration).samples)
        assert mp3[:2] == b"\xff\xfb" or mp3[:3] == b"ID3"
        assert media.decode_duration(mp3) == pytest.approx(duration, abs=0.1)


def test_audio_is_loud_enough_but_not_clipped():
    samples = render().samples.astype(np.float64)
    peak = np.max(np.abs(samples))
    assert peak == pytest.approx(10 ** (-1 / 20), abs=0.01)
    assert np.sqrt(np.mean(samples**2)) > 0.05
    assert np.mean(np.abs(samples) > 0.99) == 0


def test_audio_is_tonal_not_noise():
    samples = render().samples.astype(np.float64)
    power = np.sort(np.abs(np.fft.rfft(samples)) ** 2)[::-1]
    # Tones put their energy into a few frequencies; white noise would give the top 1% of bins ~5%.
    assert power[: len(power) // 100].sum() / power.sum() > 0.6


def test_rendered_samples_are_read_only_because_they_are_cached():
    samples = render().samples
    with pytest.raises(ValueError):
        samples[0] = 0.5


def test_tags_set_the_tempo():
    def median_note_spacing(tags):
        starts = [start for _, start, _ in render("tempo", tags=tags, duration=40.0).words]
        return float(np.median(np.diff(starts)))

    assert (
        median_note_spacing("slow sad ballad")
        > median_note_spacing("edm, dance")
        > (median_note_spacing("punk"))
    )


def test_explicit_bpm_in_tags_wins():
    assert media._choose_style("x", "rock, 96 bpm").bpm == 96


def test_mood_tags_set_the_mode():
    assert media._choose_style("x", "sad piano").mode == "minor"
    assert media._choose_style("x", "dark techno").mode == "minor"
    assert media._choose_style("x", "happy summer pop").mode == "major"


def test_major_and_minor_sound_different():
    def chroma(tags):
        samples = render("key", tags=tags, lyrics="").samples.astype(np.float64)
        spectrum = np.abs(np.fft.rfft(samples))
        frequencies = np.fft.rfftfreq(len(samples), 1 / media.SAMPLE_RATE)
        audible = (frequencies > 60) & (frequencies < 2000)
        pitch_class = np.round(12 * np.log2(frequencies[audible] / 440)).astype(int) % 12
        profile = np.bincount(pitch_class, weights=spectrum[audible] ** 2, minlength=12)
        return profile / np.linalg.norm(profile)

    assert float(chroma("happy major pop") @ chroma("sad minor pop")) < 0.95


# --- words and timing ----------------------------------------------------------------------------------


def test_words_are_the_lyric_words_in_order_inside_the_audio():
    clip = render()
    assert [word for word, _, _ in clip.words] == SUNG_WORDS
    previous_end = 0.0
    for _, start, end in clip.words:
        assert previous_end <= start < end <= clip.duration
        previous_end = end


def test_the_voice_sounds_where_the_words_are():
    clip = render()
    vocals = stem("Vocals").astype(np.float64)
    rate = clip.sample_rate
    first_start = clip.words[0][1]
    assert np.max(np.abs(vocals[: int(first_start * rate)])) < 1e-6  # nothing sung in the intro
    for _, start, end in clip.words:
        middle = vocals[int((start + 0.3 * (end - start)) * rate) : int((start + 0.7 * (end - start)) * rate)]
        assert np.sqrt(np.mean(middle**2)) > 0.01


def test_too_many_words_are_squeezed_into_the_clip():
    lyrics = "\n".join(["one two three four five six seven eight"] * 30)
    clip = render(lyrics=lyrics, duration=20.0)
    assert len(clip.words) == 240
    starts = [start for _, start, _ in clip.words]
    assert starts == sorted(starts)
    assert clip.words[-1][2] <= clip.duration


def test_instrumental_has_no_words_and_no_vocals():
    for clip, lyrics in ((render(instrumental=True), LYRICS), (render(lyrics=""), "")):
        assert clip.words == ()
        assert media.aligned_words(clip, lyrics) == []
    assert not np.any(media.render_stem("seed-1", tags="pop", lyrics="", duration=DURATION, stem="Vocals"))


def test_aligned_words_keep_tags_and_newlines_like_suno():
    clip = render()
    aligned = media.aligned_words(clip, LYRICS)
    assert [entry["word"] for entry in aligned[:3]] == ["[Verse]\nWinter ", "winds ", "are "]
    assert aligned[5]["word"] == "home\n"
    assert aligned[12]["word"] == "[Chorus]\nSing "
    assert "".join(entry["word"] for entry in aligned) == LYRICS
    previous_start = 0.0
    for entry, (_, start, end) in zip(aligned, clip.words, strict=True):
        assert entry["success"] is True
        assert entry["start_s"] == pytest.approx(start, abs=0.006)
        assert entry["end_s"] == pytest.approx(end, abs=0.006)
        assert 0 <= entry["start_s"] <= entry["end_s"] <= clip.duration
        assert entry["start_s"] >= previous_start
        assert 0 < entry["p_align"] <= 1
        previous_start = entry["start_s"]


def test_run_together_tags_and_lines_are_split_on_tags():
    clip = render(lyrics=RUN_TOGETHER_LYRICS)
    assert [word for word, _, _ in clip.words] == [
        "You", "go", "from", "dawn", "to", "duskAlways", "warm", "Shine", "on", "me",
    ]  # fmt: skip
    aligned = media.aligned_words(clip, RUN_TOGETHER_LYRICS)
    assert aligned[0]["word"] == "[Verse]You "
    assert aligned[6]["word"] == "warm"
    assert aligned[7]["word"] == "[Chorus]Shine "


# --- stems -------------------------------------------------------------------------------------------


def test_every_stem_name_renders_a_full_length_layer():
    clip = render()
    for name in (*media.STEM_NAMES_TWELVE, *media.STEM_NAMES_TWO):
        layer = stem(name)
        assert layer.dtype == np.float32
        assert layer.shape == clip.samples.shape
    assert np.any(stem("Vocals"))
    assert np.any(stem("Drums"))
    assert np.any(stem("Bass"))


def test_unknown_stem_is_an_error():
    with pytest.raises(ValueError):
        stem("Kazoo")


@pytest.mark.parametrize("names", [media.STEM_NAMES_TWELVE, media.STEM_NAMES_TWO])
def test_stems_add_up_to_the_mix(names):
    total = sum(stem(name).astype(np.float64) for name in names)
    assert np.max(np.abs(total - render().samples)) < 1e-3


def test_stems_are_copies_the_caller_may_change():
    layer = stem("Bass")
    layer[:] = 0
    assert np.any(stem("Bass"))


# --- splice, WAV, decoding -----------------------------------------------------------------------------


def test_splice_is_as_long_as_the_kept_parts():
    rate = media.SAMPLE_RATE
    first, second = render("a").samples, render("b", duration=25.0).samples
    whole = media.splice([(first, 12.5), (second, None)])
    assert len(whole) == round(12.5 * rate) + len(second)
    assert np.max(np.abs(whole)) <= 1.0
    three = media.splice([(first, None), (second, 3.0), (first, 10.0)])
    assert len(three) == len(first) + 3 * rate + 10 * rate
    assert len(media.splice([])) == 0


def test_splice_crossfades_the_join_instead_of_jumping():
    rate = media.SAMPLE_RATE
    low = np.full(rate, -0.5, dtype=np.float32)
    high = np.full(rate, 0.5, dtype=np.float32)
    joined = media.splice([(low, 0.5), (high, None)])
    join = rate // 2
    assert np.max(np.abs(np.diff(joined[join - 100 : join + 100]))) < 0.01
    assert joined[join + int(0.06 * rate)] == pytest.approx(0.5)


def test_wav_is_16_bit_mono_pcm_of_the_right_length():
    clip = render()
    data = media.encode_wav(clip.samples)
    with wave.open(io.BytesIO(data)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 44100)
        assert reader.getnframes() == len(clip.samples)
    assert media.decode_duration(data) == pytest.approx(clip.duration, abs=0.01)


def test_decode_duration_rejects_what_is_not_audio():
    for junk in (b"", b"hello world" * 100, media.render_cover("x", title="t", tags="")):
        with pytest.raises(ValueError):
            media.decode_duration(junk)


# --- waveform ----------------------------------------------------------------------------------------


def test_waveform_is_a_peak_envelope_in_range():
    clip = render()
    points = media.waveform(clip.samples)
    assert len(points) == 200
    assert all(0.0 <= value <= 1.0 and value == round(value, 5) for value in points)
    assert max(points) == pytest.approx(np.max(np.abs(clip.samples)), abs=1e-4)
    assert len(media.waveform(clip.samples, points=50)) == 50
    assert media.waveform(np.zeros(10), points=20) == [0.0] * 20


# --- cover and video -----------------------------------------------------------------------------------


def test_cover_is_a_deterministic_jpeg_of_the_requested_size():
    cover = media.render_cover("seed-1", title="Winter Winds", tags="sad piano ballad")
    assert cover[:3] == b"\xff\xd8\xff"
    with Image.open(io.BytesIO(cover)) as image:
        assert image.format == "JPEG"
        assert image.size == (512, 512)
    assert cover == media.render_cover("seed-1", title="Winter Winds", tags="sad piano ballad")
    assert cover != media.render_cover("seed-2", title="Winter Winds", tags="sad piano ballad")
    with Image.open(
        io.BytesIO(media.render_cover("s", title="A much longer title " * 5, tags="", size=200))
    ) as small:
        assert small.size == (200, 200)


def test_mp4_is_a_real_h264_aac_video(tmp_path):
    clip = render()
    mp4 = media.render_mp4(
        mp3=media.encode_mp3(clip.samples), cover_jpeg=media.render_cover("s", title="T", tags="")
    )
    assert mp4[4:8] == b"ftyp"
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4)
    probe = ffmpeg_probe(path)
    assert probe.returncode == 0, probe.stderr
    assert "Video: h264" in probe.stderr
    assert "yuv420p" in probe.stderr
    assert "Audio: aac" in probe.stderr
    assert f"Duration: 00:00:{int(DURATION):02d}." in probe.stderr


def test_mp4_of_something_that_is_not_audio_is_unavailable():
    with pytest.raises(media.MediaUnavailable):
        media.render_mp4(mp3=b"not audio at all", cover_jpeg=media.render_cover("s", title="T", tags=""))


# --- speed -------------------------------------------------------------------------------------------


def test_a_30_second_clip_renders_and_encodes_quickly():
    clear_caches()
    started = time.perf_counter()
    clip = render("speed", duration=30.0)
    media.encode_mp3(clip.samples)
    # The budget is well under 1 s on one core; leave room for a loaded CI machine.
    assert time.perf_counter() - started < 3.0
