#!/usr/bin/env python3
"""Rebuilds this folder (XLSX class of docintel's real fidelity set) from the mirrored
public repositories: copies each workbook out of its repository at a pinned commit, and
writes manifest.jsonl with each file's source, licence and reference.

The reference is the workbook as openpyxl reads it (``load_workbook(data_only=True)``: a
formula as its cached value): ``sheets`` in workbook order, each with ``name`` and
``cells``, every cell with a value by its coordinate: ``v`` (the value; a date/time as ISO
text, an elapsed time as seconds), ``number_format`` and ``type``: ``datetime``, ``date``,
``time``, ``timedelta_seconds``, ``bool``, ``n`` (number), ``s`` (text) or ``e`` (an error
such as #N/A).

    python collect.py            # MIRRORS=/work/.mirror by default
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import warnings
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # mirror.py, shared by the sets

from mirror import collect  # noqa: E402

REPOS = {
    "tafia/calamine": ("263762c8e98ef25da8511d9c5ea1783493e3bf6d", "MIT", "calamine"),
    "qax-os/excelize": ("8d26cbd932e8ff9e12dc42f7fef245baf7773b72", "BSD-3-Clause", "excelize"),
    "apache/poi": ("a528d43590b3f71aa94310de881a35af887fdd0f", "Apache-2.0", "poi"),
    "docling-project/docling": ("e1cb2b234c48ff29746b0f2f843d07f8e23905a0", "MIT", "docling"),
    "jgm/pandoc": ("0a9a2f261510322ee5a33a2a7facce54b8a718ec", "GPL-2.0-or-later", "pandoc"),
}

PS = "test-data/spreadsheet/"

SOURCES = [
    # tafia/calamine
    ("tafia/calamine", "tests/date.xlsx"),  # yyyy-mm-dd, [hh]:mm:ss
    ("tafia/calamine", "tests/date_1904.xlsx"),  # the 1904 date system
    ("tafia/calamine", "tests/date_iso.xlsx"),
    ("tafia/calamine", "tests/date_quoted_format.xlsx"),  # mmmm" "d", "yyyy and others
    ("tafia/calamine", "tests/issue_261.xlsx"),  # mm-dd-yy, mmm-yy
    ("tafia/calamine", "tests/issues.xlsx"),
    ("tafia/calamine", "tests/table-multiple.xlsx"),
    ("tafia/calamine", "tests/temperature-table.xlsx"),
    ("tafia/calamine", "tests/merged_range.xlsx"),
    # qax-os/excelize
    ("qax-os/excelize", "test/Book1.xlsx"),
    ("qax-os/excelize", "test/MergeCell.xlsx"),
    # apache/poi
    ("apache/poi", PS + "123233_charts.xlsx"),  # h:mm:ss AM/PM, mmm d, yyyy
    ("apache/poi", PS + "48962.xlsx"),  # d-mmm
    ("apache/poi", PS + "49273.xlsx"),  # [$-F800]dddd, mmmm dd, yyyy
    ("apache/poi", PS + "50755_workday_formula_example.xlsx"),  # d-mmm-yy
    ("apache/poi", PS + "54034.xlsx"),  # yyyy-mm-ddThh:mm
    ("apache/poi", PS + "54071.xlsx"),  # yyyy-m-d hh:mm:ss
    ("apache/poi", PS + "58747.xlsx"),  # yyyy-mm-dd h:mm
    ("apache/poi", PS + "64508.xlsx"),  # DD.MM.YYYY
    ("apache/poi", PS + "DataValidationEvaluations.xlsx"),  # h:mm, h:mm AM/PM, m/d/yy h:mm
    ("apache/poi", PS + "DateFormatTests.xlsx"),  # dd-mmm-yyyy hh:mm:ss.000
    ("apache/poi", PS + "ExcelPivotTableSample.xlsx"),
    ("apache/poi", PS + "Formatting.xlsx"),  # d/m/yy, yy/mm/dd, yyyy/mm/dd, ...
    ("apache/poi", PS + "61652.xlsx"),
    ("apache/poi", PS + "56574.xlsx"),
    # docling, pandoc
    ("docling-project/docling", "tests/data/xlsx/sources/xlsx_06_edge_cases_.xlsx"),
    ("docling-project/docling", "tests/data/xlsx/sources/xlsx_05_table_with_title.xlsx"),
    ("jgm/pandoc", "test/xlsx-reader/basic.xlsx"),
]


def cell_of(cell) -> dict:
    value, kind = cell.value, None
    if isinstance(value, dt.datetime):
        value, kind = value.isoformat(), "datetime"
    elif isinstance(value, dt.date):
        value, kind = value.isoformat(), "date"
    elif isinstance(value, dt.time):
        value, kind = value.isoformat(), "time"
    elif isinstance(value, dt.timedelta):
        value, kind = value.total_seconds(), "timedelta_seconds"
    elif isinstance(value, bool):
        kind = "bool"
    elif isinstance(value, int | float):
        kind = "n"
    else:
        value, kind = str(value), "e" if cell.data_type == "e" else "s"
    return {"v": value, "number_format": cell.number_format, "type": kind}


def reference(data: bytes) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    sheets = []
    for sheet in book.worksheets:
        cells = {
            cell.coordinate: cell_of(cell)
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        }
        sheets.append({"name": sheet.title, "cells": cells})
    return {"sheets": sheets, "epoch": "1904" if book.epoch.year == 1904 else "1900"}


def main() -> None:
    collect(HERE, ((repo, path, {}) for repo, path in SOURCES), REPOS, ".xlsx", reference)


if __name__ == "__main__":
    main()
