"""The real-set scorer's recordings class (bench/fidelity_speech.py), on strings and a small
WAV: no model is loaded."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import fidelity_speech as fsp  # noqa: E402
from samples16k import load_16k  # noqa: E402


def test_reference_and_transcripts_are_normalised_alike():
    reference = "Dial 2 now, um, if you'd like: twenty eight point eight kilobit."
    heard = "dial two now if you would like 28.8 kilobit"
    assert fsp.normalise(reference) == fsp.normalise(heard)
    assert fsp.errors(reference, heard) == (0, len(fsp.normalise(reference).split()))


def test_word_errors_count_substitutions_deletions_and_insertions():
    reference = "ask not what your country can do for you"
    # one substituted, one deleted, one inserted word
    assert fsp.errors(reference, "ask not what our country can for you today") == (3, 9)
    assert fsp.errors(reference, "") == (9, 9)


def test_a_repeated_sentence_is_counted_each_time_it_is_said():
    said = "With great joy in my heart. Praise be! Praise be. Drop pods fall, praise be."
    assert fsp.times_said(said, "praise be") == 3
    assert fsp.times_said("Praise be. Drop pods fall.", "praise be") == 1
    assert fsp.times_said("praise bee, appraise be", "praise be") == 0  # whole words only
    assert fsp.times_said("now and now and forevermore", "now and forevermore") == 1


def test_accuracy_is_relative_to_the_bare_engine():
    assert fsp.accuracy_ratio(0.10, 0.10) == 1.0
    assert fsp.accuracy_ratio(0.20, 0.10) == pytest.approx(0.8 / 0.9)
    assert fsp.accuracy_ratio(0.0, 0.10) > 1.0  # better than the library
    assert fsp.accuracy_ratio(1.5, 1.2) == 1.0  # both read nothing right: as good
    assert fsp.accuracy_ratio(1.5, 0.5) == 0.0


def test_the_set_s_wer_weighs_files_by_their_words_and_lists_repeats():
    long = fsp.Heard(
        "long.wav",
        "praise be praise be ask not what your country can",
        "praise be ask not what your country can",  # a "praise be" dropped: 2 errors
        {"vad off": "praise be praise be ask not what your country can", "vad on": "praise be"},
        [{"sentence": "praise be", "times": 2}],
    )
    short = fsp.Heard("short.wav", "hello", "hello", {"vad off": "yellow", "vad on": "hello"})
    first, repeats = fsp.summary([long, short])
    assert "docintel 0.182" in first  # 2 errors in 11 words, not the mean of 0.2 and 0
    assert "bare beam 5 0.091" in first and "VAD on 0.727" in first
    assert "accuracy vs bare 0.900" in first
    assert repeats.endswith("found reference 2, docintel 1, vad off 2, vad on 1")


def test_the_pipeline_s_transcript_is_its_spoken_segments_in_time_order():
    result = {
        "segments": [
            {"window": 1, "start_s": 12.0, "skipped": False, "text": "second"},
            {"window": 2, "start_s": 30.0, "skipped": True, "text": None},
            {"window": 0, "start_s": 0.5, "skipped": False, "text": " first "},
        ]
    }
    assert fsp.transcript(result) == "first second"


def test_the_bare_engine_is_given_16_khz_mono_samples(tmp_path):
    import numpy as np
    import soundfile as sf

    rate = 8000
    t = np.arange(rate * 2) / rate
    left, right = np.sin(2 * np.pi * 440 * t), np.zeros_like(t)
    sf.write(tmp_path / "phone.wav", np.stack([left, right], axis=1), rate)
    samples = load_16k(tmp_path / "phone.wav")
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(len(samples) - 32000) <= 8
    assert 0.4 < float(np.abs(samples).max()) < 0.6  # the two channels averaged
