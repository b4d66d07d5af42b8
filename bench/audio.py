"""Speech: WER of the stitched transcript, real-time factor, and naive concatenation versus
stitching on the same windows.

    python bench/audio.py [--recordings 2] [--engine cpu|gemma|all] [--model DIR] [--whole]
        [--repeats 3]

Recordings are espeak-ng speech of known text, over two minutes each, with silences and a
sentence across a window boundary (docintel.audio_samples). ``--whole`` also times, on the
recordings joined into one file, the whole `docintel process` command on the CPU engine
(in a copy of a home already set up) against a whole faster-whisper command (same model
folder, compute type and beam size, its own VAD filter); that command again with the
model made by a thread of its own, as docintel makes it (the engine at its best on this
machine); and that one followed by the transcript's named entities with the same spaCy
model (like with like). Each is a fresh process, ``--repeats`` interleaved runs: the
median seconds, their ratios (the fair one first) and the WER.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jiwer  # noqa: E402
from common import ENTITIES, engines_to_run  # noqa: E402

from docintel.testkit.audio_samples import build_recording, write_wav  # noqa: E402


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def run(engine: str, recordings, folder: Path) -> None:  # type: ignore[no-untyped-def]
    from docintel.config import get_settings
    from docintel.models.runtime import resolve_engine
    from docintel.pipeline.audio.asr import transcribe
    from docintel.pipeline.audio.signal import decode, plan_windows, stitch
    from docintel.pipeline.types import Segment

    os.environ["DOCINTEL_ENGINE"] = engine
    get_settings.cache_clear()
    settings = get_settings()
    chosen = resolve_engine(settings.engine_config())
    truths, stitched_all, naive_all = [], [], []
    audio_s = compute_s = 0.0
    for i, rec in enumerate(recordings):
        path = write_wav(folder / f"rec-{i}.wav", rec.samples)
        windows, _ = plan_windows(
            decode(path),
            settings.audio_window_s,
            settings.audio_overlap_s,
            min_silence_s=settings.audio_min_silence_s,
        )
        started = time.perf_counter()
        spans = [Segment(w.index, w.start_s, w.end_s) for w in windows]
        rows = [heard.segment for heard in transcribe(path, spans, settings, chosen)]
        compute_s += time.perf_counter() - started
        audio_s += rec.seconds
        raw = [r.timings["raw_text"] or "" for r in rows]
        overlaps = [
            max(0.0, a.end_s - b.start_s) for a, b in zip(windows, windows[1:], strict=False)
        ]
        truths.append(norm(rec.transcript))
        naive_all.append(norm(" ".join(raw)))
        stitched_all.append(norm(" ".join(stitch(raw, overlaps))))
    wer_stitched = jiwer.wer(truths, stitched_all)
    wer_naive = jiwer.wer(truths, naive_all)
    print(
        f"\nengine {engine} ({rows[0].model if rows else '?'}): {len(recordings)} "
        f"recordings, {audio_s:.0f} s of audio"
    )
    print(f"  WER, stitched transcript          {wer_stitched:.4f}")
    print(f"  WER, naive concatenation          {wer_naive:.4f}   (same windows)")
    print(
        f"  real-time factor                  {compute_s / audio_s:.4f}   "
        f"({compute_s:.1f} s compute; windows decoded and transcribed)"
    )


# Given the samples, not the path: faster-whisper opens a path with an argument PyAV 19
# dropped (bench/samples16k.py decodes it, as the pipeline does).
WHISPER = (
    f"import sys\nsys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
    "from faster_whisper import WhisperModel\nfrom samples16k import load_16k\n"
    "model = WhisperModel(sys.argv[2], device='cpu', compute_type=sys.argv[3])\n"
    "segments, _ = model.transcribe(load_16k(sys.argv[1]), beam_size=int(sys.argv[4]),"
    " vad_filter=True)\n"
    "print(' '.join(s.text.strip() for s in segments))\n"
)
# The same command with the model made by a thread of its own, as docintel makes it:
# CTranslate2 starts its compute threads from the thread that makes the model (see
# docintel.pipeline.audio.whisper._whisper). This is the engine at its best here.
WHISPER_APART = WHISPER.replace(
    "model = WhisperModel(sys.argv[2], device='cpu', compute_type=sys.argv[3])\n",
    "import threading\nbox = {}\n"
    "t = threading.Thread(target=lambda: box.update(m=WhisperModel(sys.argv[2], "
    "device='cpu', compute_type=sys.argv[3])))\nt.start(); t.join(); model = box['m']\n",
)


# Like with like: that command, then what docintel does with a recording's words beside
# hearing them: the named entities of the transcript, with the same spaCy model
# (``common.ENTITIES``), loaded after the speech is heard (loaded beside it, the load takes
# the speech engine's second core).
WHISPER_ENTITIES = WHISPER_APART.replace(
    "print(' '.join(s.text.strip() for s in segments))\n",
    "text = ' '.join(s.text.strip() for s in segments)\n"
    + ENTITIES
    + "\nentities([text])\nprint(text)\n",
)


def whole_commands(recordings, folder: Path, repeats: int = 3) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import statistics

    import numpy as np

    from docintel.config import get_settings
    from docintel.pipeline.audio.whisper import asr_model_path

    settings = get_settings()
    joined = np.concatenate([r.samples for r in recordings])
    path = write_wav(folder / "joined.wav", joined)
    truth = norm(" ".join(r.transcript for r in recordings))
    seconds = len(joined) / 16000
    set_up = folder / "home-set-up"
    env = {**os.environ, "DOCINTEL_HOME": str(set_up), "DOCINTEL_BROKER_URL": ""}
    env.pop("DOCINTEL_DATABASE_URL", None)
    env["DOCINTEL_ENGINE"] = "cpu"
    # The home is set up first (a new one migrates its database once), and each run gets a
    # copy of it (the same recording in the same home would answer from the first run):
    # every later command is what is measured.
    small = folder / "setup.csv"
    small.write_text("sku,qty\nA1,3\n")
    setup = [sys.executable, "-m", "docintel.cli", "process", str(small)]
    subprocess.run(setup, capture_output=True, env=env, check=True)
    model = asr_model_path(settings)
    scripts = (("plain", WHISPER), ("apart", WHISPER_APART), ("entities", WHISPER_ENTITIES))
    times: dict[str, list[float]] = {"docintel": [], **{name: [] for name, _ in scripts}}
    texts: dict[str, str] = {}
    for _ in range(repeats):  # interleaved: the machine's load falls on each alike
        home = folder / "home"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(set_up, home)
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "docintel.cli", "process", "--json", str(path)],
            capture_output=True,
            text=True,
            env={**env, "DOCINTEL_HOME": str(home)},
            check=True,
        )
        times["docintel"].append(time.perf_counter() - started)
        segments = json.loads(out.stdout)["segments"]
        texts["docintel"] = norm(" ".join(seg["text"] or "" for seg in segments))
        for name, script in scripts:
            argv = [sys.executable, "-c", script, str(path), model]
            argv += [settings.asr_compute_type, str(settings.asr_beam_size)]
            started = time.perf_counter()
            out = subprocess.run(argv, capture_output=True, text=True, check=True)
            times[name].append(time.perf_counter() - started)
            texts[name] = norm(out.stdout)
    took = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"\nwhole commands on one {seconds:.0f} s recording (beam {settings.asr_beam_size}), "
        f"{repeats} interleaved runs, medians"
    )
    apart_ratio = took["docintel"] / took["apart"]
    print(
        f"  ratio docintel / apart   {apart_ratio:6.2f}x time (the engine at its best; goal 1.1x)"
    )
    like = took["docintel"] / took["entities"]
    print(f"  ratio docintel / like    {like:6.2f}x time (the engine at its best, + the entities)")
    print(f"  ratio docintel / bare    {took['docintel'] / took['plain']:6.2f}x time")
    labels = (
        ("docintel", "docintel process (cpu)"),
        ("plain", "faster-whisper alone"),
        ("apart", "  model made apart"),
        ("entities", "  + the same entities"),
    )
    for name, label in labels:
        print(
            f"  {label:22s}   {took[name]:6.1f} s (least {min(times[name]):5.1f})   "
            f"WER {jiwer.wer(truth, texts[name]):.4f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recordings", type=int, default=2)
    ap.add_argument("--engine", default="all")
    ap.add_argument("--model", default="")
    ap.add_argument("--whole", action="store_true", help="also time the whole commands")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved runs of the commands")
    args = ap.parse_args()
    if args.model:
        os.environ["DOCINTEL_MODEL"] = args.model

    recordings = [build_recording(seed) for seed in range(args.recordings)]
    folder = Path(tempfile.mkdtemp(prefix="docintel-audio-"))
    for engine in engines_to_run(args.engine):
        run(engine, recordings, folder)
    if args.whole:
        whole_commands(recordings, folder, args.repeats)


if __name__ == "__main__":
    main()
