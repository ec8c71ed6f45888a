"""Django's {# … #} comment is one line only: one that spans lines is printed on the page as text (a draft
of base.html showed its script note at the top of every page). Longer notes use {% comment %}."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_no_template_comment_spans_lines():
    unclosed = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt", ".xml") or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            rest = line
            while "{#" in rest:
                rest = rest.split("{#", 1)[1]
                if "#}" not in rest:
                    unclosed.append(f"{path.relative_to(TEMPLATES)}:{number}")
                    break
                rest = rest.split("#}", 1)[1]
    assert not unclosed, "a {# comment #} must close on its line (use {% comment %}): " + ", ".join(unclosed)
