"""Document types and their fields: the user's profiles (``spec``), typed values
(``values``), the CPU engine's classification and extraction (``rules``) and the
document-level checks (``checks``)."""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from docintel.config import Settings
from docintel.models.runtime import Engine, uses_model
from docintel.pipeline.profiles.checks import apply_checks, flag_missing
from docintel.pipeline.profiles.classify import classify
from docintel.pipeline.profiles.reader import Hint
from docintel.pipeline.profiles.rules import extract_fields
from docintel.pipeline.profiles.similarity import Embed
from docintel.pipeline.profiles.spec import OTHER, Profile, ProfileError, load_profiles
from docintel.pipeline.profiles.structured import (
    ENGINE,
    einvoice_fields,
    einvoice_type,
    merge_with_page,
)
from docintel.pipeline.types import AuditEntry, Classification, DocumentContent, FieldValue

if TYPE_CHECKING:
    from docintel.pipeline.agent.loop import Retrieve

__all__ = [
    "OTHER",
    "Profile",
    "ProfileError",
    "load_profiles",
    "profiles_for",
    "read_profile_fields",
]


def profiles_for(settings: Settings) -> tuple[dict[str, Profile], str | None]:
    """The profiles in force, and a warning where the user's folder holds a broken file
    (then the bundled ones are used, and every document says so, until it is fixed)."""
    folder = settings.profiles_dir
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    # re-read when a file is added, removed or changed
    return _profiles(folder, tuple((str(f), f.stat().st_mtime_ns) for f in files))


@lru_cache(maxsize=4)
def _profiles(folder: Path, _stamp: tuple) -> tuple[dict[str, Profile], str | None]:
    try:
        return load_profiles(folder), None
    except ProfileError as exc:
        return load_profiles(None), f"{exc} The bundled profiles were used; fix the file."


def read_profile_fields(
    content: DocumentContent,
    profiles: dict[str, Profile],
    kind: str,
    engine: Engine | None = None,
    retrieve: Retrieve | None = None,
    settings: Settings | None = None,
    embed: Embed | None = None,
    hints: tuple[Hint, ...] = (),
    preset: Classification | None = None,
) -> tuple[Classification, Profile | None, list[FieldValue], list[AuditEntry]]:
    """The document's type, its profile, the profile's fields (checked) and the audit
    events saying how; no profile and no fields for a document of type ``other``. On a
    model engine the model classifies and extracts; where it gives up, the rules do.
    ``preset`` is a type a person set (a mail rule's ``doc_type``): where it names a
    profile in force, it is the type, and only the fields are read."""
    started = time.perf_counter()
    events: list[AuditEntry] = []
    on_model = engine is not None and uses_model(engine) and settings is not None
    found: Classification | None = None
    stated, stated_how = None, "e-invoice"
    if preset is not None and preset.doc_type in profiles:
        stated, stated_how = preset, "set"
    elif content.einvoice:
        stated = einvoice_type(content.einvoice, profiles)
    if stated is not None:
        found = stated
    elif on_model:
        from docintel.pipeline.profiles.model import classify_with_model  # as fields below

        found, turns = classify_with_model(engine, content, profiles, _none(retrieve), settings)
        events += turns
    how = stated_how if stated else (last_engine(events) or "model") if found else "rules"
    if found is None:
        found = classify(content, profiles, kind, embed)
        if found.evidence and found.evidence[0].startswith("similar to"):
            how = "rules+similarity"
    profile = profiles.get(found.doc_type)
    fields: list[FieldValue] | None = None
    if profile and on_model:
        # the model's tool loop builds its pydantic schemas as it is imported: only a model
        # engine's documents need it, not the rules' (a CPU command's)
        from docintel.pipeline.profiles.model import fields_with_model

        fields, turns = fields_with_model(engine, content, profile, _none(retrieve), settings)
        events += turns
    fields_how = (last_engine(events) or "model") if fields is not None else "rules"
    if profile and fields is None:
        fields = extract_fields(profile, content, hints)
    fields = fields or []
    if profile and content.einvoice:
        # the XML states each value; the page's reading is kept beside it to compare
        fields = merge_with_page(einvoice_fields(content.einvoice, profile), fields)
        fields_how = f"{ENGINE} + {fields_how}"
    if profile:
        flag_missing(profile, fields)
        apply_checks(profile, fields)
    flagged = [f for f in fields if not f.valid]
    events.append(
        {
            "step": "agent:classify",
            "engine": how,
            "content": f"type {found.doc_type} (confidence {found.confidence:.2f}) by {how}; "
            "evidence: "
            + ("; ".join(found.evidence) or "none")
            + (f"; profile {profile.name} {profile.content_hash}" if profile else ""),
            "tool_args": {"scores": found.scores},
            "prompt_hash": profile.content_hash if profile else None,
        }
    )
    if profile:
        events.append(
            {
                "step": "agent:fields",
                "engine": fields_how,
                "status": "warning" if flagged else "ok",
                "content": f"{len(fields)} value(s) for profile {profile.name} by {fields_how}; "
                + _learned(fields)
                + (
                    "; ".join(f"{f.field}: {f.reason}" for f in flagged)
                    if flagged
                    else "every check passed"
                ),
                "duration_ms": (time.perf_counter() - started) * 1000,
                "prompt_hash": profile.content_hash,
            }
        )
    return found, profile, fields, events


def _learned(fields: list[FieldValue]) -> str:
    """What was read where a person's correction of this correspondent taught it."""
    taught = [f"{f.field} {f.note}" for f in fields if f.engine == "rules+correction"]
    return ("; ".join(taught) + "; ") if taught else ""


def last_engine(events: list[AuditEntry]) -> str | None:
    return next((e.get("engine") for e in reversed(events) if e.get("engine")), None)


def _none(retrieve: Retrieve | None) -> Retrieve:
    return retrieve or (lambda _query, _top_k: [])
