"""The JSON of the organising endpoints (correspondents, notes, tag rules, bulk edits), as
exact as ``api.schemas``: no key more, none less."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from docintel.api.schemas import Strict


class CorrespondentOut(Strict):
    id: int
    name: str
    aliases: list[str] = Field(description="Names merged into it, and its names before.")
    documents: int = Field(description="Its documents outside the trash.")


class Merged(Strict):
    into: CorrespondentOut
    moved: int = Field(description="Documents moved to it.")


class DocumentCorrespondent(Strict):
    id: int
    correspondent: str | None
    correspondent_id: int | None


class NoteOut(Strict):
    id: int
    document_id: int
    author: str
    text: str
    created_at: datetime | None


class TagRuleOut(Strict):
    id: int
    name: str
    tag: str
    doc_type: str | None
    condition: str | None = Field(description="FIELD OP VALUE, as `query --where` reads it.")
    correspondent: str | None = Field(description="Words its correspondent or sender holds.")
    enabled: bool


class BulkDone(Strict):
    done: list[int] = Field(description="The documents edited.")
    refused: dict[str, str] = Field(description="Document id -> why it was not edited.")
