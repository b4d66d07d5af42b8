"""What the web page shows beside a result: a page as PNG (rendered once, then served from
a cache folder beside the archive) and a stretch of a recording as WAV."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from docintel.config import Settings
from docintel.pipeline.audio.signal import decode
from docintel.pipeline.errors import DocumentError
from docintel.pipeline.pages.images import page_images
from docintel.pipeline.types import AUDIO_RATE
from docintel.store.schema import Document

if TYPE_CHECKING:
    from PIL import Image

VIEW_DPI = 110  # sharp on a screen beside the text; a page is ~150 KB


def page_png(settings: Settings, doc: Document, number: int) -> Path:
    """The cached PNG of page ``number``; raises ValueError where there is no image."""
    cache = settings.home / "cache" / "pages"
    target = cache / f"{doc.sha256}-{number}.png"
    if target.exists():
        return target
    if not doc.archive_path or doc.kind not in ("pdf", "image", "text"):
        raise ValueError(f"document {doc.id} has no page images ({doc.kind or 'unknown'})")
    if doc.kind == "text":
        _check_office_image(doc, number)
    try:
        image = page_images(Path(doc.archive_path), doc.kind, [number], VIEW_DPI, settings)[number]
    except (DocumentError, IndexError, EOFError, OSError) as exc:
        raise ValueError(f"page {number} of document {doc.id} could not be drawn: {exc}") from exc
    cache.mkdir(parents=True, exist_ok=True)
    return saved_png(image, target, optimize=False)


def has_page_image(doc: Document, number: int) -> bool:
    """Whether page ``number`` of ``doc`` has an image to show beside its text."""
    if not doc.archive_path or doc.kind not in ("pdf", "image", "text"):
        return False
    if doc.kind != "text":
        return True
    try:
        _check_office_image(doc, number)
    except ValueError:
        return False
    return True


def _check_office_image(doc: Document, number: int) -> None:
    """Of a text document, only the pictures inside a DOCX or PPTX are images; a section of
    text (or an HTML, Markdown or e-mail document) has none to draw."""
    from docintel.pipeline.route.office import DOCX, PPTX, office_images

    if doc.media_type not in (DOCX, PPTX):
        raise ValueError(
            f"page {number} of document {doc.id} is text ({doc.media_type}); it has no image. "
            "Its text is on the document's page."
        )
    try:
        first, blobs = office_images(Path(doc.archive_path or ""))
    except (DocumentError, OSError, KeyError, ValueError) as exc:
        raise ValueError(f"the pictures of document {doc.id} could not be read: {exc}") from exc
    if not first <= number < first + len(blobs):
        raise ValueError(
            f"page {number} of document {doc.id} is a section of text, not a picture; it has "
            "no image. Its text is on the document's page."
        )


def audio_slice(path: Path, start: float, end: float) -> bytes:
    import soundfile

    samples = decode(path, offset=start, duration=end - start)
    out = io.BytesIO()
    soundfile.write(out, samples, AUDIO_RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()


THUMB_PX = 96  # the longer side of an inbox thumbnail, drawn at twice the size it is shown
THUMB_DPI = 40  # a first page drawn this coarse is enough to shrink to THUMB_PX


def thumbnail_png(settings: Settings, doc: Document) -> Path:
    """The cached small PNG of the document's first page (a PDF's, an image's first frame),
    made once; raises ValueError for a document with no page to draw."""
    from PIL import Image

    cache = settings.home / "cache" / "thumbs"
    target = cache / f"{doc.sha256}.png"
    if target.exists():
        return target
    if not doc.archive_path or doc.kind not in ("pdf", "image"):
        raise ValueError(f"document {doc.id} has no page to draw ({doc.kind or 'unknown'})")
    try:
        image = page_images(Path(doc.archive_path), doc.kind, [1], THUMB_DPI, settings)[1]
    except (DocumentError, IndexError, EOFError, OSError) as exc:
        raise ValueError(f"the first page of document {doc.id} could not be drawn: {exc}") from exc
    image = image.convert("RGB")
    image.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
    cache.mkdir(parents=True, exist_ok=True)
    return saved_png(image, target, optimize=True)


def saved_png(image: Image.Image, target: Path, *, optimize: bool) -> Path:
    """``image`` written to ``target`` whole or not at all: two requests drawing the same
    page at once never serve half a file. The temporary name is unique to the call, not to
    the process: the API serves requests on threads, and two threads of one process sharing
    a name made one's rename fail (FileNotFoundError, a 500)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            image.save(out, format="PNG", optimize=optimize)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
