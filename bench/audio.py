"""Speech: WER of the stitched transcript, real-time factor, and naive concatenation versus
stitching on the same windows.

    python bench/audio.py [--recordings 2] [--engine cpu|gemma|all] [--model DIR]

Recordings are espeak-ng speech of known text, over two minutes each, with silences and a
sentence across a window boundary (docintel.audio_samples).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jiwer  # noqa: E402
from common import engines_to_run  # noqa: E402

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recordings", type=int, default=2)
    ap.add_argument("--engine", default="all")
    ap.add_argument("--model", default="")
    args = ap.parse_args()
    if args.model:
        os.environ["DOCINTEL_MODEL"] = args.model

    recordings = [build_recording(seed) for seed in range(args.recordings)]
    folder = Path(tempfile.mkdtemp(prefix="docintel-audio-"))
    for engine in engines_to_run(args.engine):
        run(engine, recordings, folder)


if __name__ == "__main__":
    main()
