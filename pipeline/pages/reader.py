"""Which OCR reads a page on the CPU engine. ``DOCINTEL_OCR_ENGINE=auto`` (the default) takes
Tesseract where its binary is on PATH, as before, and otherwise the bundled RapidOCR, so a
scan is read on a bare ``pip install`` with no system package; the fallback is said once per
process, with how to install Tesseract, and each page records the engine that read it."""

from __future__ import annotations

import logging
import shutil
import threading

from docintel.config import Settings

log = logging.getLogger("docintel.ocr")

INSTALL_TESSERACT = (
    "apt-get install tesseract-ocr (Debian, Ubuntu), dnf install tesseract (Fedora), "
    "brew install tesseract (macOS)"
)
FALLBACK_NOTICE = (
    "Tesseract is not installed (no `tesseract` on PATH): scans are read by the bundled "
    "RapidOCR. For Tesseract's language packs (DOCINTEL_OCR_LANGUAGE) and the layout the "
    f"page reader was tuned on, install it: {INSTALL_TESSERACT}. "
    "DOCINTEL_OCR_ENGINE=rapidocr keeps RapidOCR without this notice."
)

_said: list[str] = []  # the notice, once it was given in this process
_said_lock = threading.Lock()  # pages are read on several threads at once


def tesseract_on_path() -> bool:
    return shutil.which("tesseract") is not None


def ocr_reader(settings: Settings) -> str:
    """``tesseract`` or ``rapidocr``: the engine a page is read with under these settings."""
    if settings.ocr_engine != "auto":
        return settings.ocr_engine
    if tesseract_on_path():
        return "tesseract"
    with _said_lock:
        if not _said:
            _said.append(FALLBACK_NOTICE)
            log.warning(FALLBACK_NOTICE)
    return "rapidocr"


def ocr_choice(settings: Settings) -> dict[str, str]:
    """What ``docintel status`` says of OCR: the engine pages are read with, its version,
    and why it was chosen. Asks nothing of the log (the notice is for reading pages)."""
    from docintel.pipeline.pages.rapid import rapidocr_version
    from docintel.pipeline.pages.tesseract import tesseract_version

    chosen = settings.ocr_engine
    if chosen == "auto":
        chosen = "tesseract" if tesseract_on_path() else "rapidocr"
        why = (
            "auto: Tesseract is on PATH"
            if chosen == "tesseract"
            else f"auto: Tesseract is not installed ({INSTALL_TESSERACT})"
        )
    else:
        why = f"DOCINTEL_OCR_ENGINE={chosen}"
    version = (tesseract_version() if chosen == "tesseract" else rapidocr_version()) or ""
    if chosen == "tesseract" and not version:
        why += f"; its binary is missing: {INSTALL_TESSERACT}"
    return {"engine": chosen, "version": version, "why": why}
