"""How an answer was spoken, from Whisper's word timings: pace, filler words, long pauses, length against the timer.

Fillers: "um", "uh", "er", "hmm" (Whisper keeps them with the disfluent prompt of stt.py) always count; "like",
"so", "you know" and "I mean" count only when set off by commas or opening a sentence with a comma ("So, ...",
"..., like, ..."), which is how Whisper punctuates them as fillers and not as words of the sentence ("I like
transformers" is not a filler). Pauses: silences of at least PAUSE_S inside the speech, read from the audio's level (stt.py),
or from the gaps between words when noise hides them; silence before the first sound is thinking time and is not
counted. None of this changes the content score.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from interviewer.voice.stt import Word

PAUSE_S = 2.0
HESITATIONS = {"um", "umm", "uh", "uhh", "uhm", "er", "erm", "hmm", "mm", "ah"}
MARKERS = {"like", "so"}
PHRASES = (("you", "know"), ("i", "mean"))
PACE_WPM = (110, 170)
"""A comfortable interview pace; outside it the feedback says slower or faster."""


class Delivery(BaseModel):
    """Delivery measures of one spoken answer (never part of the content score)."""

    words: int = Field(description="Words spoken, fillers excluded.")
    wpm: float = Field(description="Words per minute between the first and last word.")
    fillers: int
    filler_words: dict[str, int] = Field(default_factory=dict)
    pauses: int = Field(description=f"Gaps of at least {PAUSE_S:g} s between words.")
    longest_pause_s: float = 0.0
    seconds: float = Field(description="Length of the recording.")
    timer_s: int = Field(default=0, description="Seconds the timer allowed (0: no timer).")

    def notes(self) -> list[str]:
        """Plain-language feedback, one line per measure."""
        lines = [f"Pace: {self.wpm:.0f} words per minute" + _pace_advice(self.wpm, self.words)]
        if self.fillers:
            listed = ", ".join(
                f'"{w}" x{n}' for w, n in sorted(self.filler_words.items(), key=lambda x: -x[1])
            )
            lines.append(
                f"Filler words: {self.fillers} ({listed}). A short silence reads better than a filler."
            )
        else:
            lines.append("Filler words: none heard.")
        if self.pauses:
            lines.append(
                f"Long pauses: {self.pauses} (longest {self.longest_pause_s:.1f} s). Pausing to think is fine;"
                " say so out loud in a real interview."
            )
        else:
            lines.append(f"Long pauses: none of {PAUSE_S:g} s or more.")
        length = f"Length: {self.seconds:.0f} s"
        if self.timer_s:
            share = self.seconds / self.timer_s
            length += f" of the {self.timer_s} s allowed" + (
                " (over time)." if share > 1 else f" ({share:.0%})."
            )
        lines.append(length)
        return lines

    def markdown(self) -> str:
        return "**How you spoke** (not part of the score)\n" + "\n".join(f"- {line}" for line in self.notes())


def _pace_advice(wpm: float, words: int) -> str:
    if words < 10:
        return " (too short an answer to judge the pace)."
    low, high = PACE_WPM
    if wpm < low:
        return f": slower than the usual {low}-{high}; fewer pauses inside sentences help."
    if wpm > high:
        return f": faster than the usual {low}-{high}; slow down on the key terms."
    return f": within the usual {low}-{high}."


def _bare(word: str) -> str:
    return re.sub(r"[^a-z']", "", word.lower())


def count_fillers(words: Sequence[Word]) -> dict[str, int]:
    """Filler words and phrases in a timed transcript, by word."""
    found: dict[str, int] = {}
    texts = [w.text for w in words]
    i = 0
    while i < len(texts):
        bare = _bare(texts[i])
        before = texts[i - 1] if i else ""
        set_off = i == 0 or before.endswith((",", ".", "?", "!", "...")) or texts[i].endswith(",")
        pair = (bare, _bare(texts[i + 1])) if i + 1 < len(texts) else None
        if bare in HESITATIONS:
            found[bare] = found.get(bare, 0) + 1
        elif pair in PHRASES and set_off and texts[i + 1].endswith(","):
            phrase = " ".join(pair)
            found[phrase] = found.get(phrase, 0) + 1
            i += 1
        elif bare in MARKERS and texts[i].endswith(",") and (set_off or bare == "like"):
            found[bare] = found.get(bare, 0) + 1
        i += 1
    return found


def pauses(words: Sequence[Word], at_least: float = PAUSE_S) -> list[float]:
    """Gaps between consecutive words of at least `at_least` seconds."""
    return [round(b.start - a.end, 2) for a, b in itertools.pairwise(words) if b.start - a.end >= at_least]


def measure(
    words: Sequence[Word], audio_seconds: float, timer_s: int = 0, silences: list[float] | None = None
) -> Delivery:
    """The delivery of one answer; pauses from the audio's `silences` when known, else from the word gaps."""
    fillers = count_fillers(words)
    n_fillers = sum(fillers.values())
    spoken = max(len(words) - n_fillers, 0)
    span = (words[-1].end - words[0].start) if words else 0.0
    gaps = silences if silences is not None else pauses(words)
    return Delivery(
        words=spoken,
        wpm=round(spoken / (span / 60.0), 1) if span > 0 else 0.0,
        fillers=n_fillers,
        filler_words=fillers,
        pauses=len(gaps),
        longest_pause_s=max(gaps, default=0.0),
        seconds=round(audio_seconds, 1),
        timer_s=timer_s,
    )
