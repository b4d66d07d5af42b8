"""What the web page shows beside a result: a page as PNG (rendered once, then served from
a cache folder beside the archive) and a stretch of a recording as WAV."""

from __future__ import annotations

import io
import os
from pathlib import Path

from docintel.config import Settings
from docintel.pipeline.audio.signal import decode
from docintel.pipeline.errors import DocumentError
from docintel.pipeline.pages.images import page_images
from docintel.pipeline.types import AUDIO_RATE
from docintel.store.schema import Document

VIEW_DPI = 110  # sharp on a screen beside the text; a page is ~150 KB


def page_png(settings: Settings, doc: Document, number: int) -> Path:
    """The cached PNG of page ``number``; raises ValueError where there is no image."""
    cache = settings.home / "cache" / "pages"
    target = cache / f"{doc.sha256}-{number}.png"
    if target.exists():
        return target
    if not doc.archive_path or doc.kind not in ("pdf", "image", "text"):
        raise ValueError(f"document {doc.id} has no page images ({doc.kind or 'unknown'})")
    try:
        image = page_images(Path(doc.archive_path), doc.kind, [number], VIEW_DPI, settings)[number]
    except (DocumentError, IndexError, EOFError, OSError) as exc:
        raise ValueError(f"page {number} of document {doc.id} could not be drawn: {exc}") from exc
    cache.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    image.save(tmp, format="PNG", optimize=False)
    os.replace(tmp, target)  # two requests at once never serve half a file
    return target


def audio_slice(path: Path, start: float, end: float) -> bytes:
    import soundfile

    samples = decode(path, offset=start, duration=end - start)
    out = io.BytesIO()
    soundfile.write(out, samples, AUDIO_RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()
