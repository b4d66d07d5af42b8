"""Speech with a busy core beside it: the whole `docintel process` command on a recording,
and faster-whisper alone with its model made apart (the engine at its best), each on an
idle machine and with ``--busy N`` processes spinning beside it (what a distributed worker
running one process per core does to an audio task).

    python bench/audio_contention.py [--recordings 2] [--busy 1] [--repeats 2]

Prints the seconds of each (median of the repeats), the docintel/engine ratio idle and busy,
and each one's busy/idle slowdown, side by side; and the engine on one compute thread (its
best with a core busy), whose busy time over the two-thread idle time is the floor any
busy/idle ratio meets on this machine: the free compute is halved.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio import WHISPER_APART  # noqa: E402

from docintel.testkit.audio_samples import build_recording, write_wav  # noqa: E402

SPIN = "while True: pass"


def timed(command: list[str], env: dict[str, str], busy: int) -> float:
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(busy)]
    try:
        time.sleep(0.5 if busy else 0.0)  # the spinners are running
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env, check=True)
        return time.perf_counter() - started
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recordings", type=int, default=2)
    ap.add_argument("--busy", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()

    import numpy as np

    from docintel.config import get_settings
    from docintel.pipeline.audio.whisper import asr_model_path

    folder = Path(tempfile.mkdtemp(prefix="docintel-contention-"))
    samples = np.concatenate([build_recording(s).samples for s in range(args.recordings)])
    path = write_wav(folder / "speech.wav", samples)
    settings = get_settings()
    env = {**os.environ, "DOCINTEL_HOME": str(folder / "home"), "DOCINTEL_BROKER_URL": ""}
    env.pop("DOCINTEL_DATABASE_URL", None)
    env["DOCINTEL_ENGINE"] = "cpu"
    small = folder / "setup.csv"
    small.write_text("sku,qty\nA1,3\n")
    cli = [sys.executable, "-m", "docintel.cli", "process"]
    subprocess.run([*cli, str(small)], capture_output=True, env=env, check=True)
    engine = [
        sys.executable,
        "-c",
        WHISPER_APART,
        str(path),
        asr_model_path(settings),
        settings.asr_compute_type,
        str(settings.asr_beam_size),
    ]
    # The engine on one compute thread: what it does best with a core busy (two threads
    # wait on each other there), so its time busy over its two-thread time idle is the
    # floor of any busy/idle ratio on a two-core machine
    single = list(engine)
    single[2] = WHISPER_APART.replace(
        "compute_type=sys.argv[3])", "compute_type=sys.argv[3], cpu_threads=1)"
    )
    assert single[2] != WHISPER_APART
    runs: dict[tuple[str, int], list[float]] = {}
    for n in range(args.repeats):
        for busy in (0, args.busy):
            runs.setdefault(("engine", busy), []).append(timed(engine, env, busy))
            runs.setdefault(("single", busy), []).append(timed(single, env, busy))
            # other bytes after the data chunk: a new document, not a known one
            copy = folder / f"speech-{n}-{busy}.wav"
            copy.write_bytes(path.read_bytes() + b"\0\0" * (n * 2 + busy + 1))
            runs.setdefault(("docintel", busy), []).append(timed([*cli, str(copy)], env, busy))
    med = {k: statistics.median(v) for k, v in runs.items()}
    seconds = len(samples) / 16000
    print(f"{seconds:.0f} s of speech, {os.cpu_count()} cores, {args.busy} busy process(es), "
          f"median of {args.repeats}")  # fmt: skip
    print(f"{'':28s} {'idle':>8s} {'busy':>8s} {'busy/idle':>10s}")
    rows = (
        ("docintel", "docintel process"),
        ("engine", "faster-whisper, made apart"),
        ("single", "  the same on one thread"),
    )
    for who, label in rows:
        idle, busy = med[(who, 0)], med[(who, args.busy)]
        print(f"{label:28s} {idle:7.1f}s {busy:7.1f}s {busy / idle:9.2f}x")
    best_busy = min(med[("engine", args.busy)], med[("single", args.busy)])
    print(
        f"{'the engine at its best':28s} {med[('engine', 0)]:7.1f}s {best_busy:7.1f}s "
        f"{best_busy / med[('engine', 0)]:9.2f}x   (the floor of busy/idle here)"
    )
    print(
        f"{'ratio docintel / engine':28s} {med[('docintel', 0)] / med[('engine', 0)]:7.2f}x "
        f"{med[('docintel', args.busy)] / med[('engine', args.busy)]:7.2f}x"
    )
    print(
        f"{'  / the engine at its best':28s} {med[('docintel', 0)] / med[('engine', 0)]:7.2f}x "
        f"{med[('docintel', args.busy)] / best_busy:7.2f}x"
    )


if __name__ == "__main__":
    main()
