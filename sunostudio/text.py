"""Text that must stay on one line: titles, style tags, names.

A CR or LF in a title would start a new line wherever the title is written line by line (an .lrc file's
[ti:] header, an email subject, a log line), and NUL or ESC have no business in a name at all.
"""

from __future__ import annotations

import re

# Everything str.splitlines() breaks on, plus tab: each run becomes one space.
_LINE_BREAKS = re.compile(r"[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")
# The other control characters (C0, DEL, C1): dropped.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(value: str) -> str:
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", value)).strip()
