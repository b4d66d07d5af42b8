#!/usr/bin/env python3
"""Rebuilds this folder (filled PDF forms of docintel's real fidelity set) from the
mirrored public repositories: copies each PDF out of its repository at a pinned commit, and
writes manifest.jsonl with each file's source, licence and reference.

The reference is the form as PyMuPDF reads its widgets (``page.widgets()`` on every page):
``pages``, each with ``page`` (1-based) and ``widgets``: ``field_name``, ``field_type``
(``field_type_string``: Text, CheckBox, RadioButton, ComboBox, ListBox, ...) and
``field_value`` (as PyMuPDF gives it; a list box's several values joined with ", ").
Unfilled widgets are kept (the scorer skips empty, "Off" and "False" values). A check box
or radio button also has ``field_state``: its field's ``/V`` (found up the ``/Parent``
chain, read here with ``xref_get_key``), the value the PDF specification gives the field,
which a widget's own appearance state can contradict (qpdf's fields-two-pages.pdf draws each
option of a radio group as chosen; the group's ``/V`` names one).

    python collect.py            # MIRRORS=/work/.mirror by default
"""

from __future__ import annotations

import sys
from pathlib import Path

import pymupdf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # mirror.py, shared by the sets

from mirror import collect  # noqa: E402

REPOS = {
    "qpdf/qpdf": ("dfd251125cadb59fe04836f9197c3ef94f99cf55", "Apache-2.0", "qpdf"),
    "Hopding/pdf-lib": ("93dd36e85aa659a3bca09867d2d8fac172501fbe", "MIT", "pdflib"),
    "mozilla/pdf.js": ("0f26334f9d6f96119f6e5164fb65832fbbde7344", "Apache-2.0", "pdfjs"),
    "pymupdf/PyMuPDF": ("53c9aaf539b4fbb6a53010d90de3a2df96e82b5e", "AGPL-3.0", "pymupdf"),
    "py-pdf/pypdf": ("f6853ccd3ff492309c84060186aabc88ed472ffd", "BSD-3-Clause", "pypdf"),
}

SOURCES = [
    ("qpdf/qpdf", "qpdf/qtest/qpdf/form-filled-by-acrobat.pdf"),  # check box, radio, text
    ("qpdf/qpdf", "qpdf/qtest/qpdf/test80a1.pdf"),  # every field type
    ("qpdf/qpdf", "qpdf/qtest/qpdf/fields-two-pages.pdf"),
    ("Hopding/pdf-lib", "assets/pdfs/sample_form.pdf"),
    ("Hopding/pdf-lib", "assets/pdfs/fancy_fields.pdf"),
    ("mozilla/pdf.js", "test/pdfs/issue17492.pdf"),
    ("mozilla/pdf.js", "test/pdfs/prefilled_f1040.pdf"),  # an IRS form, two values filled
    ("pymupdf/PyMuPDF", "tests/resources/widgettest.pdf"),
    ("pymupdf/PyMuPDF", "tests/resources/interfield-calculation.pdf"),  # three pages
    ("py-pdf/pypdf", "resources/libreoffice-form.pdf"),
]


def value_of(value: object) -> object:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def state_of(document: pymupdf.Document, xref: int) -> str | None:
    """The /V of the field a button widget belongs to, without its slash; None if none."""
    seen = set()
    while xref and xref not in seen:
        seen.add(xref)
        kind, value = document.xref_get_key(xref, "V")
        if kind == "name":
            return value[1:]
        kind, parent = document.xref_get_key(xref, "Parent")
        xref = int(parent.split()[0]) if kind == "xref" else 0
    return None


def widget_of(document: pymupdf.Document, w: pymupdf.Widget) -> dict:
    out = {
        "field_name": w.field_name,
        "field_type": w.field_type_string,
        "field_value": value_of(w.field_value),
    }
    if w.field_type_string in ("CheckBox", "RadioButton"):
        out["field_state"] = state_of(document, w.xref)
    return out


def reference(data: bytes) -> dict:
    pages = []
    with pymupdf.open(stream=data, filetype="pdf") as document:
        for page in document:
            widgets = [widget_of(document, w) for w in page.widgets()]
            pages.append({"page": page.number + 1, "widgets": widgets})
    return {"pages": pages}


def main() -> None:
    pymupdf.TOOLS.mupdf_display_errors(False)
    collect(HERE, ((repo, path, {}) for repo, path in SOURCES), REPOS, ".pdf", reference)


if __name__ == "__main__":
    main()
