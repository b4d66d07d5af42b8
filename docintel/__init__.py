"""docintel: a document-intelligence inbox.

This package is the front door (CLI, settings, logging). It stays light: importing it
must not pull in torch, transformers or PyMuPDF.
"""

__version__ = "0.1.0"
