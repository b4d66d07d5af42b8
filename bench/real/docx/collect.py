#!/usr/bin/env python3
"""Rebuilds this folder (DOCX class of docintel's real fidelity set) from the mirrored
public repositories: copies each document out of its repository at a pinned commit, and
writes manifest.jsonl with each file's source, licence and reference.

The reference is the document as python-docx reads it:
  - ``sections``: per section, ``header`` and ``footer`` with ``paragraphs``: the text of
    each paragraph of the header part (and of each cell of a table in it), for the default
    header and, where the document turns them on, the first-page and even-page ones. A part
    linked to the previous section's is not repeated, nor a part whose text is that of one
    already listed (Word copies a header into each new section).
  - ``body_paragraphs``: ``document.paragraphs`` (the non-empty ones).
  - ``tables``: every table of the body, nested ones too (each after its parent, with its
    ``depth``): ``grid`` is ``[[cell.text for cell in row.cells] for row in table.rows]``,
    the plain read, where a merged cell's text repeats in every grid position it spans
    (``row.cells`` returns the same cell there); ``grid_merged_once`` is the same grid with
    such repeats left "" (not read by the scorer). A cell's text is its own paragraphs': a
    table nested in it is a table of its own.

    python collect.py            # MIRRORS=/work/.mirror by default
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # mirror.py, shared by the sets

from mirror import collect  # noqa: E402

REPOS = {
    "docling-project/docling": ("e1cb2b234c48ff29746b0f2f843d07f8e23905a0", "MIT", "docling"),
    "jgm/pandoc": ("0a9a2f261510322ee5a33a2a7facce54b8a718ec", "GPL-2.0-or-later", "pandoc"),
    "apache/poi": ("a528d43590b3f71aa94310de881a35af887fdd0f", "Apache-2.0", "poi"),
    "python-openxml/python-docx": ("e45454602b53e8e572b179ccf1c91093ec9f4ed7", "MIT", "pythondocx"),
}

DL = "tests/data/docx/sources/"
PD = "test/docx/"
PO = "test-data/document/"
PI = "test-data/integration/"
PX = "features/steps/test_files/"

SOURCES = [
    # headers and footers
    ("docling-project/docling", DL + "docx_page_header_footer_first_page.docx"),
    ("docling-project/docling", DL + "unit_test_formatting.docx"),
    ("jgm/pandoc", PD + "0_level_headers.docx"),
    ("jgm/pandoc", PD + "german_styled_lists.docx"),
    ("apache/poi", PO + "DiffFirstPageHeadFoot.docx"),
    ("apache/poi", PO + "FancyFoot.docx"),
    ("apache/poi", PO + "HeaderFooterUnicode.docx"),
    ("apache/poi", PO + "PageSpecificHeadFoot.docx"),
    ("apache/poi", PO + "ThreeColHeadFoot.docx"),
    ("apache/poi", PO + "WordWithAttachments.docx"),
    ("apache/poi", PO + "bug57031.docx"),  # 21 tables, merged cells, a footer
    ("apache/poi", PI + "stress016.docx"),
    ("apache/poi", PI + "stress005.docx"),
    ("python-openxml/python-docx", PX + "hdr-header-footer.docx"),
    ("python-openxml/python-docx", PX + "sct-first-page-hdrftr.docx"),
    # nested tables
    ("docling-project/docling", DL + "docx_rich_cells.docx"),
    ("docling-project/docling", DL + "tablecell.docx"),
    ("apache/poi", PO + "bug65738.docx"),  # a nested table and a header
    ("apache/poi", PO + "drawing.docx"),
    ("python-openxml/python-docx", PX + "blk-paras-and-tables.docx"),
    ("jgm/pandoc", PD + "table_with_list_cell.docx"),
    # merged cells
    ("docling-project/docling", DL + "word_tables.docx"),
    ("apache/poi", PO + "form_footnotes.docx"),
    ("apache/poi", PI + "stress019.docx"),
    ("apache/poi", PO + "bib-chernigovka.netdo.ru_download_docs_17459.docx"),
    ("apache/poi", PO + "IllustrativeCases.docx"),
    # plain documents, simple tables
    ("jgm/pandoc", PD + "tables.docx"),
    ("jgm/pandoc", PD + "table_captions_with_field.docx"),
    ("docling-project/docling", DL + "word_sample.docx"),
    ("docling-project/docling", DL + "docx_lists.docx"),
    ("apache/poi", PO + "sample.docx"),
]


def grid_of(table) -> tuple[list[list[str]], list[list[str]], list]:
    """The table's plain grid, the same with a merged cell's repeats left "", and its
    cells, each once, in order (kept alive, so that their elements' ids stay theirs)."""
    seen, cells, grid, once = set(), [], [], []
    for row in table.rows:
        plain, first = [], []
        for cell in row.cells:
            plain.append(cell.text)
            if id(cell._tc) in seen:
                first.append("")
                continue
            seen.add(id(cell._tc))
            cells.append(cell)
            first.append(cell.text)
        grid.append(plain)
        once.append(first)
    return grid, once, cells


def tables_of(tables, depth: int = 0) -> list[dict]:
    out = []
    for table in tables:
        grid, once, cells = grid_of(table)
        out.append({"grid": grid, "grid_merged_once": once, "depth": depth})
        for cell in cells:
            if cell.tables:
                out += tables_of(cell.tables, depth + 1)
    return out


def part_texts(part) -> list[str]:
    texts = []
    for item in part.iter_inner_content():
        if isinstance(item, docx.text.paragraph.Paragraph):
            texts.append(item.text)
        else:
            for table in tables_of([item]):
                texts += [c for row in table["grid_merged_once"] for c in row]
    return [t for t in texts if t.strip()]


def reference(data: bytes) -> dict:
    document = docx.Document(io.BytesIO(data))
    even = bool(document.settings.odd_and_even_pages_header_footer)
    seen: set[tuple[str, ...]] = set()
    sections = []
    for section in document.sections:
        entry = {}
        for side in ("header", "footer"):
            parts = [("default", getattr(section, side))]
            if section.different_first_page_header_footer:
                parts.append(("first_page", getattr(section, f"first_page_{side}")))
            if even:
                parts.append(("even_page", getattr(section, f"even_page_{side}")))
            paragraphs, kinds = [], []
            for kind, part in parts:
                if part.is_linked_to_previous:
                    continue
                texts = part_texts(part)
                if not texts or tuple(texts) in seen:
                    continue
                seen.add(tuple(texts))
                paragraphs += texts
                kinds.append(kind)
            entry[side] = {"paragraphs": paragraphs, "kinds": kinds}
        sections.append(entry)
    return {
        "sections": sections,
        "body_paragraphs": [p.text for p in document.paragraphs if p.text.strip()],
        "tables": tables_of(document.tables),
    }


def main() -> None:
    collect(HERE, ((repo, path, {}) for repo, path in SOURCES), REPOS, ".docx", reference)


if __name__ == "__main__":
    main()
