"""The model versions ("Set suno version" is a doc page, not an endpoint: docs/upstream.md §2).

The `mv` field picks the version per request. Limits are in characters.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE_MAX = 80  # clients cap at 80; the upstream (and our simulator) rejects > 100
TITLE_HARD_MAX = 100
DESCRIPTION_MAX = 500  # inspiration mode: one reseller documents 500
LYRICS_IDEA_MAX = 3000
UNCONFIRMED_NOTE = "newest; not yet confirmed on ElkAPI"


@dataclass(frozen=True)
class ModelVersion:
    mv: str
    label: str
    prompt_max: int
    tags_max: int
    negative_tags_max: int
    description_max: int
    max_length: str
    persona: bool  # allowed with task=artist_consistency
    generate: bool = True  # offered for plain generation (tau variants are persona/cover only)
    extend: bool = True
    aliases: tuple[str, ...] = ()
    deprecated: bool = False
    # False: the newest versions, seen at native Suno and at other resellers but not yet confirmed on
    # ElkAPI (docs/upstream.md §2, §9.6). The simulator accepts them; the studio decides whether to offer them.
    confirmed: bool = True

    @property
    def note(self) -> str:
        return "" if self.confirmed else UNCONFIRMED_NOTE


# fmt: off
MODEL_VERSIONS: tuple[ModelVersion, ...] = (  # one row per version, like the table in docs/upstream.md §2
    ModelVersion("chirp-v3-0", "v3.0", 3000, 200, 1000, 3000, "2 min", False, aliases=("chirp-v3.0",), deprecated=True),
    ModelVersion("chirp-v3-5", "v3.5", 3000, 200, 1000, 3000, "2 min", False, aliases=("chirp-v3.5",), deprecated=True),
    ModelVersion("chirp-v3-5-tau", "v3.5 persona", 3000, 200, 1000, 3000, "2 min", True, generate=False, extend=False),
    ModelVersion("chirp-v4", "v4", 3000, 200, 1000, 3000, "2.5 min", False),
    ModelVersion("chirp-v4-tau", "v4 persona", 3000, 200, 1000, 3000, "2.5 min", True, generate=False, extend=False),
    ModelVersion("chirp-auk", "v4.5", 5000, 1000, 1000, 3000, "4 min", True),
    ModelVersion("chirp-auk-turbo", "v4.5-all", 5000, 1000, 1000, 3000, "4 min", False),
    ModelVersion("chirp-bluejay", "v4.5+", 5000, 1000, 1000, 3000, "8 min", False),
    ModelVersion("chirp-crow", "v5", 5000, 1000, 1000, 3000, "8 min", False),
    ModelVersion("chirp-fenix", "v5.5", 5000, 1000, 1000, 3000, "8 min", False),
    # Suno's v6 line (September 2026): v5's limits; INFERRED for ElkAPI (§2), so not confirmed.
    ModelVersion("chirp-hawk", "v6", 5000, 1000, 1000, 3000, "8 min", False, confirmed=False),
    ModelVersion("chirp-hawk-wild", "v6 wild", 5000, 1000, 1000, 3000, "8 min", False, confirmed=False),
    ModelVersion("chirp-goose", "v6 mini", 5000, 1000, 1000, 3000, "8 min", False, confirmed=False),
)
# fmt: on

BY_MV: dict[str, ModelVersion] = {}
for _version in MODEL_VERSIONS:
    BY_MV[_version.mv] = _version
    for _alias in _version.aliases:
        BY_MV[_alias] = _version

# The seed page names exactly these for task=artist_consistency (VERIFIED).
PERSONA_MODELS = tuple(v.mv for v in MODEL_VERSIONS if v.persona)
STEM_MODEL = "chirp-auk"  # stems: "仅限chirp_auk" (docs/upstream.md §5.7)
# Cover (task=cover) and replace section (task=infill) take only these (DeerAPI's pages, docs/upstream.md §5.4).
COVER_MODELS = ("chirp-v3-5-tau", "chirp-v4-tau", "chirp-auk", "chirp-bluejay")
REPLACE_MODELS = COVER_MODELS
# The advanced controls (metadata.control_sliders, each 0..1) and the vocal gender (metadata.vocal_gender).
CONTROL_SLIDERS = ("weirdness_constraint", "style_weight", "audio_weight")
VOCAL_GENDERS = ("f", "m")


def get_version(mv: str) -> ModelVersion | None:
    return BY_MV.get(mv)


def generation_versions() -> list[ModelVersion]:
    """Versions offered for plain generation, newest first, without the offline v3 ones."""
    return [v for v in reversed(MODEL_VERSIONS) if v.generate and not v.deprecated]
