"""Errors that end a document with a message a person can act on."""


class DocumentError(Exception):
    """The document cannot be processed as it is; the message says what to do about it.

    Raised by a step, it ends the document as ``failed`` with this message; the worker and
    the other documents go on, and the original stays in the archive.
    """
