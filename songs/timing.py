"""Word timings (docs/upstream.md §5.13) as lines for the karaoke view and as .lrc / .srt files.

The upstream's `word` keeps section tags and newlines ("[Verse]\\nWinter "): a newline inside or after a
word ends a line, and bracketed tags are dropped from the text a singer reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from suno.types import Timing
from sunostudio.text import one_line

_TAG = re.compile(r"\[[^\]]*\]")


@dataclass
class TimedWord:
    text: str
    start_s: float
    end_s: float


@dataclass
class TimedLine:
    words: list[TimedWord] = field(default_factory=list)

    @property
    def start_s(self) -> float:
        return self.words[0].start_s

    @property
    def end_s(self) -> float:
        return self.words[-1].end_s

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def words_from_timing(timing: Timing) -> list[dict]:
    """What we store on the row: only the fields we rely on."""
    return [{"word": w.word, "start_s": w.start_s, "end_s": w.end_s} for w in timing.words]


def timed_lines(words: list[dict]) -> list[TimedLine]:
    lines: list[TimedLine] = []
    current = TimedLine()

    def close() -> None:
        nonlocal current
        if current.words:
            lines.append(current)
        current = TimedLine()

    for item in words:
        raw = str(item.get("word", ""))
        start, end = float(item.get("start_s", 0)), float(item.get("end_s", 0))
        pieces = raw.split("\n")
        for index, piece in enumerate(pieces):
            if index > 0:
                close()  # a newline before this piece: the previous line is over
            text = _TAG.sub("", piece).strip()
            if text:
                current.words.append(TimedWord(text=text, start_s=start, end_s=end))
    close()
    return lines


def _lrc_stamp(seconds: float) -> str:
    centis = round(seconds * 100)
    minutes, centis = divmod(centis, 6000)
    return f"[{minutes:02d}:{centis // 100:02d}.{centis % 100:02d}]"


def _srt_stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def to_lrc(lines: list[TimedLine], *, title: str = "") -> str:
    title = one_line(title)  # the title may be the upstream's, or older than the forms' checks
    header = [f"[ti:{title}]"] if title else []
    return "\n".join(header + [f"{_lrc_stamp(line.start_s)}{line.text}" for line in lines]) + "\n"


def to_srt(lines: list[TimedLine]) -> str:
    blocks = []
    for number, line in enumerate(lines, start=1):
        blocks.append(f"{number}\n{_srt_stamp(line.start_s)} --> {_srt_stamp(line.end_s)}\n{line.text}\n")
    return "\n".join(blocks)
