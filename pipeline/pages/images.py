"""Page images: the frames of an image file or the rasterized pages of a PDF, with the
pixel limit that refuses decompression bombs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docintel.config import Settings
from docintel.pipeline.errors import DocumentError


def image_info(path: Path, settings: Settings) -> tuple[int, int, int]:
    """(width, height, frames) without decoding pixels; refuses decompression bombs."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # we check ourselves, with a message a person can act on
    try:
        with Image.open(path) as image:
            width, height = image.size
            frames = pages_of(image)
    except (OSError, SyntaxError) as exc:
        raise DocumentError(
            f"{path.name}: the image could not be read ({exc}); save or scan it again."
        ) from exc
    if width * height > settings.max_image_pixels:
        raise DocumentError(
            f"{path.name} is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels), "
            f"above DOCINTEL_MAX_IMAGE_PIXELS={settings.max_image_pixels:,}: it is a "
            "decompression bomb or needs downscaling before it is dropped."
        )
    return width, height, frames


def pages_of(image: Any) -> int:
    """The pages a picture file holds: a TIFF's or a GIF's frames; one for a multi-picture
    JPEG (MPO: a camera's photo with its preview, or the other eye of a stereo pair, after
    it), whose further pictures are the same page again: read as pages, a phone's receipt
    was read twice."""
    return 1 if image.format == "MPO" else getattr(image, "n_frames", 1)


def page_images(
    path: Path,
    kind: str,
    pages: list[int],
    dpi: int,
    settings: Settings,
    *,
    native: bool = False,
    grey: bool = False,
) -> dict[int, Any]:
    """PIL images of the given 1-based pages: rasterized PDF pages (the DPI lowered where a
    page would exceed the pixel limit), or the image's frames. ``native``: a scanned page is
    rendered at its scan's own resolution where that is lower than ``dpi`` (upsampling
    adds pixels to read, not detail). ``grey``: a scan decoded as stored (``stored_scan``)
    is decoded in grey, and says so (``info["decoded"] == "grey"``) where it was in colour.
    A PDF page's image declares the DPI it was made at."""
    from PIL import Image

    if kind == "pdf":
        from docintel.pipeline.mupdf import MUPDF
        from docintel.pipeline.mupdf import pymupdf as load_pymupdf

        pymupdf = load_pymupdf()
        out = {}
        with MUPDF, pymupdf.open(path) as doc:
            for number in pages:
                page = doc.load_page(number - 1)
                area = abs(page.rect) / 72 / 72  # square inches
                fit = int((settings.max_image_pixels / max(area, 1e-6)) ** 0.5)
                target, scan = dpi, None
                infos = page.get_image_info() if native else []  # both below read them
                if native and (scan := scan_resolution(page, infos)):
                    target = min(dpi, max(scan, MIN_NATIVE_DPI))
                used = max(36, min(target, fit))
                image = (
                    stored_scan(doc, page, used, infos, grey=grey)
                    if native and used == scan
                    else None
                )
                if image is None:
                    pix = page.get_pixmap(dpi=used, colorspace=pymupdf.csRGB)
                    image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
                    image.info["drawn"] = "rendered"
                image.info["dpi"] = (used, used)
                out[number] = image
        return out
    if kind == "text":  # images inside a DOCX or PPTX, numbered after its sections
        import io

        from docintel.pipeline.route.office import office_images

        first, blobs = office_images(path)
        return {n: as_seen(Image.open(io.BytesIO(blobs[n - first]))) for n in pages}
    image_info(path, settings)
    image = Image.open(path)
    frames = {}
    for number in pages:
        image.seek(number - 1)
        frames[number] = seen_in_grey(image) if grey else as_seen(image)
    return frames


def as_seen(image: Any) -> Any:
    """The picture in RGB as a person sees it: a phone keeps the pixels as the sensor took
    them and says in EXIF how to turn them for a person to read (every viewer does). Its
    pixels copied once at most: ``exif_transpose`` copies a picture it does not turn and
    ``convert`` one already in RGB (two needless copies of a 26 MB photo); a file of one
    frame is turned in place, one of many (a TIFF's pages) copied, frame by frame."""
    from PIL import ImageOps

    if getattr(image, "n_frames", 1) > 1:
        seen = ImageOps.exif_transpose(image)
    else:
        ImageOps.exif_transpose(image, in_place=True)
        seen = image
    return seen if seen.mode == "RGB" else seen.convert("RGB")


def seen_in_grey(image: Any) -> Any:
    """The picture as ``as_seen`` turns it, in grey where the reader reads it in grey: a
    colour JPEG (a phone's photo of a receipt) is decoded to the luma it stores, as a
    PDF's stored scan is (``stored_scan``), and says so (``info["decoded"] == "grey"``);
    any other picture as ``as_seen`` gives it. Decoded in colour, a 12-megapixel photo was
    three times the pixels to decode, turn upright, shrink for the page's overview and
    turn grey again."""
    from PIL import ImageOps

    if image.format not in ("JPEG", "MPO") or image.mode != "RGB":
        return as_seen(image)
    decode_luma(image)
    ImageOps.exif_transpose(image, in_place=True)
    return image


def decode_luma(image: Any) -> None:
    """Have a colour JPEG not yet decoded decode to the luma libjpeg stores, and say so
    (``info["decoded"] == "grey"``: the chart check decodes the colours where it asks).
    That luma is the grey Pillow computes from the colours, within 2 of 255 but at the
    edges of strong colours, which decoding the colours clipped (the 14 real photos of
    bench/real/invoices: a mean difference of 0.1 at most, their key values the same); a
    300 dpi letter page took 18 ms where decoding the colours took 38 ms and turning them
    grey 13 ms more."""
    image.draft("L", image.size)
    image.info["decoded"] = "grey"


# A scan below this is still rendered at it: Tesseract reads small text badly under ~150.
MIN_NATIVE_DPI = 150


def scan_resolution(page: Any, infos: list[dict[str, Any]] | None = None) -> int | None:
    """Pixels per inch of the largest image covering at least half of ``page`` (a scan),
    None where no image does. ``infos``: the page's ``get_image_info()``, where read."""
    best = 0.0
    whole = abs(page.rect)
    for info in page.get_image_info() if infos is None else infos:
        x0, y0, x1, y1 = info["bbox"]
        width, height = x1 - x0, y1 - y0
        if width <= 0 or height <= 0 or width * height < 0.5 * whole:
            continue
        best = max(best, min(info["width"] / (width / 72), info["height"] / (height / 72)))
    return round(best) or None


# A page's size in points, rounded by whatever made the PDF, leaves its scan a pixel or two
# off the size drawing it at the scan's resolution gives (the real "Energy invoice" of
# bench/real/invoices: 2409x3437 pixels on a page drawn 2409x3435 at 300 dpi). Drawn, the
# scan is resampled by that 0.06%, holding the interpreter; decoded, it is its own pixels.
SIZE_SLACK_PX = 2


def stored_scan(
    doc: Any, page: Any, dpi: int, infos: list[dict[str, Any]] | None = None, grey: bool = False
) -> Any | None:
    """The page's one JPEG scan, decoded as stored, where drawing the page at ``dpi`` would
    only copy its pixels (the page is that image, level and unmasked, at that resolution
    within ``SIZE_SLACK_PX``, with nothing drawn over it): 40-60 ms for a 300 dpi letter
    page where MuPDF's drawing took 110-130 ms, holding the interpreter, for the same
    pixels (mean difference 0.07 of 255: two JPEG decoders). None otherwise: the page is
    drawn."""
    import io

    from PIL import Image

    if page.rotation:
        return None
    # the geometry without xrefs (xrefs=True decodes the image); the xref from the listing
    infos = page.get_image_info() if infos is None else infos
    listed = page.get_images(full=True)
    if len(infos) != 1 or len(listed) != 1:
        return None
    info, xref = infos[0], listed[0][0]
    a, b, c, d, _, _ = info["transform"]
    if b or c or a <= 0 or d <= 0 or info["has-mask"] or listed[0][1]:
        return None  # turned, flipped or masked
    if any(abs(x - y) > 1 for x, y in zip(info["bbox"], page.rect, strict=True)):
        return None
    zoom = dpi / 72
    size = (round(page.rect.width * zoom), round(page.rect.height * zoom))
    stored = (info["width"], info["height"])
    if any(abs(a - b) > SIZE_SLACK_PX for a, b in zip(stored, size, strict=True)):
        return None  # drawing it resamples it, and OCR and the grid search read that
    if stored != tuple(listed[0][2:4]):
        return None  # the image drawn is not the one the page lists
    if doc.xref_get_key(xref, "Filter") not in (("name", "/DCTDecode"), ("array", "[/DCTDecode]")):
        return None  # another encoding (or a chain of them): MuPDF decodes it
    if doc.xref_get_key(xref, "Decode")[0] != "null":
        return None  # inverted or remapped samples
    if page.get_cdrawings() or page.get_text("text").strip():
        return None  # a stamp, a signature or text drawn over the scan
    image = Image.open(io.BytesIO(doc.xref_stream_raw(xref)))
    if image.mode not in ("RGB", "L"):
        return None  # CMYK and the like: MuPDF's colour conversion
    # decoded as stored, in colour or grey: the reader turns it grey, and a grey scan made
    # RGB was three times the pixels to decode into, convert and turn grey again
    if grey and image.mode == "RGB":
        decode_luma(image)
    image.load()
    image.info["drawn"] = "decoded"
    return image
