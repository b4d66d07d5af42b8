"""The route step: sniff the type from the bytes and read what needs no model.

PDF: per-page text layer and tables; a page whose text layer is missing or garbage is
recorded as ``needs_ocr``. CSV/XLSX: tables. Images and audio: recorded for the page and
audio steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from docintel.config import Settings
from docintel.pipeline.errors import DocumentError
from docintel.pipeline.route.sniff import EINVOICE_XML, sniff_file
from docintel.pipeline.route.tabular import read_csv, read_xlsx
from docintel.pipeline.types import PageResult, Segment, TableData

if TYPE_CHECKING:
    # A PDF's and a mail's readers are imported by the route that reads one: a CSV's
    # command does not compile their patterns (tests/test_startup.py).
    from docintel.pipeline.route.mail import Member
    from docintel.pipeline.route.pdf import PageText


@dataclass
class Routed:
    kind: str
    media_type: str
    pages: list[PageResult] = field(default_factory=list)
    tables: list[TableData] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    page_count: int | None = None
    model_pages: list[list[int]] = field(default_factory=list)  # page batches, page queue
    audio_windows: list[list[int]] = field(default_factory=list)  # window batches, audio queue
    segments: list[Segment] = field(default_factory=list)
    duration_s: float | None = None
    decision: str = ""
    reader: str | None = None  # what read a text or Office file
    members: list[Member] = field(default_factory=list)  # an e-mail's attachments
    einvoice: dict | None = None  # what an e-invoice's XML states (``EInvoice.as_dict``)

    @property
    def engine(self) -> str | None:
        """What read the file in this step, for the audit trail."""
        return "pymupdf" if self.kind == "pdf" else self.reader


def batches(items: list[int], size: int) -> list[list[int]]:
    size = max(1, size)
    return [items[i : i + size] for i in range(0, len(items), size)]


def plan_model_pages(routed: Routed, settings: Settings) -> None:
    """Pages without a usable text layer go to the page queue in batches of
    DOCINTEL_BATCH_SIZE, for the model engine or the CPU engine (Tesseract)."""
    needs = [p.page for p in routed.pages if p.status == "needs_ocr"]
    routed.model_pages = batches(needs, settings.batch_size)


def route_file(path: Path, settings: Settings) -> Routed:
    """What ``path`` holds and how it is read on."""
    if not path.name or not path.is_file():
        raise DocumentError(
            "the archived original is missing (the file was never archived, or the archive "
            "was moved); drop the file in the inbox again."
        )
    size = path.stat().st_size
    if size > settings.max_file_mb * 1024 * 1024:
        raise DocumentError(
            f"{path.name} is {size / 2**20:.0f} MiB, above DOCINTEL_MAX_FILE_MB="
            f"{settings.max_file_mb}; split it or raise the limit."
        )
    sniffed = sniff_file(path)
    if sniffed.kind == "pdf":
        return _route_pdf(path, settings, sniffed.media_type)
    if sniffed.kind == "table":
        reader = read_csv if sniffed.media_type == "text/csv" else read_xlsx
        engine = "csv" if reader is read_csv else "openpyxl"
        tables = [t.placed(0, i, engine, sheet) for i, (sheet, t) in enumerate(reader(path))]
        return Routed(
            "table",
            sniffed.media_type,
            tables=tables,
            decision=f"{len(tables)} table(s) read directly",
        )
    if sniffed.kind == "image":
        from docintel.pipeline.pages.images import image_info

        width, height, frames = image_info(path, settings)
        pages = [
            PageResult(
                n,
                "needs_ocr",
                width=float(width),
                height=float(height),
                decision="a page image has no text layer",
            )
            for n in range(1, frames + 1)
        ]
        routed = Routed(
            "image",
            sniffed.media_type,
            pages=pages,
            page_count=frames,
            decision=f"page image, {frames} frame(s) of {width}x{height}: needs OCR",
        )
        plan_model_pages(routed, settings)
        return routed
    if sniffed.kind == "audio":
        return _route_audio(path, settings, sniffed.media_type)
    if sniffed.kind == "mail":
        from docintel.pipeline.route.mail import read_mail, read_msg

        outlook = sniffed.media_type == "application/vnd.ms-outlook"
        mail = read_msg(path) if outlook else read_mail(path)
        return Routed(
            "mail",
            sniffed.media_type,
            pages=mail.pages,
            tables=mail.tables,
            page_count=1,
            members=mail.members,
            warnings=mail.warnings,
            decision=f"an e-mail with {len(mail.members)} attachment(s), each a document",
            reader="msg-parser" if outlook else "email",
        )
    if sniffed.kind == "archive":
        return Routed(
            "archive",
            sniffed.media_type,
            page_count=0,
            decision="an archive: each member becomes a document of its own",
            reader="zipfile" if sniffed.media_type == "application/zip" else "tarfile",
        )
    if sniffed.media_type == EINVOICE_XML and (found := _route_einvoice(path, EINVOICE_XML)):
        return found
    if sniffed.kind == "text":
        from docintel.pipeline.route.office import read_office

        pages, tables, reader = read_office(path, sniffed.media_type)
        images = sum(1 for p in pages if p.status == "needs_ocr")
        routed = Routed(
            "text",
            sniffed.media_type,
            pages=pages,
            tables=tables,
            page_count=len(pages),
            decision=f"{len(pages) - images} section(s), {len(tables)} table(s) read by "
            f"{reader}; {images} image(s) for the page step",
            reader=reader,
        )
        plan_model_pages(routed, settings)
        return routed
    raise DocumentError(f"{path.name}: unsupported type {sniffed.media_type}")


def _route_audio(path: Path, settings: Settings, media_type: str) -> Routed:
    from docintel.pipeline.audio.signal import listen, plan_heard

    heard = listen(path, settings.audio_min_silence_s, settings.asr_vad)
    duration = heard.duration_s
    if duration < 0.1:
        raise DocumentError(
            f"{path.name} holds no audio ({duration:.2f} s after decoding); "
            "record or export it again."
        )
    windows, skipped = plan_heard(heard, settings.audio_window_s, settings.audio_overlap_s)
    spans = [(w.start_s, w.end_s, False) for w in windows] + [(a, b, True) for a, b in skipped]
    spans.sort()
    segments = [Segment(i, a, b, skipped=skip) for i, (a, b, skip) in enumerate(spans)]
    speech = [s.window for s in segments if not s.skipped]
    routed = Routed(
        "audio",
        media_type,
        segments=segments,
        duration_s=duration,
        audio_windows=batches(speech, settings.batch_size),
    )
    silent = sum(b - a for a, b in skipped)
    routed.decision = (
        f"{duration:.1f} s of audio ({heard.vad} VAD): {len(speech)} window(s) of speech, "
        f"{len(skipped)} silent span(s) ({silent:.1f} s) skipped"
    )
    if not speech:
        routed.warnings.append(
            "no speech was found in the recording (it is silent or only "
            "noise); nothing was transcribed."
        )
    return routed


def _route_pdf(path: Path, settings: Settings, media_type: str) -> Routed:
    started = time.perf_counter()
    from docintel.pipeline.route.pdf import read_pdf

    pdf = read_pdf(path, settings.pdf_split_pages)
    routed = Routed("pdf", media_type, warnings=list(pdf.warnings), page_count=len(pdf.pages))
    for page in pdf.pages:
        status, source, reason = (
            ("failed", None, "lost: this part of the damaged file could not be recovered")
            if page.page in pdf.lost_pages
            else _text_layer_decision(page, settings)
        )
        routed.pages.append(
            PageResult(
                page.page,
                status,
                text_source=source,
                decision=reason,
                markdown=page.markdown if source else None,
                width=page.width,
                height=page.height,
                engine="pymupdf" if source else None,
                error=page.error,
                # a form's widgets are read on every page, whatever reads its text: a sparse
                # form page goes to OCR and keeps its filled values
                fields=page.fields,
                kind="form" if page.fields else None,
            )
        )
        if source:
            routed.tables += [t.placed(page.page, i, "pymupdf") for i, t in enumerate(page.tables)]
    needs = [p.page for p in routed.pages if p.status == "needs_ocr"]
    plan_model_pages(routed, settings)
    elapsed = (time.perf_counter() - started) * 1000
    routed.decision = (
        f"{len(pdf.pages)} page(s): {len(pdf.pages) - len(needs)} from the text layer, "
        f"{len(needs)} need OCR; read in {elapsed:.0f} ms"
    )
    if pdf.einvoice is not None:
        routed.einvoice = pdf.einvoice.as_dict()
        routed.decision += (
            f"; carries a {pdf.einvoice.syntax} e-invoice ({pdf.einvoice.source}"
            f"{', ' + pdf.einvoice.level if pdf.einvoice.level else ''}), read for its fields"
        )
    return routed


def _route_einvoice(path: Path, media_type: str) -> Routed | None:
    """An e-invoice that arrives as XML alone: its text is the invoice as a person reads
    it, its line items a table, and its fields what the XML states."""
    from docintel.pipeline.route.einvoice import read_einvoice

    invoice = read_einvoice(path.read_bytes(), "the file")
    if invoice is None:
        return None
    items = TableData(
        ["Description", "Quantity", "Unit price", "Amount"],
        [[ln.description or "", ln.quantity or "", ln.unit_price or "", ln.amount or ""]
         for ln in invoice.lines],
    )  # fmt: skip
    page = PageResult(
        1,
        "done",
        text_source="e-invoice",
        decision=f"a {invoice.syntax} e-invoice, read from its XML",
        markdown=invoice.markdown(),
        kind="text",
        engine="e-invoice",
    )
    return Routed(
        "text",
        media_type,
        pages=[page],
        tables=[items.placed(1, 0, "e-invoice")] if invoice.lines else [],
        page_count=1,
        decision=f"a {invoice.syntax} e-invoice"
        + (f" ({invoice.level})" if invoice.level else "")
        + f" with {len(invoice.lines)} line(s), read from its XML",
        reader="e-invoice",
        einvoice=invoice.as_dict(),
    )


def _text_layer_decision(page: PageText, settings: Settings) -> tuple[str, str | None, str]:
    if page.error:
        return "failed", None, f"the page could not be read: {page.error}"
    if page.chars < settings.min_text_chars:
        why = "no text layer" if page.chars == 0 else f"only {page.chars} characters of text"
        return "needs_ocr", None, why
    if page.bad_glyph_ratio > settings.max_bad_glyph_ratio:
        return (
            "needs_ocr",
            None,
            f"{page.bad_glyph_ratio:.0%} of the text layer is unmapped glyphs",
        )
    from docintel.pipeline.route.pdf import GARBAGE_WORDLIKE, IMAGE_PAGE_CHARS

    if (page.invisible_ratio or 0.0) > 0.8 and page.wordlike_ratio < GARBAGE_WORDLIKE:
        return (
            "needs_ocr",
            None,
            f"a scan with an invisible OCR layer that reads as garbage "
            f"({page.wordlike_ratio:.0%} word-like)",
        )
    if page.chars < IMAGE_PAGE_CHARS and (page.image_coverage or 0.0) > 0.6:
        return (
            "needs_ocr",
            None,
            f"mostly image ({page.image_coverage:.0%} covered) with only {page.chars} "
            "characters of text",
        )
    return "done", "text_layer", f"text layer with {page.chars} characters"
