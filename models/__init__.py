"""The model runtime: everything that talks to a model (Gemma 4 through transformers, an
OpenAI-compatible server, embeddings), behind one ``Engine`` interface. Imports only
``docintel.config``."""
