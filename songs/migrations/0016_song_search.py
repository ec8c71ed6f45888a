"""The Library's full-text search: a GIN index on PostgreSQL only (SQLite searches with LIKE instead);
and the persona filter's index.

The expression is copied here, not imported: a migration keeps what it did even if the model changes.
It must stay the same text as songs.models.SONG_SEARCH_VECTOR, or the search stops using the index
(tests/songs/test_library.py checks the plan on PostgreSQL).
"""

from django.db import migrations, models

SEARCH_VECTOR = (
    "to_tsvector('simple', title || ' ' || tags || ' ' || persona_name || ' ' || description"
    " || ' ' || lyrics)"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS song_search ON songs_song USING gin (({SEARCH_VECTOR}))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS song_search")


class Migration(migrations.Migration):
    dependencies = [("songs", "0015_library_and_player")]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
        migrations.AddIndex(
            model_name="song",
            index=models.Index(
                condition=models.Q(("persona_name", ""), _negated=True),
                fields=["owner", "persona_name"],
                name="song_owner_persona",
            ),
        ),
    ]
