#!/usr/bin/env python3
"""Rebuilds this folder ("other" class of docintel's real fidelity set: documents that are
no business document, which the pipeline should type as ``other``) from the mirrored public
repositories: copies each file out of its repository at a pinned commit, and writes
manifest.jsonl with each file's source, licence and an empty reference (the class is scored
on the type alone).

    python collect.py            # MIRRORS=/work/.mirror by default
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # mirror.py, shared by the sets

from mirror import collect  # noqa: E402

REPOS = {
    "py-pdf/sample-files": (
        "6921079eb3e1ed0944db5ec75016910d59da7fdb",
        "CC-BY-SA-4.0",
        "samplefiles",
    ),
    "jsvine/pdfplumber": ("147f2c4c07dc1191fc1d05bb589b4f6af3aaf74a", "MIT", "pdfplumber"),
    "camelot-dev/camelot": ("2b80d0bc692d1b22203c3385e77da8201675aa50", "MIT", "camelot"),
    "mozilla/pdf.js": ("0f26334f9d6f96119f6e5164fb65832fbbde7344", "Apache-2.0", "pdfjs"),
    "docling-project/docling": ("e1cb2b234c48ff29746b0f2f843d07f8e23905a0", "MIT", "docling"),
}

# (repository, path, what it is)
SOURCES = [
    ("py-pdf/sample-files", "021-pdfa/crazyones-pdfa.pdf", "a poem-like text (The Crazy Ones)"),
    (
        "py-pdf/sample-files",
        "011-google-doc-document/google-doc-document.pdf",
        "a short verse text (the Zen of Python)",
    ),
    (
        "py-pdf/sample-files",
        "026-latex-multicolumn/multicolumn.pdf",
        "a two-column article of placeholder text",
    ),
    (
        "py-pdf/sample-files",
        "009-pdflatex-geotopo/GeoTopo-komprimiert.pdf",
        "lecture notes on geometry and topology (German, 117 pages)",
    ),
    (
        "jsvine/pdfplumber",
        "tests/pdfs/nics-background-checks-2015-11.pdf",
        "a statistical report (FBI NICS firearm checks, November 2015)",
    ),
    (
        "camelot-dev/camelot",
        "tests/files/agstat.pdf",
        "a statistical table (district estimates of rice surplus, 2012-13)",
    ),
    ("mozilla/pdf.js", "test/pdfs/tracemonkey.pdf", "a research paper (TraceMonkey, PLDI 2009)"),
    (
        "docling-project/docling",
        "tests/data/pdf/sources/2305.03393v1-pg9.pdf",
        "a page of a research paper (arXiv 2305.03393)",
    ),
    (
        "docling-project/docling",
        "tests/data/pdf/sources/amt_handbook_sample.pdf",
        "a technical manual excerpt (FAA aviation maintenance handbook)",
    ),
    (
        "docling-project/docling",
        "tests/data/pdf/sources/redp5110_sampled.pdf",
        "a technical manual excerpt (IBM Redbook)",
    ),
]


def main() -> None:
    collect(
        HERE,
        ((repo, path, {"what": what}) for repo, path, what in SOURCES),
        REPOS,
        ".pdf",
        lambda data: {},
    )


if __name__ == "__main__":
    main()
