"""Settings, at the ground floor: every ``DOCINTEL_*`` variable, grouped by concern. Imports
nothing of ours; every other layer reads it."""

from docintel.config.engine import EngineConfig
from docintel.config.secrets import mask, redact_text, redact_url
from docintel.config.settings import Settings, get_settings, settings_table

__all__ = [
    "EngineConfig",
    "Settings",
    "get_settings",
    "mask",
    "redact_text",
    "redact_url",
    "settings_table",
]
