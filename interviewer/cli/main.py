"""The `interviewer` command line: thin wrappers over Services. With --json, stdout holds one JSON document."""

from __future__ import annotations

import argparse
import sys
import time

from interviewer.cli.common import COMMANDS, EXTRA_PARSERS, command, emit, services
from interviewer.config import ConfigError
from interviewer.corpus.loader import CorpusError


@command
def cmd_index(args: argparse.Namespace) -> None:
    svc = services()
    t0 = time.perf_counter()
    stats = svc.index_sync.ensure(rebuild=args.rebuild, progress=not args.json)
    if not args.json:
        print("encoding the corpus's texts for grading (once per change)", file=sys.stderr)
    stats["encoded_texts"] = svc.load_encodings(build=True)
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    stats["questions"] = len(svc.corpus.questions)
    emit(args, stats, lambda: " ".join(f"{k}={v}" for k, v in stats.items()))


@command
def cmd_corpus(args: argparse.Namespace) -> None:
    svc = services()
    stats = svc.corpus.stats()
    if args.check_duplicates or not args.json:
        from interviewer.search.duplicates import near_duplicates

        stats["near_duplicates"] = [list(p) for p in near_duplicates(svc.corpus, svc.embedder)]

    def table() -> str:
        lines = [f"{stats['questions']} questions, {stats['scenarios']} scenarios, {stats['glossary']} terms"]
        lines.append("by level: " + ", ".join(f"{k} {v}" for k, v in stats["by_level"].items()))
        lines.append("by kind:  " + ", ".join(f"{k} {v}" for k, v in stats["by_kind"].items()))
        for topic, n in stats["by_topic"].items():
            cells = {c["level"]: c["count"] for c in stats["cells"] if c["topic"] == topic}
            lines.append(f"  {topic:<16} {n:>3}  " + "  ".join(f"{lv} {c}" for lv, c in cells.items()))
        dupes = stats.get("near_duplicates") or []
        lines.append(f"near-duplicates: {len(dupes)}" + "".join(f"\n  {a} ~ {b} ({c})" for a, b, c in dupes))
        return "\n".join(lines)

    if args.lint:
        from interviewer.cli.level_lint import run_lint

        run_lint(svc, args, stats)
        return
    emit(args, stats, table)


@command
def cmd_search(args: argparse.Namespace) -> None:
    hits = services().questions.search(args.text, level=args.level, k=args.k)
    emit(
        args,
        hits,
        lambda: "\n".join(
            f"{h['distance']:.3f}  {h['id']:<32} [{h['level']}/{h['topic']}] {h['text']}" for h in hits
        ),
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="interviewer", description="Mock interviewer for NLP, ML and LLM roles.")
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        return sp

    sp = add("index", "validate corpus/ and rubrics/ and (re)build the Chroma index incrementally")
    sp.add_argument("--rebuild", action="store_true", help="drop the collections and embed everything again")
    sp = add("corpus", "validate the corpus and show its counts")
    sp.add_argument("--check-duplicates", action="store_true", help="also list near-duplicate questions")
    sp.add_argument(
        "--lint",
        action="store_true",
        help="find key points stating one fact at two levels; exit 1 on a pair not in corpus/level_allowlist.yaml",
    )
    sp.add_argument("--verifier", action="store_true", help="with --lint: also ask the key-point verifier")
    sp = add("search", "find corpus questions closest to a text")
    sp.add_argument("text")
    sp.add_argument("--level", choices=["junior", "mid", "senior"])
    sp.add_argument("--k", type=int, default=5)
    for extra in EXTRA_PARSERS:
        extra(add)
    return p


def main(argv: list[str] | None = None) -> int:
    from interviewer.cli import (  # noqa: F401 - register grade, eval, simulate, bench, calibrate, transcribe
        grading_commands,
        llm_commands,
        loop_commands,
        voice_commands,
    )

    args = build_parser().parse_args(argv)
    try:
        COMMANDS[args.cmd.replace("-", "_")](args)
    except (ConfigError, CorpusError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
