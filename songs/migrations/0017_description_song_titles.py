"""Description-mode songs made before issue 14 kept an empty title and were named by their prompt: each
takes the title its first take holds (what the upstream wrote), as songs.polling now does on the first poll."""

import re

from django.db import migrations

_LINE_BREAKS = re.compile(r"[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(value: str) -> str:  # sunostudio.text.one_line, frozen here as migrations should be
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", value)).strip()


def forwards(apps, schema_editor):
    Song = apps.get_model("songs", "Song")
    Clip = apps.get_model("songs", "Clip")
    untitled = Song.objects.filter(kind="description", title="").values_list("pk", flat=True)
    for song_id in untitled.iterator(chunk_size=500):
        title = (
            Clip.objects.filter(song_id=song_id)
            .exclude(title="")
            .order_by("take")
            .values_list("title", flat=True)
            .first()
        )
        title = one_line(title or "")[:100].strip()
        if title:
            Song.objects.filter(pk=song_id, title="").update(title=title)


class Migration(migrations.Migration):
    dependencies = [("songs", "0016_song_search")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
