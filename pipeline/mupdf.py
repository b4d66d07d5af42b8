"""PyMuPDF as the pipeline uses it. PyMuPDF 2 imports its layout package and pymupdf4llm,
when installed (both are its own dependencies), at ``import pymupdf``: that loads two ONNX
models and onnxruntime, 0.6 s and ~50 MB in every process that reads a PDF, for an analysis
the pipeline does not run (its table finder is called with ``use_layout=False``: the layout
model found the same tables 4x slower here) and Markdown helpers it does not call. It also
prints a recommendation to stdout, which a ``--json`` listing cannot have.

PyMuPDF does not support threads ("may cause incorrect behaviour or even crash Python
itself", its documentation's multiprocessing recipe): MuPDF's context, its warnings and the
text-extraction switches its table finder turns on and off for the length of a call are
one per process. Two documents read side by side (`docintel process` of several files,
`up`, the page threads of one scan, the web page's page images) read each other's switches:
the real invoice set read in one command laid out the tables of 3 of its 57 files
otherwise than one file after another. Every use holds ``MUPDF``: a digital PDF's reading
for the whole file (its warnings are read page by page), a page's image while it is taken
out; the work around them (OCR, entities) runs side by side as before."""

from __future__ import annotations

import sys
import threading
from types import ModuleType

MUPDF = threading.RLock()


def pymupdf() -> ModuleType:
    """The pymupdf module, imported without its layout model where this process imports
    it first."""
    if "pymupdf" not in sys.modules:
        # a None entry makes ``import`` fail, which pymupdf takes as "not installed"
        for optional in ("pymupdf.layout", "pymupdf4llm"):
            sys.modules.setdefault(optional, None)  # type: ignore[arg-type]
    import pymupdf as module

    quiet = getattr(module, "no_recommend_layout", None)
    if quiet is not None:
        quiet()
    return module
