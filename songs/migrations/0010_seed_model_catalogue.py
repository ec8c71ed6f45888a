"""Seed the model catalogue from the versions the studio knew (suno/versions.py on the day it became
data), plus Suno's v6 line, which resellers had not all enabled yet. No row is the default: SUNO_DEFAULT_MODEL
stays in charge until the operator ticks one."""

from django.db import migrations

# mv, label, lyrics, style, excluded, description, longest, generate, extend, persona, stems, enabled, note
ROWS = [
    (
        "chirp-goose",
        "v6 mini",
        5000,
        1000,
        1000,
        3000,
        "8 min",
        True,
        True,
        False,
        False,
        True,
        "newest; not yet confirmed on ElkAPI",
    ),
    (
        "chirp-hawk-wild",
        "v6 wild",
        5000,
        1000,
        1000,
        3000,
        "8 min",
        True,
        True,
        False,
        False,
        True,
        "newest; not yet confirmed on ElkAPI",
    ),
    (
        "chirp-hawk",
        "v6",
        5000,
        1000,
        1000,
        3000,
        "8 min",
        True,
        True,
        False,
        False,
        True,
        "newest; not yet confirmed on ElkAPI",
    ),
    ("chirp-fenix", "v5.5", 5000, 1000, 1000, 3000, "8 min", True, True, False, False, True, ""),
    ("chirp-crow", "v5", 5000, 1000, 1000, 3000, "8 min", True, True, False, False, True, ""),
    ("chirp-bluejay", "v4.5+", 5000, 1000, 1000, 3000, "8 min", True, True, False, False, True, ""),
    ("chirp-auk-turbo", "v4.5-all", 5000, 1000, 1000, 3000, "4 min", True, True, False, False, True, ""),
    ("chirp-auk", "v4.5", 5000, 1000, 1000, 3000, "4 min", True, True, True, True, True, ""),
    ("chirp-v4", "v4", 3000, 200, 1000, 3000, "2.5 min", True, True, False, False, True, ""),
    ("chirp-v4-tau", "v4 persona", 3000, 200, 1000, 3000, "2.5 min", False, False, True, False, True, ""),
    ("chirp-v3-5-tau", "v3.5 persona", 3000, 200, 1000, 3000, "2 min", False, False, True, False, True, ""),
    (
        "chirp-v3-5",
        "v3.5",
        3000,
        200,
        1000,
        3000,
        "2 min",
        True,
        True,
        False,
        False,
        False,
        "offline upstream",
    ),
    (
        "chirp-v3-0",
        "v3.0",
        3000,
        200,
        1000,
        3000,
        "2 min",
        True,
        True,
        False,
        False,
        False,
        "offline upstream",
    ),
]


def seed(apps, schema_editor):
    ModelVersion = apps.get_model("songs", "ModelVersion")
    for order, row in enumerate(ROWS):
        mv, label, lyrics, tags, negative, description, longest, gen, ext, persona, stems, enabled, note = row
        ModelVersion.objects.update_or_create(
            mv=mv,
            defaults={
                "label": label,
                "note": note,
                "lyrics_max": lyrics,
                "tags_max": tags,
                "negative_tags_max": negative,
                "description_max": description,
                "max_length": longest,
                "can_generate": gen,
                "can_extend": ext,
                "can_persona": persona,
                "can_stems": stems,
                "is_enabled": enabled,
                "sort_order": order * 10,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("songs", "ModelVersion").objects.filter(mv__in=[row[0] for row in ROWS]).delete()


class Migration(migrations.Migration):
    dependencies = [("songs", "0009_model_catalogue")]

    operations = [migrations.RunPython(seed, unseed)]
