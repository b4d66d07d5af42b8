"""The typed results that pass between the stages, and from the stages to the store.

Each is what one step knows about one thing (a page, a table, an audio window, the
document's extraction); ``as_row()`` gives the columns the store writes, so a row's shape is
decided here once instead of in every step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

AUDIO_RATE = 16_000  # Hz: what every engine and the window planner work in

# An audit event's fields, as ``docintel.store.records.audit`` takes them (step, seq, role,
# content, status, engine, model, tokens, ...): the stages say what happened, the worker
# records it under the document's run.
AuditEntry = dict[str, Any]


@dataclass
class TableData:
    """A table from any source: a PDF page, a page image, a model's answer, a CSV or a sheet."""

    headers: list[str]
    rows: list[list[str]]
    caption: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # where it is on its page (points)
    footnotes: list[str] = field(default_factory=list)
    page: int = 0  # 1-based page; 0 for CSV/XLSX
    index: int = 0  # order on its page or in its book
    sheet: str | None = None
    engine: str | None = None

    def placed(
        self, page: int, index: int, engine: str | None, sheet: str | None = None
    ) -> TableData:
        """This table, told where it was found and by what."""
        self.page, self.index, self.engine, self.sheet = page, index, engine, sheet
        return self

    def as_row(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "index": self.index,
            "sheet": self.sheet,
            "headers": self.headers,
            "rows": self.rows,
            "caption": self.caption,
            "footnotes": self.footnotes,
            "engine": self.engine,
        }


@dataclass
class PageResult:
    """What is known of one page: where its text came from and why, and what it holds."""

    page: int  # 1-based
    status: str  # done, needs_ocr, failed
    text_source: str | None = None  # text_layer, gemma, openai, tesseract
    decision: str | None = None  # why this text source, in words
    markdown: str | None = None
    kind: str | None = None  # text, table, form, chart, photo, blank
    fields: dict[str, str] = field(default_factory=dict)
    chart: dict[str, Any] | None = None
    width: float | None = None
    height: float | None = None
    visual_tokens: int | None = None
    engine: str | None = None
    model: str | None = None
    precision: str | None = None
    error: str | None = None
    timings: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PageRead:
    """The page step's answer for one page: the page, its tables and how it was read."""

    page: PageResult
    tables: list[TableData] = field(default_factory=list)
    audits: list[AuditEntry] = field(default_factory=list)


@dataclass
class Segment:
    """One audio window (or a skipped silence) and, once transcribed, its raw text."""

    window: int  # 0-based, in time order
    start_s: float
    end_s: float
    skipped: bool = False
    text: str | None = None
    translation: str | None = None
    language: str | None = None
    engine: str | None = None
    model: str | None = None
    precision: str | None = None
    timings: dict[str, Any] = field(default_factory=dict)
    # [word, start s, end s, probability], in recording time, where the engine gives them
    words: list[list[Any]] = field(default_factory=list)

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class WindowText:
    """The audio step's answer for one window: the transcribed segment and its audit event."""

    segment: Segment
    audit: AuditEntry


@dataclass
class Extraction:
    """The agent step's result: the extraction row, its entities and its relationships."""

    status: str  # complete, incomplete
    engine: str | None
    reason: str
    summary: str | None = None
    confidence: float | None = None
    model: str | None = None
    precision: str | None = None
    turns: int = 0
    output: dict[str, Any] = field(default_factory=dict)
    entities: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        del row["entities"], row["relationships"]
        return row


def table_markdown(table: TableData) -> str:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    width = max([len(table.headers)] + [len(r) for r in table.rows])
    headers = table.headers + [""] * (width - len(table.headers))
    lines = [row(headers), "| " + " | ".join("---" for _ in range(width)) + " |"]
    lines += [row(r + [""] * (width - len(r))) for r in table.rows]
    if table.caption:
        lines.insert(0, f"*{table.caption}*\n")
    return "\n".join(lines)


@dataclass
class DocumentContent:
    """What the steps after the fan-out read: the document's pages, tables and segments as
    the earlier steps stored them."""

    name: str
    pages: list[PageResult] = field(default_factory=list)
    tables: list[TableData] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    markdown: str = ""
    einvoice: dict[str, Any] | None = None  # what an e-invoice's XML states, where one came

    @property
    def sheets(self) -> list[TableData]:
        """Tables read directly from a CSV or a workbook (page 0), in order."""
        return sorted((t for t in self.tables if t.page == 0), key=lambda t: t.index)

    @property
    def speech(self) -> list[Segment]:
        """The transcribed windows in time order (skipped silences left out)."""
        return sorted((s for s in self.segments if not s.skipped), key=lambda s: s.start_s)


@dataclass
class FieldValue:
    """One field of a document's profile (or one cell of its line items: ``row`` from 1,
    ``column``), with the text it was read from and where, and whether it passed its checks.
    A required field not found is kept with no value, flagged, with the reason."""

    field: str
    value: str | None
    normalized: str | None = None  # ISO date, decimal amount, enum value, the text
    number: float | None = None
    currency: str | None = None  # ISO 4217
    day: str | None = None  # ISO date, for date comparisons
    row: int = 0
    column: str = ""
    page: int | None = None
    seconds: float | None = None
    quote: str | None = None
    confidence: float = 0.0
    engine: str = "rules"
    valid: bool = True
    reason: str | None = None
    note: str | None = field(default=None, compare=False)  # how it was found (the audit's)

    def flag(self, reason: str) -> None:
        self.valid, self.reason = False, reason

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        del row["note"]
        return row


@dataclass
class Classification:
    """The document's type: one profile's name from the allow-list, or ``other``."""

    doc_type: str
    confidence: float
    evidence: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
