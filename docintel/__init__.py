"""docintel: a document-intelligence inbox.

The one import name of the project: the layer folders at the top of the repository are
installed beneath it (``docintel.config``, ``docintel.models``, ``docintel.store``,
``docintel.pipeline``, ``docintel.worker``, ``docintel.watcher``, ``docintel.migrations``,
``docintel.testkit``). This folder itself is the front door: the CLI and logging. It stays
light: importing it must not pull in torch, transformers or PyMuPDF.
"""

__version__ = "0.1.0"
