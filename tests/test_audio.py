"""Audio: espeak-ng speech of known content, joined into a recording over two minutes with
silences and a sentence across a window boundary."""

from __future__ import annotations

import re

import jiwer
import numpy as np
import pytest
from typer.testing import CliRunner

from docintel.config import get_settings
from docintel.pipeline.audio.signal import monotonic_words, plan_windows, speech_spans, stitch
from docintel.testkit.audio_samples import RATE, build_recording, paused_recording, write_wav
from tests.helpers import forcing, process

# Measured on this machine with faster-whisper tiny.en (int8) on espeak-ng speech: WER of
# the stitched transcript 0.063 (seed 0). The bar leaves room for other builds.
WER_BAR = 0.15


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


@pytest.fixture(scope="module")
def recording():
    return build_recording(0)


def test_windows_cut_quietly_skip_silence_and_ignore_loudness(recording):
    windows, skipped = plan_windows(recording.samples)
    assert all(w.end_s - w.start_s <= 28.0 + 1e-6 for w in windows)
    # every planted silence of 3 s or more is skipped, not transcribed
    for a, b in recording.silences:
        if b - a >= 3:
            assert any(s <= a + 0.5 and e >= b - 0.5 for s, e in skipped), (a, b, skipped)
    # one span is longer than 28 s: it is cut once, with a 1 s overlap
    overlapping = [
        (x, y) for x, y in zip(windows, windows[1:], strict=False) if y.start_s < x.end_s
    ]
    assert (
        len(overlapping) == 1
        and abs(overlapping[0][0].end_s - overlapping[0][1].start_s - 1.0) < 1e-6
    )
    # the same recording 40 dB quieter is judged the same: the measure is relative
    quiet, _ = plan_windows(recording.samples * 0.01)
    assert [(w.start_s, w.end_s) for w in quiet] == [(w.start_s, w.end_s) for w in windows]


def test_speech_spans_find_nothing_in_noise():
    noise = np.random.default_rng(0).normal(0, 0.001, RATE * 10).astype("float32")
    spans = speech_spans(noise)
    assert sum(b - a for a, b in spans) < 5  # noise is not mistaken for wall-to-wall speech


def test_stitch_aligns_words_not_times():
    texts = [
        "we checked the boxes and the supplier confirmed",
        "supplier confirmed the revised terms today",
        "hello again",
    ]
    assert stitch(texts, [1.0, 0.0]) == [texts[0], "the revised terms today", "hello again"]
    assert stitch(["and then the", "the invoice was paid"], [1.0])[1] == "the invoice was paid"
    assert stitch(["a cut off wor", "word that was cut"], [1.0])[1] == "word that was cut"


def test_word_times_never_run_backwards():
    """Whisper's timed segments can start before the previous one ended (seen in CI: a
    word at 22.03 s followed by one at 21.73 s); a player and captions need them in order."""
    words = [["one", 21.2, 21.5, None], ["two", 22.0, 22.1, None], ["three", 21.7, 21.9, 0.9]]
    assert monotonic_words(words) == [
        ["one", 21.2, 21.5, None],
        ["two", 22.0, 22.1, None],
        ["three", 22.0, 22.0, 0.9],
    ]
    assert monotonic_words([["late", 1.0, 2.0]], floor=1.5) == [["late", 1.5, 2.0]]


def test_words_go_to_the_window_they_were_said_in_and_none_into_a_pause():
    """One pass over a batch's speech: a sentence whisper timed across a pause has no word
    inside the pause, each word lands in one window, and a phrase said on both sides of an
    overlap is kept twice (the stitching removes nothing from windows split by time)."""
    from docintel.pipeline.audio.whisper import spread_words, words_by_window
    from docintel.pipeline.merge import stitch_segments
    from docintel.pipeline.types import Segment

    words = spread_words("the final report was late", 10.0, 16.0, [(10.0, 12.0), (14.0, 16.0)])
    assert [w[0] for w in words] == "the final report was late".split()
    assert not [w for w in words if 12.0 < (w[1] + w[2]) / 2 < 14.0]
    assert words[0][1] == 10.0 and words[-1][2] == 16.0
    windows = [Segment(0, 0.0, 12.5), Segment(1, 11.5, 20.0)]
    said = words_by_window(spread_words("we read the final report", 0.0, 11.9, []) + words, windows)
    assert [w[0] for w in said[0]] == "we read the final report the final".split()
    assert [w[0] for w in said[1]] == ["report", "was", "late"]
    for w in windows:
        w.words = said[w.window]
        w.timings = {"raw_text": " ".join(x[0] for x in w.words), "split_by_time": True}
    stitched = stitch_segments(windows)
    assert (
        " ".join(w.text for w in stitched) == "we read the final report the final report was late"
    )


def test_long_recording_on_the_cpu_engine(embedded, recording, tmp_path):
    from scipy.signal import resample_poly

    stereo = np.stack([resample_poly(recording.samples, 441, 160)] * 2, axis=1)
    path = write_wav(tmp_path / "meeting.wav", stereo * 0.8, 44_100)  # 44.1 kHz stereo in
    result = process(path, embedded)
    doc = result["document"]
    assert doc["status"] == "done", doc["error"]
    assert abs(doc["duration_s"] - recording.seconds) < 0.1
    segments = result["segments"]
    spoken = [s for s in segments if not s["skipped"]]
    assert {s["engine"] for s in spoken} == {"whisper"}
    starts = [s["start_s"] for s in segments]
    assert starts == sorted(starts) and all(s["end_s"] > s["start_s"] for s in segments)
    skipped = [s for s in segments if s["skipped"]]
    assert len(skipped) >= 4 and all(s["text"] is None for s in skipped)
    stitched = norm(" ".join(s["text"] for s in spoken))
    wer = jiwer.wer(norm(recording.transcript), stitched)
    assert wer < WER_BAR, wer
    key = norm(recording.straddle)
    found = stitched.count(" ".join(key.split()[-6:]))
    assert found == 1, "the sentence across the window boundary must appear exactly once"
    from sqlalchemy import select

    from docintel.store.db import session_scope
    from docintel.store.schema import AudioSegment

    with session_scope(embedded.db_url) as s:
        raw = [
            t["raw_text"]
            for t in s.scalars(
                select(AudioSegment.timings)
                .where(AudioSegment.skipped.is_(False))
                .order_by(AudioSegment.start_s)
            )
        ]
    naive = norm(" ".join(raw))  # the windows concatenated, overlap and all
    assert jiwer.wer(norm(recording.transcript), naive) >= wer
    assert "[00:" in result["markdown"]  # the timed transcript is the document's text


@pytest.mark.parametrize("seed", [3, 7])
def test_pauses_inside_sentences_cost_no_accuracy_against_the_bare_engine(embedded, tmp_path, seed):
    """Sentences with pauses of 0.3-3 s, some broken by a pause: the pipeline's transcript
    is at least as accurate as faster-whisper run bare on the whole file (same model, beam
    5), within half a point of WER; and its words carry timestamps in recording time. Seed
    7 was 4 points worse when each window was decoded on its own."""
    import soundfile
    from faster_whisper import WhisperModel

    from docintel.pipeline.audio.whisper import asr_model_path

    rec = paused_recording(seed)
    path = write_wav(tmp_path / "call.wav", rec.samples)
    result = process(path, embedded)
    assert result["document"]["status"] == "done", result["document"]["error"]
    spoken = [s for s in result["segments"] if not s["skipped"]]
    ours = jiwer.wer(norm(rec.transcript), norm(" ".join(s["text"] for s in spoken)))
    model = WhisperModel(asr_model_path(embedded), device="cpu", compute_type="int8")
    # the file's samples, as faster-whisper's own decoder would give them (16-bit PCM scaled
    # to [-1, 1]): given a path, faster-whisper 1.2.1 calls av.open(metadata_errors=...),
    # which PyAV 19 (a fresh install's, on 3.12 and 3.13) no longer takes
    samples, rate = soundfile.read(path, dtype="float32")
    assert rate == 16_000
    bare_segments, _ = model.transcribe(samples, beam_size=5)
    bare = jiwer.wer(norm(rec.transcript), norm(" ".join(s.text for s in bare_segments)))
    assert ours <= bare + 0.005, (ours, bare)
    assert len(spoken) < len(rec.silences) / 2  # windows are packed, not one per sentence
    words = [w for s in spoken for w in s["words"]]
    assert len(words) == sum(len(s["text"].split()) for s in spoken)
    assert all(a <= b for _, a, b, _ in words) and words[-1][2] <= rec.seconds + 0.5
    starts = [a for _, a, _, _ in words]
    assert starts == sorted(starts)


def test_transcript_as_srt_vtt_and_text(embedded, tmp_path):
    from docintel.cli import app

    rec = paused_recording(4, sentences=4)
    process(write_wav(tmp_path / "memo.wav", rec.samples), embedded)
    runner = CliRunner()
    srt = runner.invoke(app, ["show", "memo.wav", "--format", "srt"])
    assert srt.exit_code == 0, srt.output
    blocks = srt.stdout.strip().split("\n\n")
    assert blocks[0].startswith("1\n00:00:0") and " --> " in blocks[0]
    vtt = runner.invoke(app, ["show", "memo.wav", "--format", "vtt"]).stdout
    assert vtt.startswith("WEBVTT\n\n") and "." in vtt.split("\n")[2].split(" --> ")[0]
    txt = runner.invoke(app, ["show", "memo.wav", "--format", "txt"]).stdout
    assert norm(txt) == norm(" ".join(b.split("\n", 2)[2] for b in blocks))
    assert jiwer.wer(norm(rec.transcript), norm(txt)) < 0.3
    bad = runner.invoke(app, ["show", "memo.wav", "--format", "doc"])
    assert bad.exit_code == 2


@pytest.mark.parametrize(
    "payload, needle",
    [
        (
            b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80>\x00"
            b"\x00\x00}\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00",
            "holds no audio",
        ),
        (b"RIFF\x00\x00\x00\x00WAVE" + bytes(range(256)) * 8, "could not be decoded"),
    ],
    ids=["empty", "unreadable"],
)
def test_empty_and_unreadable_audio_fail_with_a_reason(embedded, tmp_path, payload, needle):
    path = tmp_path / "voice.wav"
    path.write_bytes(payload)
    result = process(path, embedded)
    assert result["document"]["status"] == "failed"
    assert needle in result["document"]["error"]


def test_a_folder_that_is_no_speech_model_fails_the_recording_with_what_to_set(
    embedded, tmp_path, monkeypatch
):
    """DOCINTEL_ASR_MODEL naming a folder without a model: the recording fails at once (no
    retries of a setting that cannot fix itself) with the folder and the setting named."""
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    monkeypatch.setenv("DOCINTEL_ASR_MODEL", str(empty))
    get_settings.cache_clear()
    rec = build_recording(1)
    path = write_wav(tmp_path / "memo.wav", rec.samples[: 8 * RATE])
    result = process(path, get_settings())
    doc = result["document"]
    assert doc["status"] == "failed"
    assert str(empty) in doc["error"] and "DOCINTEL_ASR_MODEL" in doc["error"]
    assert doc["attempts"] == 1


def test_the_speech_model_is_made_by_a_thread_of_its_own_and_once(embedded):
    """CTranslate2 starts its compute threads from the thread that makes the model; made by
    the asking thread they shared one core here (bench/audio.py --whole), so the model is
    made by a thread of its own (what that thread raises is raised to the asker), and made
    once for two threads that ask together (`docintel up` works in two)."""
    import threading

    from docintel.pipeline.audio.whisper import _whisper, made_apart, whisper_model

    assert made_apart(lambda: threading.current_thread().name) == "docintel-speech-model-load"
    assert made_apart(threading.get_ident) != threading.get_ident()
    with pytest.raises(KeyError, match="no model"):
        made_apart(lambda: {}["no model"])

    _whisper.cache_clear()
    models: list[object] = []
    pinned = embedded.model_copy(update={"asr_threads": 1})  # not the free cores of the moment
    askers = [
        threading.Thread(target=lambda: models.append(whisper_model(pinned))) for _ in range(2)
    ]
    for t in askers:
        t.start()
    for t in askers:
        t.join()
    assert len(models) == 2 and models[0] is models[1]
    assert _whisper.cache_info().misses == 1


def test_tiny_gemma_windows_batching_translation_and_stitching(
    embedded, tiny_model, recording, tmp_path, monkeypatch
):
    monkeypatch.setenv("DOCINTEL_ENGINE", "gemma")
    monkeypatch.setenv("DOCINTEL_MODEL", str(tiny_model))
    monkeypatch.setenv("DOCINTEL_BATCH_SIZE", "4")
    monkeypatch.setenv("DOCINTEL_AUDIO_TASK", "translate")
    monkeypatch.setenv("DOCINTEL_AUDIO_LANGUAGE", "de")
    monkeypatch.setenv("DOCINTEL_TRANSLATE_TO", "en")
    get_settings.cache_clear()
    path = write_wav(tmp_path / "de.wav", recording.samples)
    from docintel.pipeline.route import route_file

    planned = [s for s in route_file(path, get_settings()).segments if not s.skipped]
    pair = next((x, y) for x, y in zip(planned, planned[1:], strict=False) if y.start_s < x.end_s)
    first, second = pair[0].window, pair[1].window
    engine = forcing(
        get_settings(),
        {
            f"audio:window:{first}": "wir zählen die kisten heute\nEnglish: we count the "
            "boxes today",
            f"audio:window:{second}": "die kisten heute und morgen\nEnglish: the boxes today and "
            "tomorrow",
        },
        forced_tokens=60,
        free_tokens=3,
    )
    result = process(path, get_settings(), engine)
    assert result["document"]["status"] == "done", result["document"]["error"]
    batches = [len(b) for b in engine.batches if (b[0].tag or "").startswith("audio:")]
    assert batches == [4, 1]  # five windows, DOCINTEL_BATCH_SIZE=4
    seen = {int(r.tag.rsplit(":", 1)[1]): r for r in engine.requests if r.tag.startswith("audio:")}
    prompt = seen[first].text
    assert "speech segment in German" in prompt and "translate it into English" in prompt
    audio_part = seen[first].parts[0]
    assert abs(audio_part.seconds - (pair[0].end_s - pair[0].start_s)) < 0.05
    by_window = {s["window"]: s for s in result["segments"]}
    a, b = by_window[first], by_window[second]
    assert a["text"] == "wir zählen die kisten heute"
    assert a["translation"] == "we count the boxes today"
    assert b["text"] == "und morgen"  # "die kisten heute" was said in the overlap
    assert b["translation"] == "and tomorrow"
    assert a["engine"] == "gemma" and a["language"] == "de"
    audio_events = [e for e in result["audit"] if e["step"].startswith("audio:")]
    assert len(audio_events) == 5 and all(e["prompt_tokens"] > 0 for e in audio_events)


MENU = (
    "If you know the extension of the person you are calling, you may dial it at any time. "
    "For the sales department, press one. For technical support, press two. "
    "To repeat this menu, press nine."
)


def test_context_never_deletes_a_sentence_said_again(embedded):
    """A voice menu says its prompt, pauses, and says it again: decoded with the text said
    before it as the prompt, the real engine skips the repeat (17 of 52 words); the
    pipeline's decode keeps it."""
    from docintel.pipeline.audio.whisper import decode_speech, whisper_model
    from docintel.testkit.audio_samples import speak

    pause = np.zeros(int(0.8 * RATE), dtype=np.float32)
    later = "Please stay on the line and your call will be answered in the order it was received."
    samples = np.concatenate([speak(MENU), pause, speak(later), pause]).astype(np.float32)
    settings = get_settings()
    words, _ = decode_speech(
        whisper_model(settings), samples, settings, None, MENU, [(0.0, len(samples) / RATE)]
    )
    heard = norm(" ".join(w[0] for w in words))
    assert "for the sales department press one" in heard
    # the sentence said again is there (its words, not an exact phrase: the engine's
    # floating point varies with its thread count, "in the order" or "in order")
    assert {"line", "answered", "order", "received"} <= set(heard.split())
    assert len(heard.split()) >= 0.8 * len(norm(MENU + " " + later).split())


def test_speech_threads_are_the_cores_free_now():
    """Two compute threads with one core busy waited on each other (2.7x slower,
    bench/audio_contention.py): the engine takes the cores idle as a recording starts."""
    from docintel.pipeline.audio.cores import free_cores

    def machine(*samples: tuple[float, float]):  # (all ticks, idle ticks) as /proc/stat says
        it = iter(samples)
        return lambda: next(it)

    def free(busy_share: float) -> int:
        read = machine((1000.0, 500.0), (1200.0, 500.0 + 200.0 * (1 - busy_share)))
        return free_cores(cores=2, read=read, wait=lambda s: None)

    import os

    if (os.cpu_count() or 2) == 2:
        assert free(0.0) == 2  # idle: both cores
        assert free(0.5) == 1  # one core busy: one thread
    assert free(1.0) == 1  # never fewer than one

    def unreadable() -> tuple[float, float]:
        raise OSError("no /proc here")

    assert free_cores(cores=2, read=unreadable, wait=lambda s: None) == 2


def test_the_agents_models_loading_beside_a_recording_leave_its_cores_free(monkeypatch):
    """The recording's own warm-up (the agent's models loading, done before the speech is
    heard) takes a core while the speech model is made: its work is not counted as a core
    taken, another process's is."""
    import threading

    from docintel.pipeline.audio import cores
    from docintel.pipeline.audio.cores import free_cores, thread_ticks

    monkeypatch.setattr(cores.os, "cpu_count", lambda: 2)  # the arithmetic below is 2 cores'
    samples = iter([(1000.0, 500.0), (1200.0, 600.0)])  # one core's worth busy
    own = iter([40.0, 140.0])  # ... all of it the warm-up thread's

    def read() -> tuple[float, float]:
        return next(samples)

    def warm(_id: int) -> float:
        return next(own)

    assert free_cores(cores=2, read=read, wait=lambda s: None, beside=[7], ticks=warm) == 2
    samples = iter([(1000.0, 500.0), (1200.0, 600.0)])
    assert free_cores(cores=2, read=read, wait=lambda s: None) == 1  # another process's
    # a live thread's ticks are read from /proc, an ended one's are none
    spin = threading.Event()

    def busy() -> None:
        while not spin.is_set():
            pass

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        before = thread_ticks(worker.native_id or 0)
        threading.Event().wait(0.3)
        assert thread_ticks(worker.native_id or 0) > before
    finally:
        spin.set()
        worker.join()
    assert thread_ticks(2**30) == 0.0
    assert cores.usable_cores() >= 1


def test_a_warm_up_ending_within_the_sample_leaves_the_cores_free(monkeypatch):
    """The warm-up's thread ended while the cores were sampled: its ticks could no longer be
    read, its work counted as another process's, and the speech was heard on one thread
    (12.7 s where 9.2 s on two). The cores are sampled again without it."""
    from docintel.pipeline.audio import cores
    from docintel.pipeline.audio.cores import free_cores

    monkeypatch.setattr(cores.os, "cpu_count", lambda: 2)
    # the first sample: one core's worth busy, the warm-up's, which ends within it; the
    # second: both cores idle
    samples = iter([(1000.0, 500.0), (1200.0, 600.0), (1200.0, 600.0), (1400.0, 800.0)])
    warm_up = iter([40.0, 0.0])  # /proc has no ticks for an ended thread
    waits: list[float] = []

    def read() -> tuple[float, float]:
        return next(samples)

    def ticks(_id: int) -> float:
        return next(warm_up)

    free = free_cores(cores=2, read=read, wait=waits.append, beside=[7], ticks=ticks)
    assert free == 2 and len(waits) == 2
