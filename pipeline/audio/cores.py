"""How many cores are free now: the speech engine's compute threads are chosen from them.
Two CTranslate2 threads on a machine with one core busy wait on each other at every step
(bench/audio_contention.py: 70 s of speech took 1.9 s idle and 5.2 s with one busy core on
two threads; 3.3 s on one thread)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def proc_stat() -> tuple[float, float]:
    """(all CPU time, idle CPU time) since boot, in clock ticks, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [float(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle and iowait
    return sum(fields[:8]), idle


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def free_cores(
    cores: int | None = None,
    sample_s: float = 0.1,
    read: Callable[[], tuple[float, float]] = proc_stat,
    wait: Callable[[float], None] = time.sleep,
) -> int:
    """The cores of this process's that were idle over ``sample_s``, at least one; all of
    them where the machine does not say (no /proc)."""
    cores = cores or usable_cores()
    try:
        total0, idle0 = read()
        wait(sample_s)
        total1, idle1 = read()
    except (OSError, ValueError, IndexError):
        return cores
    spent = total1 - total0
    if spent <= 0:
        return cores
    busy = (1.0 - (idle1 - idle0) / spent) * (os.cpu_count() or cores)
    return max(1, min(cores, round(cores - busy)))
