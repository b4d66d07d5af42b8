"""All settings, in one place.

Every field is read from a ``DOCINTEL_<NAME>`` environment variable (or a ``.env`` file).
The defaults give the embedded mode: a SQLite file under ``DOCINTEL_HOME`` and in-process
execution, so nothing needs configuring on a bare machine. Setting ``DOCINTEL_BROKER_URL``
to a ``redis://`` URL (and usually ``DOCINTEL_DATABASE_URL`` to PostgreSQL) switches to the
distributed mode.

This is the ground floor: every layer reads it, and it imports nothing of ours but the model
runtime's view of it (``docintel.config.engine``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from docintel.config.engine import EngineConfig
from docintel.config.groups import (  # noqa: F401  (re-exported)
    Documents,
    Engine,
    Flower,
    MailIn,
    Places,
    Precision,
    Queue,
    ThinkingPolicy,
    Watching,
    WebApi,
)
from docintel.config.reading import Agent, Audio, Models


class Settings(
    Agent, Audio, WebApi, Flower, Models, Documents, MailIn, Watching, Queue, Places, BaseSettings
):
    """Every setting, read from ``DOCINTEL_<NAME>`` (or ``.env``); the fields are in
    ``groups.py``, by concern, listed here last group first so that they keep their order
    (pydantic collects a model's fields from its bases in reverse)."""

    model_config = SettingsConfigDict(env_prefix="DOCINTEL_", env_file=".env", extra="ignore")

    def engine_config(self) -> EngineConfig:
        """The model runtime's view of these settings."""
        return EngineConfig(
            engine=self.engine,
            model=self.model,
            precision=self.precision,
            device=self.device,
            attn_implementation=self.attn_implementation,
            allow_download=self.allow_download,
            thinking=self.thinking,
            max_new_tokens=self.max_new_tokens,
            batch_size=self.batch_size,
            decode=self.decode,
            static_cache_len=self.static_cache_len,
            compile_backend=self.compile_backend,
            model_service=self.model_service,
            batch_window_ms=self.batch_window_ms,
            max_batch=self.max_batch,
            openai_base_url=self.openai_base_url,
            openai_api_key=self.openai_api_key,
            openai_model=self.openai_model,
            openai_timeout=self.openai_timeout,
            openai_concurrency=self.openai_concurrency,
            openai_server=self.openai_server,
            openai_extra_body=self.openai_extra_body,
        )

    @property
    def distributed(self) -> bool:
        return bool(self.broker_url)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'docintel.db').resolve()}"

    @property
    def inbox_dir(self) -> Path:
        return self.inbox or self.home / "inbox"

    @property
    def archive_dir(self) -> Path:
        return self.archive or self.home / "archive"

    @property
    def duplicates_dir(self) -> Path:
        return self.duplicates or self.home / "duplicates"

    @property
    def profiles_dir(self) -> Path:
        return self.profiles or self.home / "profiles"

    @property
    def mail_rules_dir(self) -> Path:
        return self.mail_rules or self.home / "mail-rules"

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache or default_model_cache()

    @property
    def backend_url(self) -> str:
        return self.result_backend or self.broker_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def default_model_cache() -> Path:
    """$XDG_CACHE_HOME/docintel, else ~/.cache/docintel: shared by every home of a user."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "docintel"


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, default, description) of every setting, for the README and `docintel config`."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        rows.append(
            (
                f"DOCINTEL_{name.upper()}",
                "" if default is None else str(default),
                field.description or "",
            )
        )
    return rows
