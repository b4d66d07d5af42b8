"""What the `docintel` command sets in its own environment before anything is imported.

pydantic looks for plugins in the entry points of every installed distribution the first
time a model class is made: ~50 ms of a 0.5 s command on a CSV (issue 32), for plugins the
command never uses. The command turns that search off unless the person running it set
``PYDANTIC_DISABLE_PLUGINS`` themselves (to an empty value, to load every plugin again).
Importing ``docintel`` as a library changes nothing: only the command imports this.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
