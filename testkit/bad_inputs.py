"""Files that are bad in ways real files are: encrypted, cut short, or carrying XML entity
tricks. Each must fail once, with a reason a person can act on, and never be retried."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def encrypted_zip(path: Path) -> Path:
    """A ZIP whose members are marked encrypted (traditional PKWARE encryption, as `zip -e`
    writes): the general-purpose flag's bit 0 set in every local and central header."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("minutes.txt", "The board met on 3 March and approved the budget. " * 20)
        z.writestr("figures.csv", "item,amount\nrent,1200\npower,310\n")
    raw = bytearray(buffer.getvalue())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        while at >= 0:
            raw[at + flag_at] |= 1
            at = raw.find(signature, at + 4)
    path.write_bytes(bytes(raw))
    return path


def truncated_jpeg(path: Path) -> Path:
    """A photographed page whose download stopped half way."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 600), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    for line in range(12):
        draw.text((40, 40 + 40 * line), f"Line {line + 1}: received with thanks", fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) // 2])
    return path


def _xlsx_with_sheet(path: Path, rewrite) -> Path:  # type: ignore[no-untyped-def]
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["item", "amount"])
    sheet.append(["PLACEHOLDER", 3])
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = rewrite(data.decode("utf-8")).encode("utf-8")
            out.writestr(item.filename, data)
    return path


def billion_laughs_xlsx(path: Path) -> Path:
    """A workbook whose sheet declares nested entities that expand to 10^9 'lol's."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    dtd = f'<?xml version="1.0"?>\n<!DOCTYPE worksheet [{entities}]>\n'

    def rewrite(xml: str) -> str:
        body = xml[xml.index("<worksheet") :]
        return dtd + body.replace("PLACEHOLDER", "&lol9;")

    return _xlsx_with_sheet(path, rewrite)


def undefined_entity_xlsx(path: Path) -> Path:
    """A workbook whose sheet uses an entity it never declares."""
    return _xlsx_with_sheet(path, lambda xml: xml.replace("PLACEHOLDER", "&undeclared;"))
