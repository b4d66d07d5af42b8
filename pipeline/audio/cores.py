"""How many cores are free now: the speech engine's compute threads are chosen from them.
Two CTranslate2 threads on a machine with one core busy wait on each other at every step
(bench/audio_contention.py: 70 s of speech took 1.9 s idle and 5.2 s with one busy core on
two threads; 3.3 s on one thread)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence


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


def thread_ticks(native_id: int) -> float:
    """CPU time (user and system, clock ticks) a thread of this process has used, from
    /proc/self/task; 0 where the thread has ended or there is no /proc."""
    try:
        with open(f"/proc/self/task/{native_id}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return float(fields[11]) + float(fields[12])  # utime, stime: the stat's 14th and 15th


def free_cores(
    cores: int | None = None,
    sample_s: float = 0.1,
    read: Callable[[], tuple[float, float]] = proc_stat,
    wait: Callable[[float], None] = time.sleep,
    beside: Sequence[int] = (),
    ticks: Callable[[int], float] = thread_ticks,
) -> int:
    """The cores of this process's that were idle over ``sample_s``, at least one; all of
    them where the machine does not say (no /proc). ``beside``: threads of this process
    (native ids) whose work is not counted as a core taken: work of the recording's own
    that ends before its speech is heard (the agent's models loading meanwhile); the cores
    are sampled once more where one of them ended within the sample."""
    cores = cores or usable_cores()
    beside = list(beside)
    for _ in range(2):
        try:
            total0, idle0 = read()
            own0 = [ticks(t) for t in beside]
            wait(sample_s)
            total1, idle1 = read()
            own1 = [ticks(t) for t in beside]
        except (OSError, ValueError, IndexError):
            return cores
        # A thread that ended within the sample has no ticks to read at its end: its work
        # in the sample would count as another process's (the warm-up ending as the model
        # was made: the speech was heard on one thread, 12.7 s where 9.2 s on two). It has
        # ended, so the cores are sampled again without it.
        ended = {t for t, a, b in zip(beside, own0, own1, strict=True) if b < a}
        if not ended:
            break
        beside = [t for t in beside if t not in ended]
    spent = total1 - total0
    if spent <= 0:
        return cores
    own = sum(max(0.0, b - a) for a, b in zip(own0, own1, strict=True))
    taken = max(0.0, spent - (idle1 - idle0) - own)
    busy = taken / spent * (os.cpu_count() or cores)
    return max(1, min(cores, round(cores - busy)))
