"""Voice, offline: speech to text (faster-whisper), text to speech (piper or espeak-ng in a separate process),
and delivery measures (pace, fillers, pauses). Every model file is pinned and checked by SHA-256 before loading."""
