"""Page images of known content for the page tests and bench/pages.py: clean and scanned
text, a table, a form, a chart, a blank page, multi-page TIFF, a decompression bomb."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docintel.testkit.samples import LOREM, draw_table, invoice_grid

WORDS = (
    LOREM
    + (
        "account balance carrier customs declaration freight harbour invoice ledger manifest "
        "order payment quantity receipt schedule supplier transfer warehouse"
    ).split()
)


@dataclass
class PageTruth:
    kind: str  # text, table, form, chart, blank
    text: str = ""
    table: list[list[str]] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    chart: dict[str, Any] | None = None


def sentence_block(rng: random.Random, lines: int = 14) -> str:
    out = []
    for _ in range(lines):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 11))]
        out.append(" ".join(words).capitalize() + ".")
    return "\n".join(out)


def render_page(draw, dpi: int = 150):  # type: ignore[no-untyped-def]
    """A US-letter page drawn by ``draw(page)`` with PyMuPDF, rasterized to a PIL image."""
    import pymupdf
    from PIL import Image

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    draw(page)
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB)
    image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    doc.close()
    return image


def text_page(rng: random.Random, dpi: int = 150):  # type: ignore[no-untyped-def]
    import pymupdf

    title = f"Quarterly report {rng.randint(1, 99)}"
    body = sentence_block(rng)

    def draw(page):  # type: ignore[no-untyped-def]
        page.insert_text((72, 80), title, fontsize=16, fontname="hebo")
        page.insert_textbox(pymupdf.Rect(72, 100, 540, 720), body, fontsize=11, fontname="helv")

    return render_page(draw, dpi), PageTruth("text", text=f"{title}\n{body}")


def table_page(rng: random.Random, dpi: int = 150):  # type: ignore[no-untyped-def]
    grid = invoice_grid(rng, rows=rng.randint(3, 6))

    def draw(page):  # type: ignore[no-untyped-def]
        page.insert_text((72, 80), "Invoice lines", fontsize=14, fontname="hebo")
        draw_table(page, grid, top=110, left=72)

    return render_page(draw, dpi), PageTruth("table", table=grid)


FORM_LABELS = ["Name", "Date of birth", "Policy number", "Email", "Phone", "City"]


def form_page(rng: random.Random, dpi: int = 150):  # type: ignore[no-untyped-def]
    values = {
        "Name": rng.choice(["Maria Lopez", "John Smith", "Aiko Tanaka", "Omar Haddad"]),
        "Date of birth": f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "Policy number": f"PN-{rng.randint(100000, 999999)}",
        "Email": f"user{rng.randint(10, 99)}@example.org",
        "Phone": f"+44 20 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        "City": rng.choice(["Leeds", "Porto", "Lyon", "Graz"]),
    }
    approved = rng.random() < 0.5

    def draw(page):  # type: ignore[no-untyped-def]
        page.insert_text((72, 80), "Claim form", fontsize=16, fontname="hebo")
        y = 120
        for label, value in values.items():
            page.insert_text((72, y), f"{label}: {value}", fontsize=12, fontname="helv")
            y += 28
        page.insert_text(
            (72, y + 10), f"[{'x' if approved else ' '}] Approved", fontsize=12, fontname="cour"
        )

    fields = dict(values)
    fields["Approved"] = "yes" if approved else "no"
    return render_page(draw, dpi), PageTruth("form", fields=fields)


def chart_page(rng: random.Random, dpi: int = 100):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    labels = ["Q1", "Q2", "Q3", "Q4"]
    values = [rng.randint(10, 90) for _ in labels]
    kind = rng.choice(["bar", "line"])
    fig, ax = plt.subplots(figsize=(6, 4), dpi=dpi)
    (ax.bar if kind == "bar" else ax.plot)(labels, values)
    ax.set_title("Revenue by quarter")
    ax.set_xlabel("Quarter")
    ax.set_ylabel("EUR thousand")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    truth = {
        "type": kind,
        "series": [{"name": "Revenue", "values": dict(zip(labels, values, strict=True))}],
    }
    return image, PageTruth("chart", chart=truth)


def blank_page(dpi: int = 150):  # type: ignore[no-untyped-def]
    return render_page(lambda page: None, dpi), PageTruth("blank")


def scanned(image, rng: random.Random, quality: int = 60):  # type: ignore[no-untyped-def]
    """What a scanner does to a page: a small rotation, noise, JPEG artefacts."""
    import numpy as np
    from PIL import Image

    angle = rng.choice([-1, 1]) * rng.uniform(1.0, 2.0)
    rotated = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor="white")
    pixels = np.asarray(rotated).astype(np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 12, pixels.shape)
    noisy = Image.fromarray(np.clip(pixels + noise, 0, 255).astype("uint8"))
    buf = io.BytesIO()
    noisy.save(buf, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def save_tiff(path: Path, images: list[Any]) -> Path:
    images[0].save(path, save_all=True, append_images=images[1:], compression="tiff_deflate")
    return path


def write_bomb_png(path: Path, side: int = 40_000) -> Path:
    """A small file that decodes to side² pixels: a decompression bomb."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    raw = zlib.compress(row * 64, 9)  # only a few rows: the header is what lies
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    )
    return path


def images_to_pdf(path: Path, images: list[Any], dpi: int = 150) -> Path:
    """A scanned PDF: each page is only an image."""
    import pymupdf

    doc = pymupdf.open()
    for image in images:
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=85)
        w, h = image.size
        page = doc.new_page(width=w * 72 / dpi, height=h * 72 / dpi)
        page.insert_image(page.rect, stream=buf.getvalue())
    doc.save(path)
    return path


def mixed_page(rng: random.Random, dpi: int = 200):  # type: ignore[no-untyped-def]
    """An invoice as it lands in an inbox: letterhead, address, invoice number and date, a
    paragraph, a ruled item table, totals, an IBAN and a footer; every word is in the truth
    text, the table's cells in ``table``."""
    import pymupdf

    company = rng.choice(["Harbor Compliance Partners", "Nordlicht Logistik", "Acme Industrial"])
    number = f"INV-{rng.randint(2024, 2027)}-{rng.randint(1000, 9999)}"
    date = f"{rng.randint(10, 28)} {rng.choice(['March', 'April', 'October'])} 2026"
    grid = invoice_grid(rng, rows=rng.randint(3, 5))
    iban = rng.choice(["DE89 3704 0044 0532 0130 00", "GB29 NWBK 6016 1331 9268 19"])
    total = f"{rng.randint(1000, 9999)}.{rng.randint(10, 99)}"
    note = " ".join(rng.choice(WORDS) for _ in range(18)).capitalize() + "."
    lines_above = [
        (company, 18, "hebo"),
        (f"{rng.randint(1, 99)} Harbour Street, Rotterdam", 10, "helv"),
        ("", 10, "helv"),
        (f"Invoice number: {number}", 12, "helv"),
        (f"Invoice date: {date}", 12, "helv"),
    ]
    below = [f"Total due: EUR {total}", f"IBAN: {iban}", "Thank you for your business."]

    def draw(page):  # type: ignore[no-untyped-def]
        y = 70
        for text, size, font in lines_above:
            if text:
                page.insert_text((72, y), text, fontsize=size, fontname=font)
            y += size + 10
        page.insert_textbox(pymupdf.Rect(72, y, 540, y + 60), note, fontsize=10, fontname="helv")
        top = y + 70
        draw_table(page, grid, top=top, left=72)
        y = top + 22 * len(grid) + 30
        for text in below:
            page.insert_text((72, y), text, fontsize=11, fontname="helv")
            y += 22
        page.draw_line((72, 740), (540, 740), color=(0, 0, 0), width=0.8)  # a footer rule
        page.insert_text((72, 760), f"{company} · Registered in Rotterdam", fontsize=8)

    outside = [t for t, _, _ in lines_above if t] + [note] + below
    outside.append(f"{company} · Registered in Rotterdam")
    words = "\n".join(outside + [" ".join(row) for row in grid])
    return render_page(draw, dpi), PageTruth("table", text=words, table=grid)
