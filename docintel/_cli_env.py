"""What the `docintel` command sets in its own environment before anything is imported.

pydantic looks for plugins in the entry points of every installed distribution the first
time a model class is made: ~50 ms of a 0.5 s command on a CSV (issue 32), for plugins the
command never uses. The command turns that search off unless the person running it set
``PYDANTIC_DISABLE_PLUGINS`` themselves (to an empty value, to load every plugin again).
Importing ``docintel`` as a library changes nothing: only the command imports this.

As the interpreter exits, it clears every module and has the cyclic garbage collector walk,
and free, every object left: SQLAlchemy's, pydantic's, typer's, some 100,000 of them, ~0.1 s
of a 0.6 s command on a CSV (issue 32), to hand memory back to a process that is ending. The
command freezes them instead when it ends (``gc.freeze``: the collector leaves them alone),
after the other exit handlers. What the exit did and does the same: the output flushed, the
exit handlers run (logging's, ``weakref.finalize``'s), objects no cycle holds freed as their
modules are cleared; only a cycle's ``__del__`` is not called at exit (Python never promised
that it would be).

While the command's modules are imported the collector is off (what an import makes lives as
long as the process: collecting then finds nothing), and ``imported()`` freezes what they made
and turns it on again with a young generation of 10,000 objects, not 700: the commands import
most of their modules as they run (SQLAlchemy, the schema, the pipeline), and each of those
imports made the collector walk everything made so far, again and again. On a CSV: 235
collections, ~45 ms, before; 9, ~13 ms, after. Cyclic garbage is still collected, after
10,000 allocations instead of 700.
"""

from __future__ import annotations

import atexit
import gc
import os

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
# Exit handlers run last registered first: this one, registered as the command's module is
# imported, runs after those of what the command imports as it runs.
atexit.register(gc.freeze)
gc.disable()  # until imported()


def imported() -> None:
    """The command's modules are imported (docintel/cli.py calls this last)."""
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])
    gc.enable()
