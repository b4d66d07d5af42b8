"""Pure document logic: no Celery, no SQLAlchemy. ``route`` (sniff, PDF, tables), ``pages``
(model passes, Tesseract), ``audio`` (signal, speech to text), ``merge`` and ``agent``
(chunks, the tool loop, rules). Every entry point takes its input, the settings and the
engine, and returns the typed results of ``pipeline.types``."""
