"""Recordings: ``signal`` (decode, find speech, plan windows, stitch) and ``asr`` (speech to
text on a model or on faster-whisper)."""
