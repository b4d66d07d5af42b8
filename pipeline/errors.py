"""Errors that end a document with a message a person can act on, and the libraries'
exceptions that mean the same: the file itself is damaged, cut short, encrypted or hostile.

Such a file fails once, with what to do; it is never retried (it would fail the same way)
and never called a bug. Everything else (a bug, a crashed engine, an outage) is retried."""

from __future__ import annotations


class DocumentError(Exception):
    """The document cannot be processed as it is; the message says what to do about it.

    Raised by a step, it ends the document as ``failed`` with this message; the worker and
    the other documents go on, and the original stays in the archive.
    """


class DocumentFailed(Exception):
    """Raised after a document is recorded ``failed`` with ``message``: the task that
    failed it ends as a Celery failure, with the reason a person can act on."""


# Exception classes (module.qualname, matched along the class's MRO, so subclasses count)
# that only a bad file raises.
_DAMAGED = {
    "zipfile.BadZipFile",
    "zipfile.LargeZipFile",
    "tarfile.TarError",
    "gzip.BadGzipFile",
    "_lzma.LZMAError",
    "zlib.error",
    "builtins.EOFError",
    "PIL.UnidentifiedImageError",
    "PIL.Image.DecompressionBombError",
    "pymupdf.FileDataError",
    "pymupdf.EmptyFileError",
    "pymupdf.mupdf.FzErrorFormat",
    "openpyxl.utils.exceptions.InvalidFileException",
    "docx.opc.exceptions.PackageNotFoundError",
    "pptx.exc.PackageNotFoundError",
    "soundfile.LibsndfileError",
    "olefile.olefile.OleFileError",
}
_XML = {
    "xml.etree.ElementTree.ParseError",
    "pyexpat.ExpatError",
    "xml.parsers.expat.ExpatError",
    "lxml.etree.XMLSyntaxError",
    "defusedxml.common.DefusedXmlException",
}
# Messages of generic exceptions (OSError, RuntimeError...) that libraries raise for a bad
# file: Pillow's decoders, zipfile's encryption and compression checks.
_DAMAGED_WORDS = (
    "image file is truncated",
    "broken data stream",
    "cannot identify image file",
    "cannot find loader",
    "truncated file",
    "unexpected end of",
    "premature end",
    "there is no item named",
)
_ENCRYPTED_WORDS = ("encrypted", "password required", "password is required")
_ENTITY_WORDS = ("entity", "entities", "amplification", "dtd")


def _names(exc: BaseException) -> set[str]:
    return {f"{cls.__module__}.{cls.__qualname__}" for cls in type(exc).__mro__}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def input_error(exc: BaseException, name: str) -> str | None:
    """What to tell a person when ``exc`` (or what caused it) says the file ``name`` is
    bad; None where it says nothing about the file."""
    for e in _chain(exc):
        detail = str(e).strip() or type(e).__name__
        text = f"{type(e).__name__} {detail}".lower()  # defusedxml says it in the name
        names = _names(e)
        if any(word in text for word in _ENCRYPTED_WORDS) and not names & _XML:
            return (
                f"{name} is encrypted (password-protected) and cannot be read. Save or "
                "export it without a password and drop it again."
            )
        if names & _XML:
            if any(word in text for word in _ENTITY_WORDS):
                return (
                    f"{name} holds XML with entity declarations that docintel does not "
                    f"expand (an entity bomb, or an entity it does not define: {detail}). "
                    "Save it again from the program that made it and drop it again."
                )
            return (
                f"{name} holds damaged XML ({detail}). Open it in the program that made it, "
                "save it again, and drop it again."
            )
        if names & _DAMAGED or (
            isinstance(e, OSError | RuntimeError | ValueError | KeyError | NotImplementedError)
            and any(word in text for word in _DAMAGED_WORDS)
        ):
            return (
                f"{name} is damaged or cut short ({type(e).__name__}: {detail}). Open it in "
                "its own program to check it, save or export it again, and drop it again."
            )
        if isinstance(e, NotImplementedError) and "compression" in text:
            return (
                f"{name} uses a compression method docintel cannot read ({detail}). Pack it "
                "again as a plain ZIP (deflate) and drop it again."
            )
    return None
