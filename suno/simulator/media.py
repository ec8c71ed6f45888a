"""Deterministic, playable media for the Suno simulator.

Everything here is a pure function of a string seed and the clip's inputs: the same seed, tags and lyrics
always give byte-identical MP3/WAV/JPEG output. The music is a small arrangement (chord pad, bass, drums,
an arpeggio and a "voice" that sings one note per lyric word) synthesised with vectorised numpy, so a
30 s clip renders in a fraction of a second. This module must not import Django.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import math
import re
import subprocess
import tempfile
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import lameenc
import mutagen
import numpy as np
from PIL import Image, ImageDraw, ImageFont

SAMPLE_RATE = 44100
STEM_NAMES_TWELVE = (
    "Vocals",
    "Backing Vocals",
    "Drums",
    "Bass",
    "Guitar",
    "Keyboard",
    "Strings",
    "Brass",
    "Woodwinds",
    "Percussion",
    "Synth",
    "FX",
)
STEM_NAMES_TWO = ("Vocals", "Instrumental")

MIN_CLIP_SECONDS = 20.0
MAX_CLIP_SECONDS = 45.0
PEAK_LEVEL = 10 ** (-1 / 20)  # -1 dBFS
SPLICE_CROSSFADE_SECONDS = 0.05
MP4_SIZE = 480


class MediaUnavailable(Exception):
    """This machine cannot produce the requested media (e.g. no ffmpeg)."""


@dataclass(frozen=True, eq=False)  # eq=False: numpy arrays have no single truth value
class RenderedClip:
    samples: np.ndarray  # float32 mono in [-1, 1], read-only (it is shared by the render cache)
    sample_rate: int
    duration: float  # seconds == len(samples) / sample_rate
    words: tuple[tuple[str, float, float], ...]  # (word, start_s, end_s) in singing order


# --------------------------------------------------------------------------------------------------
# Seeded randomness


def _rng(seed: str, purpose: str) -> np.random.Generator:
    # sha256 rather than hash(): Python's str hash is salted per process.
    digest = hashlib.sha256(f"{seed}\x00{purpose}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


# --------------------------------------------------------------------------------------------------
# Lyrics


@dataclass(frozen=True)
class _LyricWord:
    text: str  # the sung word
    display: str  # as Suno's aligned_words shows it: preceding tags/newlines + word + trailing whitespace
    line: int  # index of the lyric line, for phrasing
    section: str  # lower-cased name of the last section tag, e.g. "chorus"


_LYRIC_TOKEN = re.compile(r"(?P<tag>\[[^\]\n]*\])|(?P<word>\[?[^\s\[]+)")


@functools.lru_cache(maxsize=64)
def _parse_lyrics(lyrics: str) -> tuple[_LyricWord, ...]:
    words: list[_LyricWord] = []
    display_start: int | None = None  # where the next word's display text begins
    previous_word_end = 0
    section = ""
    line = -1
    tag_since_last_word = True
    for match in _LYRIC_TOKEN.finditer(lyrics):
        if display_start is None:
            display_start = match.start()
        if match.group("tag"):
            section = match.group("tag")[1:-1].strip().lower()
            tag_since_last_word = True
            continue
        if tag_since_last_word or "\n" in lyrics[previous_word_end : match.start()]:
            line += 1
            tag_since_last_word = False
        previous_word_end = match.end()
        end = match.end()
        while end < len(lyrics) and lyrics[end].isspace():
            end += 1
        words.append(_LyricWord(match.group("word"), lyrics[display_start:end], line, section))
        display_start = end
    if words and lyrics[display_start:].strip():
        # Tags after the last word (e.g. a closing "[Outro]") stay attached to it: nothing is sung there.
        last = words[-1]
        words[-1] = _LyricWord(
            last.text, last.display + lyrics[display_start:].rstrip(), last.line, last.section
        )
    return tuple(words)


# --------------------------------------------------------------------------------------------------
# Style: what the tags (and the seed, for everything the tags leave open) say about the music


_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
# Scale degrees (0 = tonic) of well-worn 4-chord loops.
_PROGRESSIONS = {
    "major": ((0, 4, 5, 3), (0, 5, 3, 4), (5, 3, 0, 4), (0, 3, 4, 3)),
    "minor": ((0, 5, 2, 6), (0, 3, 5, 4), (0, 6, 5, 6), (0, 5, 3, 4)),
}
# First matching genre wins, so "slow rock ballad" is a ballad and "pop punk" is punk.
_GENRES = (
    ("ballad", ("ballad", "slow", "lofi", "lo-fi", "chill", "ambient", "downtempo"), (70, 85)),
    ("punk", ("punk", "metal", "hardcore", "thrash", "drum and bass", "dnb"), (150, 180)),
    ("edm", ("edm", "dance", "house", "techno", "trance", "disco", "electro"), (124, 128)),
    ("rock", ("rock", "grunge", "indie", "garage"), (115, 125)),
    ("hiphop", ("hip hop", "hip-hop", "hiphop", "rap", "trap", "boom bap"), (85, 95)),
    ("pop", ("pop", "funk", "r&b", "rnb", "soul", "k-pop"), (100, 115)),
    ("folk", ("folk", "country", "acoustic", "bluegrass"), (90, 110)),
    ("jazz", ("jazz", "blues", "swing", "bossa"), (90, 120)),
)
_DEFAULT_GENRE = ("default", (90, 120))
_MINOR_WORDS = (
    "minor",
    "sad",
    "dark",
    "melancholic",
    "melancholy",
    "moody",
    "gothic",
    "somber",
    "haunting",
    "emo",
)
_MAJOR_WORDS = ("major", "happy", "uplifting", "bright", "joyful", "cheerful", "sunny")
_NO_DRUM_WORDS = ("a cappella", "acapella", "no drums", "drumless", "ambient")

# Drum patterns in 16th-note steps over one bar: kick, snare, hi-hat.
_DRUM_PATTERNS = {
    "edm": ("x...x...x...x...", "....x.......x...", "..x...x...x...x."),
    "ballad": ("x.........x.....", "........x.......", "x...x...x...x..."),
    "hiphop": ("x......x..x.....", "....x.......x...", "x.x.x.x.x.x.x.x."),
    "backbeat": ("x.......x.x.....", "....x.......x...", "x.x.x.x.x.x.x.x."),
}
# Bass rhythm in 8th-note steps over one bar.
_BASS_PATTERNS = {
    "edm": ".x.x.x.x",
    "ballad": "x.......",
    "punk": "xxxxxxxx",
    "rock": "x.x.x.x.",
    "default": "x..xx...",
}


@dataclass(frozen=True)
class _Style:
    genre: str
    bpm: float
    tonic_midi: int  # the key's tonic in octave 3 (MIDI 48-59)
    mode: str  # "major" or "minor"
    progression: tuple[int, ...]
    pad_wave: str  # "saw" or "triangle"
    pad_stem: str
    arp_stem: str
    lead_stem: str  # plays the melody when nothing is sung
    has_drums: bool

    @property
    def beat_seconds(self) -> float:
        return 60.0 / self.bpm

    @property
    def bar_seconds(self) -> float:
        return 4 * self.beat_seconds

    def chord_at(self, seconds: float) -> int:
        return self.progression[int(seconds // self.bar_seconds) % len(self.progression)]

    def midi(self, degree: int, octave: int = 0) -> int:
        """MIDI note of an absolute scale degree (degree 7 is the tonic one octave up)."""
        scale = _SCALES[self.mode]
        return self.tonic_midi + 12 * (octave + degree // 7) + scale[degree % 7]


def _mentions(tags: str, words: Sequence[str]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", tags) for word in words)


@functools.lru_cache(maxsize=64)
def _choose_style(seed: str, tags: str) -> _Style:
    tags = tags.lower()
    rng = _rng(seed, "style")
    genre, (low_bpm, high_bpm) = next(
        ((name, bpm) for name, words, bpm in _GENRES if _mentions(tags, words)), _DEFAULT_GENRE
    )
    explicit_bpm = re.search(r"(\d{2,3})\s*bpm", tags)
    bpm = float(explicit_bpm.group(1)) if explicit_bpm else float(rng.integers(low_bpm, high_bpm + 1))
    bpm = min(max(bpm, 50.0), 200.0)
    if _mentions(tags, _MINOR_WORDS) or genre == "punk" and not _mentions(tags, _MAJOR_WORDS):
        mode = "minor"
    elif _mentions(tags, _MAJOR_WORDS):
        mode = "major"
    else:
        mode = "minor" if rng.random() < 0.4 else "major"
    progressions = _PROGRESSIONS[mode]
    electronic = genre in ("edm", "hiphop") or _mentions(tags, ("synth", "synthwave", "electronic", "8-bit"))
    guitar_like = genre in ("rock", "punk", "folk") or _mentions(tags, ("guitar",))
    piano = _mentions(tags, ("piano", "keys"))
    if piano or _mentions(tags, ("orchestral", "strings", "cinematic", "epic", "classical")):
        pad_stem = "Strings"
    elif electronic:
        pad_stem = "Synth"
    else:
        pad_stem = "Keyboard"
    if _mentions(tags, ("brass", "trumpet", "horn", "horns", "jazz")):
        lead_stem = "Brass"
    elif _mentions(tags, ("flute", "sax", "saxophone", "clarinet", "woodwind", "woodwinds")):
        lead_stem = "Woodwinds"
    else:
        lead_stem = "Synth" if electronic else "Guitar" if guitar_like else "Keyboard"
    return _Style(
        genre=genre,
        bpm=bpm,
        tonic_midi=48 + int(rng.integers(0, 12)),
        mode=mode,
        progression=progressions[int(rng.integers(0, len(progressions)))],
        pad_wave="saw" if electronic or genre in ("rock", "punk") else "triangle",
        pad_stem=pad_stem,
        arp_stem="Keyboard" if piano or not guitar_like and pad_stem != "Keyboard" else "Guitar",
        lead_stem=lead_stem,
        has_drums=not _mentions(tags, _NO_DRUM_WORDS),
    )


# --------------------------------------------------------------------------------------------------
# Composition: when each note sounds and at what pitch


@dataclass(frozen=True)
class _Note:
    start: float  # seconds
    length: float  # seconds the note sounds
    midi: float
    velocity: float = 1.0
    vowel: str = "a"


@dataclass(frozen=True)
class _Timeline:
    """The singable window of a clip: after an instrumental intro, before the outro and fade-out."""

    start: float
    end: float
    fade_out: float


def _timeline(style: _Style, duration: float) -> _Timeline:
    fade_out = min(1.5, 0.08 * duration)
    intro = min(2 * style.bar_seconds, 0.12 * duration)
    outro = min(max(style.bar_seconds, fade_out + 0.5), 0.15 * duration)
    return _Timeline(start=intro, end=max(intro, duration - outro), fade_out=fade_out)


def _phrase_rhythm(line_lengths: Sequence[int], rng: np.random.Generator) -> tuple[list[float], list[float]]:
    """Beat offsets and lengths of every note; each line starts on a bar and ends on a held note."""
    starts: list[float] = []
    lengths: list[float] = []
    bar_start = 0.0
    for count in line_lengths:
        beat = bar_start
        for index in range(count):
            length = 2.0 if index == count - 1 else float(rng.choice((0.5, 1.0, 1.0, 1.5)))
            starts.append(beat)
            lengths.append(length)
            beat += length
        bar_start = 4.0 * math.ceil((beat + 0.5) / 4.0)
    return starts, lengths


def _sung_notes(
    style: _Style,
    timeline: _Timeline,
    line_lengths: Sequence[int],
    rng: np.random.Generator,
    *,
    compress: bool,
) -> list[tuple[float, float]]:
    """(start_s, length_s) of each melody note inside the timeline.

    With compress=True every note is kept and the rhythm is squeezed to fit (lyrics must all be sung);
    otherwise notes that do not fit are dropped (an instrumental lead just stops).
    """
    beats, lengths = _phrase_rhythm(line_lengths, rng)
    if not beats:
        return []
    available_beats = max(0.0, timeline.end - timeline.start) / style.beat_seconds
    total_beats = beats[-1] + lengths[-1]
    scale = min(1.0, available_beats / total_beats) if compress else 1.0
    notes = []
    for beat, length in zip(beats, lengths, strict=True):
        if not compress and beat + length > available_beats:
            break
        start = timeline.start + beat * scale * style.beat_seconds
        notes.append((start, 0.9 * length * scale * style.beat_seconds))
    return notes


def _melody_degrees(
    style: _Style, starts: Sequence[float], line_ends: Sequence[bool], rng: np.random.Generator
) -> list[int]:
    """A random walk over the scale that prefers small steps, chord tones on beats, and resolves lines."""
    candidates = np.arange(-1, 11)
    degree = 2
    degrees = []
    for start, line_end in zip(starts, line_ends, strict=True):
        chord = style.chord_at(start)
        chord_tone = np.isin(candidates % 7, [(chord + step) % 7 for step in (0, 2, 4)])
        on_beat = abs(start / style.beat_seconds - round(start / style.beat_seconds)) < 0.05
        weights = np.exp(-np.abs(candidates - degree) / 1.3) * np.exp(-np.abs(candidates - 4) / 6)
        weights = weights * np.where(chord_tone, 3.0 if on_beat else 1.5, 1.0)
        if line_end:
            weights = weights * chord_tone
        degree = int(rng.choice(candidates, p=weights / weights.sum()))
        degrees.append(degree)
    return degrees


def _vowel_of(word: str) -> str:
    vowels = [char for char in word.lower() if char in "aeiou"]
    return vowels[-1] if vowels else "a"


def _line_lengths(words: Sequence[_LyricWord]) -> list[int]:
    counts: dict[int, int] = {}
    for word in words:
        counts[word.line] = counts.get(word.line, 0) + 1
    return list(counts.values())


def _harmonised_words(words: Sequence[_LyricWord]) -> set[_LyricWord]:
    """Backing vocals sing a third below the choruses, or every other line when nothing is tagged."""
    chorus = {word for word in words if "chorus" in word.section or "hook" in word.section}
    return chorus or {word for word in words if word.line % 2 == 1}


@dataclass(frozen=True)
class _Score:
    voice: list[_Note]
    harmony: list[_Note]
    lead: list[_Note]
    words: tuple[tuple[str, float, float], ...]


def _compose_melody(seed: str, style: _Style, timeline: _Timeline, words: Sequence[_LyricWord]) -> _Score:
    rng = _rng(seed, "melody")
    if words:
        line_lengths = _line_lengths(words)
        timings = _sung_notes(style, timeline, line_lengths, rng, compress=True)
    else:
        line_lengths = [int(rng.integers(4, 8)) for _ in range(64)]
        timings = _sung_notes(style, timeline, line_lengths, rng, compress=False)
    line_ends = [False] * len(timings)
    position = -1
    for count in line_lengths:
        position += count
        if position < len(line_ends):
            line_ends[position] = True
    degrees = _melody_degrees(style, [start for start, _ in timings], line_ends, rng)
    if not words:
        lead = [
            _Note(start, length, style.midi(degree, 1))
            for (start, length), degree in zip(timings, degrees, strict=True)
        ]
        return _Score(voice=[], harmony=[], lead=lead, words=())

    voice = [
        _Note(start, length, style.midi(degree, 1), vowel=_vowel_of(word.text))
        for (start, length), degree, word in zip(timings, degrees, words, strict=True)
    ]
    harmonised = _harmonised_words(words)
    harmony = [
        _Note(note.start, note.length, style.midi(degree - 2, 1), velocity=0.8, vowel="o")
        for note, degree, word in zip(voice, degrees, words, strict=True)
        if word in harmonised
    ]
    sung = tuple(
        (word.text, note.start, note.start + note.length) for word, note in zip(words, voice, strict=True)
    )
    return _Score(voice=voice, harmony=harmony, lead=[], words=sung)


def _chord_notes(style: _Style, duration: float) -> list[tuple[float, int]]:
    """(bar start, scale degree of the chord root) for every bar of the clip."""
    bars = math.ceil(duration / style.bar_seconds)
    return [(bar * style.bar_seconds, style.progression[bar % len(style.progression)]) for bar in range(bars)]


# --------------------------------------------------------------------------------------------------
# Synthesis


def _seconds(n_samples: int) -> np.ndarray:
    return np.arange(n_samples) / SAMPLE_RATE


def _midi_to_hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


_WAVETABLE_SIZE = 4096


@functools.lru_cache(maxsize=32)
def _wavetable(weights: tuple[float, ...]) -> np.ndarray:
    """One period of sum(weights[k-1] * sin(k * x))."""
    x = 2 * np.pi * np.arange(_WAVETABLE_SIZE) / _WAVETABLE_SIZE
    return sum(weight * np.sin((k + 1) * x) for k, weight in enumerate(weights))


def _oscillator(cycles: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """A harmonic tone at a phase given in cycles; a table lookup is far cheaper than a sin per harmonic."""
    index = (cycles * _WAVETABLE_SIZE).astype(np.int64) % _WAVETABLE_SIZE
    return _wavetable(weights)[index]


def _envelope(n_samples: int, attack: float, release: float) -> np.ndarray:
    env = np.ones(n_samples)
    attack_n = min(n_samples, max(1, int(attack * SAMPLE_RATE)))
    release_n = min(n_samples, max(1, int(release * SAMPLE_RATE)))
    env[:attack_n] *= np.linspace(0.0, 1.0, attack_n)
    env[n_samples - release_n :] *= np.linspace(1.0, 0.0, release_n)
    return env


def _smooth(signal: np.ndarray, width: int) -> np.ndarray:
    """A cheap low-pass: moving average over `width` samples."""
    return np.convolve(signal, np.ones(width) / width, mode="same")


def _delay(signal: np.ndarray, seconds: float) -> np.ndarray:
    shift = int(seconds * SAMPLE_RATE)
    delayed = np.zeros_like(signal)
    if shift < len(signal):
        delayed[shift:] = signal[: len(signal) - shift]
    return delayed


def _add_at(buffer: np.ndarray, sound: np.ndarray, start: float) -> None:
    index = int(round(start * SAMPLE_RATE))
    if index >= len(buffer):
        return
    end = min(len(buffer), index + len(sound))
    buffer[index:end] += sound[: end - index]


_VOWEL_HARMONICS = {  # rough formant colour of a few vowels as harmonic weights
    "a": (1.0, 0.8, 0.65, 0.4, 0.2, 0.12, 0.08),
    "e": (1.0, 0.45, 0.2, 0.25, 0.3, 0.15, 0.08),
    "i": (1.0, 0.25, 0.1, 0.1, 0.2, 0.25, 0.15),
    "o": (1.0, 0.7, 0.3, 0.12, 0.05, 0.03, 0.02),
    "u": (1.0, 0.35, 0.1, 0.04, 0.02, 0.01, 0.01),
}


def _sung_tone(note: _Note) -> np.ndarray:
    n = max(1, int(note.length * SAMPLE_RATE))
    t = _seconds(n)
    # Vibrato fades in after the onset, as a singer's does.
    vibrato = 0.35 * np.clip((t - 0.15) / 0.2, 0.0, 1.0) * np.sin(2 * np.pi * 5.5 * t)
    frequency = _midi_to_hz(note.midi) * 2 ** (vibrato / 12)
    cycles = np.cumsum(frequency) / SAMPLE_RATE
    return note.velocity * _oscillator(cycles, _VOWEL_HARMONICS[note.vowel]) * _envelope(n, 0.04, 0.08)


def _lead_tone(note: _Note, stem: str) -> np.ndarray:
    n = max(1, int(note.length * SAMPLE_RATE))
    t = _seconds(n)
    cycles = _midi_to_hz(note.midi) * t
    if stem == "Guitar":
        return (
            _oscillator(cycles, (1.0, 0.6, 0.4, 0.25, 0.15, 0.1))
            * np.exp(-t / 0.5)
            * _envelope(n, 0.003, 0.05)
        )
    weights = {
        "Brass": (1.0, 0.9, 0.7, 0.5, 0.35, 0.2, 0.1),
        "Woodwinds": (1.0, 0.1, 0.3, 0.05, 0.1),
        "Synth": (1.0, 0.5, 0.33, 0.25, 0.2, 0.17),
    }.get(stem, (1.0, 0.4, 0.15, 0.05))
    return _oscillator(cycles, weights) * _envelope(n, 0.03, 0.08)


def _pad_chord(style: _Style, degree: int, length: float) -> np.ndarray:
    n = int(length * SAMPLE_RATE)
    t = _seconds(n)
    if style.pad_wave == "saw":
        weights = tuple(1.0 / k for k in range(1, 9))
    else:
        weights = tuple((1.0 / k**2 if k % 2 else 0.0) for k in range(1, 8))
    chord = np.zeros(n)
    for step in (0, 2, 4):
        frequency = _midi_to_hz(style.midi(degree + step, 0))
        # Two slightly detuned copies make the pad shimmer instead of buzz.
        for detune in (0.998, 1.002):
            chord += _oscillator(frequency * detune * t, weights)
    return chord * _envelope(n, 0.25, 0.3)


def _pluck(frequency: float, length: float, bright: bool) -> np.ndarray:
    n = int(length * SAMPLE_RATE)
    t = _seconds(n)
    weights = (1.0, 0.6, 0.45, 0.3, 0.2, 0.12) if bright else (1.0, 0.3, 0.08)
    return _oscillator(frequency * t, weights) * np.exp(-t / 0.25) * _envelope(n, 0.002, 0.02)


def _bass_tone(frequency: float, length: float) -> np.ndarray:
    n = int(length * SAMPLE_RATE)
    t = _seconds(n)
    return _oscillator(frequency * t, (1.0, 0.45, 0.2, 0.08)) * _envelope(n, 0.005, 0.04)


def _kick() -> np.ndarray:
    t = _seconds(int(0.35 * SAMPLE_RATE))
    frequency = 45 + 110 * np.exp(-t / 0.03)
    return np.sin(2 * np.pi * np.cumsum(frequency) / SAMPLE_RATE) * np.exp(-t / 0.12)


def _snare(rng: np.random.Generator) -> np.ndarray:
    t = _seconds(int(0.2 * SAMPLE_RATE))
    noise = rng.standard_normal(len(t)) * 0.5
    body = np.sin(2 * np.pi * 185 * t) * np.exp(-t / 0.04)
    return (noise * np.exp(-t / 0.06) + body) * 0.8


def _hat(rng: np.random.Generator, length: float = 0.05) -> np.ndarray:
    t = _seconds(int(length * SAMPLE_RATE))
    # First difference of noise tilts it towards the highs, the "tss" of a hi-hat.
    noise = np.diff(rng.standard_normal(len(t) + 1)) * 0.5
    return noise * np.exp(-t / (length / 3))


def _steps(pattern: str, step_seconds: float, bar_start: float) -> list[float]:
    return [bar_start + index * step_seconds for index, hit in enumerate(pattern) if hit == "x"]


# --------------------------------------------------------------------------------------------------
# Arrangement: every layer of the clip, keyed by the stem it belongs to


def _render_notes(n_samples: int, notes: Sequence[_Note], tone: Callable[[_Note], np.ndarray]) -> np.ndarray:
    buffer = np.zeros(n_samples)
    for note in notes:
        _add_at(buffer, tone(note), note.start)
    return buffer


def _voice_layer(style: _Style, n: int, notes: Sequence[_Note]) -> np.ndarray:
    dry = _render_notes(n, notes, _sung_tone)
    # A dotted-eighth echo stands in for the reverb on a real vocal.
    echo = 0.75 * style.beat_seconds
    return dry + 0.25 * _delay(dry, echo) + 0.1 * _delay(dry, 2 * echo)


def _pad_layer(style: _Style, n: int, duration: float) -> np.ndarray:
    buffer = np.zeros(n)
    for bar_start, degree in _chord_notes(style, duration):
        _add_at(buffer, _pad_chord(style, degree, style.bar_seconds + 0.15), bar_start)
    return _smooth(buffer, 6)


def _arp_layer(style: _Style, n: int, duration: float, seed: str) -> np.ndarray:
    rng = _rng(seed, "arpeggio")
    order = ((0, 2, 4, 7), (0, 4, 2, 4), (0, 2, 4, 2))[int(rng.integers(0, 3))]
    step = style.beat_seconds / 2 if style.bpm < 140 else style.beat_seconds
    buffer = np.zeros(n)
    bright = style.arp_stem == "Guitar"
    for bar_start, degree in _chord_notes(style, duration):
        for index in range(int(round(style.bar_seconds / step))):
            midi = style.midi(degree + order[index % len(order)], 1)
            _add_at(buffer, _pluck(_midi_to_hz(midi), 2 * step, bright), bar_start + index * step)
    return buffer


def _bass_layer(style: _Style, n: int, duration: float) -> np.ndarray:
    pattern = _BASS_PATTERNS.get(style.genre, _BASS_PATTERNS["default"])
    step = style.bar_seconds / len(pattern)
    buffer = np.zeros(n)
    for bar_start, degree in _chord_notes(style, duration):
        hits = _steps(pattern, step, bar_start)
        ends = hits[1:] + [bar_start + style.bar_seconds]
        for start, end in zip(hits, ends, strict=True):
            frequency = _midi_to_hz(style.midi(degree, -1))
            _add_at(buffer, _bass_tone(frequency, 0.95 * (end - start)), start)
    return buffer


def _drum_layers(style: _Style, n: int, duration: float, seed: str) -> tuple[np.ndarray, np.ndarray]:
    """(drum kit, shaker percussion)."""
    rng = _rng(seed, "drums")
    if style.genre in _DRUM_PATTERNS:
        kick_pattern, snare_pattern, hat_pattern = _DRUM_PATTERNS[style.genre]
    else:
        kick_pattern, snare_pattern, hat_pattern = _DRUM_PATTERNS["backbeat"]
    kick, snare, hat, shaker = _kick(), _snare(rng), _hat(rng), _hat(rng, 0.09)
    step = style.bar_seconds / 16
    drums = np.zeros(n)
    percussion = np.zeros(n)
    bars = math.ceil(duration / style.bar_seconds)
    for bar in range(bars):
        bar_start = bar * style.bar_seconds
        for start in _steps(kick_pattern, step, bar_start):
            _add_at(drums, 0.9 * kick, start)
        for start in _steps(snare_pattern, step, bar_start):
            _add_at(drums, 0.5 * snare, start)
        for index, start in enumerate(_steps(hat_pattern, step, bar_start)):
            _add_at(drums, (0.12 if index % 2 else 0.18) * hat, start)
        for start in _steps(".x.x.x.x.x.x.x.x", step, bar_start):
            _add_at(percussion, 0.1 * shaker, start)
    return drums, percussion


def _fx_layer(style: _Style, n: int, duration: float, seed: str) -> np.ndarray:
    """A noise swell leading into every 8th bar, the classic build-up riser."""
    rng = _rng(seed, "fx")
    buffer = np.zeros(n)
    swell_n = int(style.bar_seconds * SAMPLE_RATE)
    rise = np.linspace(0.0, 1.0, swell_n) ** 3
    swell = _smooth(rng.standard_normal(swell_n), 12) * rise
    boundary = 8 * style.bar_seconds
    while boundary < duration - style.bar_seconds:
        _add_at(buffer, 0.5 * swell, boundary - style.bar_seconds)
        boundary += 8 * style.bar_seconds
    return buffer


_LAYER_LEVELS = {
    "voice": 0.5,
    "harmony": 0.16,
    "lead": 0.3,
    "pad": 0.05,
    "arp": 0.12,
    "bass": 0.3,
    "fx": 0.3,
}


@dataclass(frozen=True)
class _Arrangement:
    stems: dict[str, np.ndarray]  # float32, read-only; only the stems that have something in them
    mix: np.ndarray  # float32, read-only
    words: tuple[tuple[str, float, float], ...]


# Tiny: an entry holds up to ~9 full-length layers (~60 MB for 45 s), and a stem task asks for one
# clip's stems back to back, so two entries are enough. render_clip keeps the mixes for longer.
@functools.lru_cache(maxsize=2)
def _arrange(seed: str, tags: str, sung_lyrics: str, duration: float) -> _Arrangement:
    if not duration > 0:
        raise ValueError(f"duration must be positive, not {duration!r}")
    n = max(1, round(duration * SAMPLE_RATE))
    duration = n / SAMPLE_RATE
    style = _choose_style(seed, tags)
    timeline = _timeline(style, duration)
    score = _compose_melody(seed, style, timeline, _parse_lyrics(sung_lyrics))

    layers: dict[str, np.ndarray] = {}

    def add(stem: str, signal: np.ndarray) -> None:
        layers[stem] = layers[stem] + signal if stem in layers else signal

    if score.voice:
        add("Vocals", _LAYER_LEVELS["voice"] * _voice_layer(style, n, score.voice))
    if score.harmony:
        add("Backing Vocals", _LAYER_LEVELS["harmony"] * _voice_layer(style, n, score.harmony))
    if score.lead:
        lead = _render_notes(n, score.lead, lambda note: _lead_tone(note, style.lead_stem))
        add(style.lead_stem, _LAYER_LEVELS["lead"] * lead)
    add(style.pad_stem, _LAYER_LEVELS["pad"] * _pad_layer(style, n, duration))
    add(style.arp_stem, _LAYER_LEVELS["arp"] * _arp_layer(style, n, duration, seed))
    add("Bass", _LAYER_LEVELS["bass"] * _bass_layer(style, n, duration))
    if style.has_drums:
        drums, percussion = _drum_layers(style, n, duration, seed)
        add("Drums", drums)
        add("Percussion", percussion)
    add("FX", _LAYER_LEVELS["fx"] * _fx_layer(style, n, duration, seed))

    # One master gain and fade for every layer, so the stems still add up to the mix.
    master = _envelope(n, 0.01, timeline.fade_out)
    mix = sum(layers.values()) * master
    peak = float(np.max(np.abs(mix)))
    gain = PEAK_LEVEL / peak if peak > 0 else 1.0
    master *= gain
    stems = {stem: _frozen_float32(layer * master) for stem, layer in layers.items()}
    return _Arrangement(stems=stems, mix=_frozen_float32(np.clip(mix * gain, -1.0, 1.0)), words=score.words)


def _frozen_float32(signal: np.ndarray) -> np.ndarray:
    # Cached arrays are shared between callers: make accidental in-place edits fail loudly.
    frozen = signal.astype(np.float32)
    frozen.setflags(write=False)
    return frozen


def _sung_lyrics(lyrics: str, instrumental: bool) -> str:
    # An instrumental with lyrics and a song without lyrics are the same music.
    return "" if instrumental else lyrics


# --------------------------------------------------------------------------------------------------
# Public API: audio


def clip_duration(seed: str, *, lyrics: str, instrumental: bool) -> float:
    """A short demo length: 20-45 s, longer for more lyrics, with a little seeded variety."""
    rng = _rng(seed, "duration")
    word_count = 0 if instrumental else len(_parse_lyrics(lyrics))
    seconds = MIN_CLIP_SECONDS + min(0.5 * word_count, 20.0) + float(rng.uniform(0.0, 5.0))
    if word_count == 0:
        seconds = MIN_CLIP_SECONDS + float(rng.uniform(0.0, 10.0))
    return round(min(seconds, MAX_CLIP_SECONDS), 2)


@functools.lru_cache(maxsize=16)  # ~5 MB per 30 s clip
def render_clip(
    seed: str, *, tags: str, lyrics: str, duration: float, instrumental: bool = False
) -> RenderedClip:
    arrangement = _arrange(seed, tags, _sung_lyrics(lyrics, instrumental), float(duration))
    mix = arrangement.mix
    return RenderedClip(
        samples=mix, sample_rate=SAMPLE_RATE, duration=len(mix) / SAMPLE_RATE, words=arrangement.words
    )


def render_stem(
    seed: str, *, tags: str, lyrics: str, duration: float, stem: str, instrumental: bool = False
) -> np.ndarray:
    """One layer of the clip render_clip() makes from the same arguments, as a new float32 array.

    Stems the arrangement does not use (say, Brass in a rock song) are silence, as Suno's are.
    """
    if stem not in STEM_NAMES_TWELVE and stem not in STEM_NAMES_TWO:
        raise ValueError(f"unknown stem {stem!r}")
    arrangement = _arrange(seed, tags, _sung_lyrics(lyrics, instrumental), float(duration))
    silence = np.zeros(len(arrangement.mix), dtype=np.float32)
    if stem == "Instrumental":
        others = [samples for name, samples in arrangement.stems.items() if name != "Vocals"]
        return sum(others, silence).astype(np.float32)
    return arrangement.stems.get(stem, silence).copy()


def splice(parts: list[tuple[np.ndarray, float | None]], sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Concatenate clips, each cut at its `cut_at` seconds (None keeps it whole).

    The result is exactly as long as the kept parts. At each join the next part fades in over
    ~50 ms while the previous part's audio just past its cut point fades out under it.
    """
    fade_n = int(SPLICE_CROSSFADE_SECONDS * sample_rate)
    pieces: list[np.ndarray] = []
    overhang = np.zeros(0)  # audio of the previous part just after its cut point
    for samples, cut_at in parts:
        samples = np.asarray(samples, dtype=np.float64)
        cut = len(samples) if cut_at is None else min(len(samples), max(0, round(cut_at * sample_rate)))
        kept = samples[:cut].copy()
        if pieces:
            n = min(fade_n, len(kept))
            fade_in = np.linspace(0.0, 1.0, n)
            tail = np.zeros(n)
            tail[: min(n, len(overhang))] = overhang[:n]
            kept[:n] = kept[:n] * fade_in + tail * (1.0 - fade_in)
        overhang = samples[cut : cut + fade_n]
        if len(overhang) < fade_n:
            # Nothing to cross-fade from: end this part with a short fade instead of a click.
            n = min(len(kept), int(0.005 * sample_rate))
            kept[len(kept) - n :] *= np.linspace(1.0, 0.0, n)
            overhang = np.zeros(0)
        pieces.append(kept)
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    return np.clip(np.concatenate(pieces), -1.0, 1.0).astype(np.float32)


def replace_window(
    source: np.ndarray, fresh: np.ndarray, start_s: float, end_s: float, sample_rate: int = SAMPLE_RATE
) -> np.ndarray:
    """Replace section (task=infill): `source` with its [start_s, end_s) taken from `fresh`, cross-faded
    over ~50 ms at both edges; as long as `source`, and untouched outside the window."""
    out = np.asarray(source, dtype=np.float64).copy()
    fresh = np.asarray(fresh, dtype=np.float64)
    start = max(0, min(len(out), round(start_s * sample_rate)))
    end = max(start, min(len(out), round(end_s * sample_rate)))
    new = np.zeros(end - start)
    available = fresh[start:end]
    new[: len(available)] = available
    fade = min(int(SPLICE_CROSSFADE_SECONDS * sample_rate), (end - start) // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        new[:fade] = new[:fade] * ramp + out[start : start + fade] * (1.0 - ramp)
        new[-fade:] = new[-fade:] * ramp[::-1] + out[end - fade : end] * ramp
    out[start:end] = new
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def _to_pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0) * 32767).round().astype("<i2").tobytes()


def encode_mp3(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """Mono CBR 128 kbps. Without a Xing header, players and mutagen time it from bitrate and size,
    which lands within ~40 ms (LAME's padding) of the true length."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(7)  # fast; 128 kbps of synthesised tones loses nothing audible
    return bytes(encoder.encode(_to_pcm16(samples))) + bytes(encoder.flush())


def encode_wav(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(_to_pcm16(samples))
    return buffer.getvalue()


def decode_duration(data: bytes) -> float:
    """Seconds of audio in MP3/WAV/other bytes; ValueError if they are not audio mutagen understands."""
    try:
        audio = mutagen.File(io.BytesIO(data))
    except mutagen.MutagenError as error:
        raise ValueError(f"not audio: {error}") from error
    length = getattr(getattr(audio, "info", None), "length", None)
    if not length or length <= 0:
        raise ValueError("not audio, or audio of no length")
    return float(length)


def aligned_words(rendered: RenderedClip, lyrics: str) -> list[dict]:
    """Suno's `aligned_words` (docs/upstream.md §5.13) for the lyric words, timed by where they are sung."""
    result = []
    for lyric_word, (_, start, end) in zip(_parse_lyrics(lyrics), rendered.words, strict=False):
        digest = hashlib.sha256(f"{lyric_word.display}\x00{start}".encode()).digest()
        result.append(
            {
                "word": lyric_word.display,
                "success": True,
                "start_s": min(round(start, 2), rendered.duration),
                "end_s": min(round(end, 2), rendered.duration),
                "p_align": round(0.9 + 0.099 * digest[0] / 255, 3),
            }
        )
    return result


def waveform(samples: np.ndarray, points: int = 200) -> list[float]:
    """Peak level of each of `points` equal slices of the audio."""
    magnitude = np.abs(np.asarray(samples, dtype=np.float64))
    if len(magnitude) < points:
        magnitude = np.concatenate([magnitude, np.zeros(points - len(magnitude))])
    edges = np.linspace(0, len(magnitude), points + 1).astype(int)[:-1]
    peaks = np.maximum.reduceat(magnitude, edges)
    return [round(float(value), 5) for value in np.clip(peaks, 0.0, 1.0)]


# --------------------------------------------------------------------------------------------------
# Public API: images and video


def _palette(seed: str, tags: str) -> list[tuple[int, int, int]]:
    tags = tags.lower()
    rng = _rng(seed, "palette")
    hue = float(rng.random())
    saturation, value = 0.65, 0.8
    if _mentions(tags, _MINOR_WORDS + ("metal", "night", "gothic")):
        saturation, value = 0.55, 0.45
    elif _mentions(tags, _MAJOR_WORDS + ("pop", "summer", "dance", "edm")):
        saturation, value = 0.75, 0.95
    elif _mentions(tags, ("lofi", "lo-fi", "chill", "ambient", "ballad")):
        saturation, value = 0.35, 0.8
    colours = []
    for offset in (0.0, 0.08, 0.5, 0.58):
        red, green, blue = colorsys.hsv_to_rgb((hue + offset) % 1.0, saturation, value)
        colours.append((round(red * 255), round(green * 255), round(blue * 255)))
    return colours


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the fixed-size bitmap font
        return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines[:3]


def render_cover(seed: str, *, title: str, tags: str, size: int = 512) -> bytes:
    """A JPEG: a gradient, a few translucent rings and waves in colours from the seed and tags, the title."""
    rng = _rng(seed, "cover")
    top, bottom, accent, accent2 = _palette(seed, tags)
    blend = np.linspace(0.0, 1.0, size)[:, None, None]
    gradient = np.array(top)[None, None, :] * (1 - blend) + np.array(bottom)[None, None, :] * blend
    image = Image.fromarray(np.repeat(gradient, size, axis=1).astype(np.uint8), "RGB").convert("RGBA")

    overlay = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(int(rng.integers(3, 7))):
        x, y = rng.uniform(0, size, 2)
        radius = rng.uniform(0.1, 0.45) * size
        colour = accent if rng.random() < 0.5 else accent2
        box = (x - radius, y - radius, x + radius, y + radius)
        draw.ellipse(box, fill=(*colour, int(rng.integers(40, 110))))
        draw.ellipse(box, outline=(255, 255, 255, 70), width=max(1, size // 170))
    xs = np.linspace(0, size, 64)
    for index in range(3):
        y0 = size * (0.35 + 0.1 * index)
        ys = y0 + size * 0.05 * np.sin(xs / size * 2 * np.pi * (index + 1.5) + rng.uniform(0, 2 * np.pi))
        draw.line(
            list(zip(xs.tolist(), ys.tolist(), strict=True)),
            fill=(255, 255, 255, 90),
            width=max(1, size // 128),
        )
    image = Image.alpha_composite(image, overlay)

    text_layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(text_layer)
    font = _font(max(10, size // 12))
    lines = _wrap(draw, title.strip() or "Untitled", font, size * 0.84)
    line_height = max(10, size // 12) * 1.25
    band_top = size - size * 0.08 - line_height * len(lines) - size * 0.04
    draw.rectangle((0, band_top, size, size), fill=(0, 0, 0, 110))
    for index, line in enumerate(lines):
        draw.text((size * 0.08, band_top + size * 0.04 + index * line_height), line, font=font, fill="white")
    image = Image.alpha_composite(image, text_layer).convert("RGB")

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as error:
        raise MediaUnavailable(f"no ffmpeg: {error}") from error


def render_mp4(*, mp3: bytes, cover_jpeg: bytes) -> bytes:
    """A small H.264 + AAC MP4 of the still cover over the audio (what Suno's video_url serves)."""
    ffmpeg = _ffmpeg_exe()
    try:
        seconds = decode_duration(mp3)
    except ValueError as error:
        raise MediaUnavailable(f"the audio for the video is not audio: {error}") from error
    with tempfile.TemporaryDirectory(prefix="suno-sim-mp4-") as directory:
        folder = Path(directory)
        (folder / "cover.jpg").write_bytes(cover_jpeg)
        (folder / "audio.mp3").write_bytes(mp3)
        output = folder / "video.mp4"
        command = [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-loop", "1", "-framerate", "2", "-i", "cover.jpg",
            "-i", "audio.mp3",
            "-map", "0:v", "-map", "1:a",
            "-vf", f"scale={MP4_SIZE}:{MP4_SIZE}:out_range=tv,format=yuv420p",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-r", "2",
            "-c:a", "aac", "-b:a", "128k",
            # -t, not -shortest: against a looped image -shortest overshoots by a timing-dependent amount.
            "-t", f"{seconds:.3f}", "-movflags", "+faststart",
            "-fflags", "+bitexact", "-map_metadata", "-1",
            "video.mp4",
        ]  # fmt: skip
        try:
            completed = subprocess.run(command, cwd=folder, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise MediaUnavailable(f"ffmpeg did not run: {error}") from error
        if completed.returncode != 0 or not output.exists():
            message = completed.stderr.decode(errors="replace").strip()[-500:]
            raise MediaUnavailable(f"ffmpeg failed ({completed.returncode}): {message}")
        return output.read_bytes()
