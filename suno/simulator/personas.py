"""Personas (§5.9): created synchronously from complete, generated clips; used by artist_consistency music."""

from __future__ import annotations

import uuid

from .routes import Rejected, Request, SimResponse, body_text, json_body, json_response
from .shapes import Shapes
from .state import PersonaState


class PersonaEndpoints(Shapes):
    """Simulator mixin: POST /suno/persona/create (answered with the persona object at once)."""

    _persona_clip_seq: int

    def persona_create(self, request: Request) -> SimResponse:
        body = json_body(request)
        root_clip_id = body_text(body, "root_clip_id")
        name = body_text(body, "name")
        for key in ("root_clip_id", "name", "description", "clips", "is_public"):
            if key not in body:
                raise Rejected(f"{key} is required")
        if not root_clip_id or not name.strip():
            raise Rejected("root_clip_id and name must not be empty")
        description = body_text(body, "description")
        clip_ids = body["clips"]
        if not isinstance(clip_ids, list) or not all(isinstance(c, str) for c in clip_ids):
            raise Rejected("clips must be a list of clip ids")
        if not isinstance(body["is_public"], bool):
            raise Rejected("is_public must be a boolean")
        with self._lock:
            root = self.complete_clip(root_clip_id, "root_clip_id")
            if root.kind == "upload":
                raise Rejected("an uploaded clip cannot be a persona source")  # §5.5 constraints
            for clip_id in clip_ids:
                self.complete_clip(clip_id, "clips")
            clip_ids = clip_ids or [root_clip_id]
            persona = PersonaState(
                id=str(uuid.uuid4()),
                name=name,
                description=description,
                root_clip_id=root_clip_id,
                clip_ids=list(clip_ids),
                is_public=body["is_public"],
                persona_clip_ids=[self._next_persona_clip_id() for _ in clip_ids],
            )
            self._personas[persona.id] = persona
            return json_response(200, self.persona_json(persona))

    def _next_persona_clip_id(self) -> int:
        self._persona_clip_seq += 1
        return self._persona_clip_seq
