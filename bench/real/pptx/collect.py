#!/usr/bin/env python3
"""Rebuilds this folder (PPTX class of docintel's real fidelity set) from the mirrored
public repositories: copies each presentation out of its repository at a pinned commit, and
writes manifest.jsonl with each file's source, licence and reference.

The reference is the presentation as python-pptx reads it: ``slides``, each with its
``shapes`` (``slide.shapes``, in order): ``name``, ``shape_type``, ``is_title`` (the slide's
title placeholder), ``text`` (``text_frame.text`` where the shape has a text frame),
``grid`` (a table's ``cell.text`` per ``row.cells``; a cell that a merge spans keeps its
own text, normally ""), and ``shapes``
(a group's own shapes, the same way); ``notes``: the speaker notes' text
(``notes_slide.notes_text_frame.text``; "" when the slide has none). Masters and layouts are
not part of it.

    python collect.py            # MIRRORS=/work/.mirror by default
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pptx
from pptx.enum.shapes import MSO_SHAPE_TYPE

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # mirror.py, shared by the sets

from mirror import collect  # noqa: E402

REPOS = {
    "docling-project/docling": ("e1cb2b234c48ff29746b0f2f843d07f8e23905a0", "MIT", "docling"),
    "jgm/pandoc": ("0a9a2f261510322ee5a33a2a7facce54b8a718ec", "GPL-2.0-or-later", "pandoc"),
    "apache/poi": ("a528d43590b3f71aa94310de881a35af887fdd0f", "Apache-2.0", "poi"),
    "scanny/python-pptx": ("278b47b1dedd5b46ee84c286e77cdfb0bf4594be", "MIT", "pythonpptx"),
}

DL = "tests/data/pptx/sources/"
PS = "test-data/slideshow/"

SOURCES = [
    ("docling-project/docling", DL + "powerpoint_sample.pptx"),  # a table
    ("docling-project/docling", DL + "powerpoint_comments.pptx"),
    ("docling-project/docling", DL + "powerpoint_issue_2663.pptx"),
    ("jgm/pandoc", "test/pptx-reader/basic.pptx"),  # a table
    ("jgm/pandoc", "test/pptx/footer/basic/output.pptx"),  # three tables, footers
    ("jgm/pandoc", "test/pptx/incremental-lists/with-flag/output.pptx"),
    ("jgm/pandoc", "test/pptx/table-with-surrounding-content/output.pptx"),
    ("jgm/pandoc", "test/pptx/pauses/without-incremental/output.pptx"),
    ("apache/poi", "test-data/integration/stress013.pptx"),  # groups and tables
    ("apache/poi", PS + "2411-Performance_Up.pptx"),
    ("apache/poi", PS + "aascu.org_hbcu_leadershipsummit_cooper_.pptx"),  # four tables
    ("apache/poi", PS + "aptia.pptx"),
    ("apache/poi", PS + "with_japanese.pptx"),  # a table
    ("apache/poi", PS + "bug62513.pptx"),
    ("apache/poi", PS + "SampleShow.pptx"),
    ("apache/poi", PS + "45541_Footer.pptx"),
    ("scanny/python-pptx", "features/steps/test_files/shp-pos-and-size.pptx"),  # a table
]
# file names where the source's own name says little
NAMES = {
    "test/pptx/footer/basic/output.pptx": "footer-basic.pptx",
    "test/pptx/incremental-lists/with-flag/output.pptx": "incremental-lists.pptx",
    "test/pptx/table-with-surrounding-content/output.pptx": "table-with-surrounding-content.pptx",
    "test/pptx/pauses/without-incremental/output.pptx": "pauses.pptx",
}


def shape_of(shape, title_id: int | None) -> dict:
    out: dict = {
        "name": shape.name,
        "shape_type": str(shape.shape_type) if shape.shape_type is not None else None,
        "is_title": shape.shape_id == title_id,
    }
    if shape.has_text_frame:
        out["text"] = shape.text_frame.text
    if getattr(shape, "has_table", False) and shape.has_table:
        out["grid"] = [[cell.text for cell in row.cells] for row in shape.table.rows]
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        out["shapes"] = [shape_of(inner, None) for inner in shape.shapes]
    return out


def notes_of(slide) -> str:
    if not slide.has_notes_slide or slide.notes_slide.notes_text_frame is None:
        return ""
    return slide.notes_slide.notes_text_frame.text


def reference(data: bytes) -> dict:
    presentation = pptx.Presentation(io.BytesIO(data))
    slides = []
    for number, slide in enumerate(presentation.slides, start=1):
        title = slide.shapes.title
        title_id = title.shape_id if title is not None else None
        slides.append(
            {
                "slide": number,
                "shapes": [shape_of(shape, title_id) for shape in slide.shapes],
                "notes": notes_of(slide),
            }
        )
    return {"slides": slides}


def main() -> None:
    collect(
        HERE,
        ((repo, path, {}) for repo, path in SOURCES),
        REPOS,
        ".pptx",
        reference,
        lambda path: NAMES.get(path, Path(path).name),
    )


if __name__ == "__main__":
    main()
