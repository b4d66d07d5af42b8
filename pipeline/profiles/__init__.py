"""Document types and their fields: the user's profiles (``spec``), typed values
(``values``), the CPU engine's classification and extraction (``rules``) and the
document-level checks (``checks``)."""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

from docintel.config import Settings
from docintel.pipeline.profiles.checks import apply_checks
from docintel.pipeline.profiles.rules import classify, extract_fields
from docintel.pipeline.profiles.spec import OTHER, Profile, ProfileError, load_profiles
from docintel.pipeline.types import AuditEntry, Classification, DocumentContent, FieldValue

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
    content: DocumentContent, profiles: dict[str, Profile], kind: str
) -> tuple[Classification, Profile | None, list[FieldValue], list[AuditEntry]]:
    """The document's type, its profile, the profile's fields (checked) and the audit
    events saying how; no profile and no fields for a document of type ``other``."""
    started = time.perf_counter()
    found = classify(content, profiles, kind)
    profile = profiles.get(found.doc_type)
    fields = extract_fields(profile, content) if profile else []
    if profile:
        apply_checks(profile, fields)
    flagged = [f for f in fields if not f.valid]
    events: list[AuditEntry] = [
        {
            "step": "agent:classify",
            "engine": "rules",
            "content": f"type {found.doc_type} (confidence {found.confidence:.2f}); evidence: "
            + ("; ".join(found.evidence) or "none")
            + (f"; profile {profile.name} {profile.content_hash}" if profile else ""),
            "tool_args": {"scores": found.scores},
            "prompt_hash": profile.content_hash if profile else None,
        },
    ]
    if profile:
        events.append(
            {
                "step": "agent:fields",
                "engine": "rules",
                "status": "warning" if flagged else "ok",
                "content": f"{len(fields)} value(s) for profile {profile.name}; "
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
