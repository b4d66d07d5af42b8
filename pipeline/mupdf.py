"""PyMuPDF as the pipeline uses it. PyMuPDF 2 imports its layout package and pymupdf4llm,
when installed (both are its own dependencies), at ``import pymupdf``: that loads two ONNX
models and onnxruntime, 0.6 s and ~50 MB in every process that reads a PDF, for an analysis
the pipeline does not run (its table finder is called with ``use_layout=False``: the layout
model found the same tables 4x slower here) and Markdown helpers it does not call. It also
prints a recommendation to stdout, which a ``--json`` listing cannot have."""

from __future__ import annotations

import sys
from types import ModuleType


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
