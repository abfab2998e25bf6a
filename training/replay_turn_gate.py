"""Stream every labelled LLM turn through the sentence gate and compare with the whole-turn check.

    .venv/bin/python training/replay_turn_gate.py [--sets 'tests/data/llm_turns_blind[89].jsonl']

Each turn is fed to `turn_gate.SentenceGate` a word at a time, as the app's stream feeds it, then finished; the
whole turn is also read by `TurnChecker.check`. Prints, per label and kind, how many turns each path passed, and
every good turn that only the streamed path refused (docs/llm.md, "Streamed turns are read as the turns they
become"). Reads the shipped thresholds and models; fits nothing.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "training")]

from fit_turn_check import context_of  # noqa: E402

from interviewer.config import load_settings  # noqa: E402
from interviewer.engine.turn_check import TurnChecker, TurnContext  # noqa: E402
from interviewer.engine.turn_gate import SentenceGate  # noqa: E402
from interviewer.services import Services  # noqa: E402


def streamed_failure(checker: TurnChecker, ctx: TurnContext, turn: str) -> str:
    """Why the gate refused `turn` fed word by word ('' when it was shown whole)."""
    gate = SentenceGate(checker, ctx, lambda _: None)
    words = turn.split(" ")
    for i, word in enumerate(words):
        gate.feed(word + (" " if i < len(words) - 1 else ""))
    return gate.failure or gate.finish(turn)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sets", default=str(ROOT / "tests/data/llm_turns*.jsonl"), help="glob of labelled turn files"
    )
    args = ap.parse_args()
    # The checker the app builds when LLM wording is on (the provider is never called here).
    settings = load_settings(
        data_dir=tempfile.mkdtemp(), llm="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="replay"
    )
    services = Services(settings)
    checker = services.phraser.checker
    assert checker is not None
    tally: Counter[tuple[str, str, str, str]] = Counter()
    for path in sorted(glob.glob(args.sets)):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            ctx = context_of(row, services.corpus)
            streamed = streamed_failure(checker, ctx, row["turn"])
            whole = checker.check(row["turn"], ctx)
            tally[(row["label"], row["kind"], "whole " + ("pass" if whole.ok else "refuse"),
                   "streamed " + ("pass" if not streamed else "refuse"))] += 1  # fmt: skip
            if row["label"] == "good" and streamed and whole.ok:
                print(f"good turn refused only when streamed ({streamed}): {row['turn']}")
    for key, n in sorted(tally.items()):
        print(" | ".join(key), n)


if __name__ == "__main__":
    main()
