import pytest

from songs.forms import SongForm
from suno import versions
from tests.songs.builders import song_form_data

pytestmark = pytest.mark.django_db  # the forms read the model catalogue


def test_custom_song_is_valid():
    form = SongForm(song_form_data())
    assert form.is_valid(), form.errors
    assert form.recipe()["kind"] == "custom"


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [
        ("chirp-v4", "lyrics", 3000),
        ("chirp-v4", "tags", 200),
        ("chirp-auk", "lyrics", 5000),
        ("chirp-auk", "tags", 1000),
        ("chirp-crow", "negative_tags", 1000),
    ],
)
def test_per_model_limits_are_enforced(model, field, limit):
    at_limit = SongForm(song_form_data(model_version=model, **{field: "a" * limit}))
    assert at_limit.is_valid(), at_limit.errors
    over = SongForm(song_form_data(model_version=model, **{field: "a" * (limit + 1)}))
    assert not over.is_valid()
    assert f"at most {limit:,} characters" in over.errors[field][0]


def test_title_is_capped_at_80():
    form = SongForm(song_form_data(title="t" * (versions.TITLE_MAX + 1)))
    assert not form.is_valid()
    assert "title" in form.errors


def test_description_mode_needs_only_a_description():
    form = SongForm(
        {
            "mode": "description",
            "description": "a sea shanty about debugging",
            "model_version": "chirp-auk",
            "idempotency_key": song_form_data()["idempotency_key"],
        }
    )
    assert form.is_valid(), form.errors
    assert form.recipe() == {
        "kind": "description",
        "description": "a sea shanty about debugging",
        "model_version": "chirp-auk",
        "instrumental": False,
        "control_sliders": {},  # More options left alone: nothing sent
        "vocal_gender": "",
    }


def test_description_is_capped_at_500():
    form = SongForm(song_form_data(mode="description", description="d" * 501))
    assert not form.is_valid()
    assert "description" in form.errors


def test_custom_mode_needs_lyrics_unless_instrumental():
    assert "lyrics" in SongForm(song_form_data(lyrics="")).errors
    instrumental = SongForm(song_form_data(lyrics="", instrumental="on"))
    assert instrumental.is_valid(), instrumental.errors
    assert instrumental.recipe()["lyrics"] == ""


def test_unknown_and_persona_only_models_are_not_offered():
    assert "model_version" in SongForm(song_form_data(model_version="chirp-v9")).errors
    # tau versions exist only for persona generation
    assert "model_version" in SongForm(song_form_data(model_version="chirp-v4-tau")).errors
