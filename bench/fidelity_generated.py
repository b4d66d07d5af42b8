"""The generated counterpart of ``fidelity_real.py`` (``bench/fidelity.py --generated``): a
file per fidelity class from ``docintel.testkit.fidelity_samples``, with its reference read
by the plain library (Python's ``email``, python-docx, python-pptx, openpyxl, PyMuPDF's
widgets; for tables, the grid the file was drawn from), written in the real set's layout so
that one scorer scores both. A figure here measures the generator's kinds of file; the real
set measures the product."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import json
from pathlib import Path
from typing import Any

from docintel.testkit import fidelity_samples as fs


def email_reference(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    if data.startswith(b"From "):
        import mailbox

        box = mailbox.mbox(str(path), create=False)
        return {"kind": "mbox", "message_count": len(box.keys())}
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    files = []
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        named = part.get_filename() or part.is_attachment()
        if part.get_content_maintype() == "text" and not named:
            continue
        payload = part.get_payload(decode=True) or b""
        files.append({"sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)})
    return {
        "headers": {h: str(message[h] or "") for h in ("From", "To", "Subject", "Date")},
        "body": {
            "text": body.get_content() if body is not None else "",
            "content_type": body.get_content_type() if body is not None else "",
        },
        "attachments": files,
    }


def docx_reference(path: Path) -> dict[str, Any]:
    import docx

    document = docx.Document(str(path))

    def grids(tables: list[Any]) -> list[list[list[str]]]:
        out = []
        for table in tables:
            out.append([[c.text for c in row.cells] for row in table.rows])
            out += grids([t for row in table.rows for c in row.cells for t in c.tables])
        return out

    sections = [
        {
            part: {"paragraphs": [p.text for p in getattr(s, part).paragraphs if p.text]}
            for part in ("header", "footer")
        }
        for s in document.sections
    ]
    return {
        "sections": sections,
        "body_paragraphs": [p.text for p in document.paragraphs if p.text],
        "tables": [{"grid": g} for g in grids(document.tables)],
    }


def pptx_reference(path: Path) -> dict[str, Any]:
    import pptx

    def shapes(items: Any) -> list[dict[str, Any]]:
        out = []
        for shape in items:
            entry: dict[str, Any] = {}
            if shape.has_text_frame:
                entry["text"] = shape.text_frame.text
            if getattr(shape, "has_table", False) and shape.has_table:
                entry["grid"] = [[c.text for c in row.cells] for row in shape.table.rows]
            if shape.shape_type == 6:  # a group
                entry["shapes"] = shapes(shape.shapes)
            out.append(entry)
        return out

    deck = pptx.Presentation(str(path))
    return {"slides": [{"shapes": shapes(slide.shapes)} for slide in deck.slides]}


def xlsx_reference(path: Path) -> dict[str, Any]:
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for sheet in book.worksheets:
        cells = {}
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                kind = (
                    "datetime" if isinstance(value, dt.datetime)
                    else "time" if isinstance(value, dt.time)
                    else "date" if isinstance(value, dt.date)
                    else type(value).__name__
                )  # fmt: skip
                shown = value.isoformat() if hasattr(value, "isoformat") else value
                cells[cell.coordinate] = {
                    "v": shown,
                    "number_format": cell.number_format,
                    "type": kind,
                }
        sheets.append({"title": sheet.title, "cells": cells})
    return {"sheets": sheets}


def forms_reference(path: Path) -> dict[str, Any]:
    import pymupdf

    with pymupdf.open(path) as doc:
        return {
            "pages": [
                {
                    "widgets": [
                        {
                            "field_name": w.field_name,
                            "field_value": w.field_value,
                            "field_type": w.field_type_string,
                        }
                        for w in page.widgets()
                    ]
                }
                for page in doc
            ]
        }


def make(folder: Path) -> Path:
    """The generated set under ``folder``, one sub-folder per class."""
    built: dict[str, list[tuple[Path, dict[str, Any]]]] = {}

    def add(cls: str, path: Path, reference: dict[str, Any]) -> None:
        built.setdefault(cls, []).append((path, reference))

    def where(cls: str, name: str) -> Path:
        (folder / cls).mkdir(parents=True, exist_ok=True)
        return folder / cls / name

    for path in (
        fs.mbox(where("email", "three.mbox"), ["Order 4471", "Order 4472", "Credit note 88"]),
        fs.content_type_first(where("email", "content-type-first.eml")),
        fs.nested_mail(where("email", "nested.eml"))[0],
    ):
        add("email", path, email_reference(path))
    path = fs.office_docx(where("docx", "memo.docx"))
    add("docx", path, docx_reference(path))
    path = fs.office_pptx(where("pptx", "deck.pptx"))
    add("pptx", path, pptx_reference(path))
    path = fs.dated_sheet(where("xlsx", "dates.xlsx"))[0]
    add("xlsx", path, xlsx_reference(path))
    path = fs.sparse_form(where("forms", "scanned-form.pdf"))[0]
    add("forms", path, forms_reference(path))
    for path in (
        fs.framed_table(where("tables", "framed.pdf")),
        fs.sideways_table(where("tables", "sideways.pdf")),
    ):
        add("tables", path, {"reference_kind": "full", "tables": [{"page": 1, "grid": fs.GRID}]})
    add("other", fs.poem(where("other", "poem.pdf")), {})
    for cls, items in built.items():
        lines = [
            json.dumps(
                {"file": p.name, "source": "docintel.testkit.fidelity_samples", "reference": ref}
            )  # fmt: skip
            for p, ref in items
        ]
        (folder / cls / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return folder
