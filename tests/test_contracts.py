"""Every `--json` contract of DESIGN.md, through the real command line: stdout holds exactly one JSON document with
the documented keys (shapes, not quality; ../shared/tools/check-contracts checks the same from outside)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from interviewer.cli.main import main

from .helpers import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contracts")]  # one data folder: one Chroma writer
SAMPLE = ROOT / "tests" / "data" / "asag_sample.csv"
LEVELS = ("none", "junior", "mid", "senior")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory):
    """Runs `interviewer ARGS... --json` in this process on its own data folder; returns the parsed stdout."""
    data = tmp_path_factory.mktemp("cli-data")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INTERVIEWER_DATA_DIR", str(data))
        env.setenv("INTERVIEWER_CORPUS_DIR", str(ROOT / "corpus"))
        env.setenv("INTERVIEWER_RUBRICS_DIR", str(ROOT / "rubrics"))
        env.setenv("INTERVIEWER_LLM", "none")

        def run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
            capsys.readouterr()
            assert main([*args, "--json"]) == 0
            out = capsys.readouterr().out
            assert out.count("\n") == 1, "stdout must hold exactly one JSON document"
            return json.loads(out)

        yield run


def keys(obj: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if n not in obj]
    assert not missing, f"missing keys {missing}; has {sorted(obj)}"


def test_index(cli, capsys):
    stats = cli(capsys, "index")
    keys(stats, "added", "updated", "seconds", "questions", "encoded_texts")
    assert stats["questions"] > 200


def test_corpus(cli, capsys):
    c = cli(capsys, "corpus")
    keys(c, "questions", "scenarios", "by_level", "by_topic", "by_kind", "cells")
    assert all(isinstance(n, int) for n in c["by_level"].values())
    for cell in c["cells"]:
        keys(cell, "level", "topic", "count")


def test_search(cli, capsys):
    hits = cli(capsys, "search", "How does a decision tree work?", "--k", "3")
    assert isinstance(hits, list) and len(hits) == 3
    for h in hits:
        keys(h, "id", "text", "level", "topic", "kind", "distance")
    assert hits[0]["id"] == "mlf-decision-tree"
    senior = cli(capsys, "search", "scaling a system", "--level", "senior", "--k", "2")
    assert {h["level"] for h in senior} == {"senior"}


def test_grade(cli, capsys):
    answer = "It splits the data on the feature that most reduces impurity, such as Gini, until the leaves are pure."
    g = cli(capsys, "grade", "--question", "How does a decision tree work?", "--answer", answer)
    keys(g, "question_id", "score", "level", "criteria", "missed", "flags")
    assert g["question_id"] == "mlf-decision-tree" and 0 <= g["score"] <= 5 and g["level"] in LEVELS
    for c in g["criteria"]:
        keys(c, "id", "level", "met", "evidence")
        assert 0 <= c["met"] <= 1 and (not c["evidence"] or c["evidence"] in answer)


def test_eval(cli, capsys):
    m = cli(capsys, "eval", str(SAMPLE), "--split", "test_unseen_questions", "--resamples", "50")
    keys(m, "n", "pearson", "spearman", "rmse", "qwk", "macro_f1", "pearson_ci", "macro_f1_ci")
    assert m["n"] == 16 and len(m["pearson_ci"]) == 2


def small_benchmark(folder, split: str = "dev", n: int = 12):
    """The first `n` answers of one split of the packaged labelled answers, with their labels, in `folder`."""
    from interviewer.evaluation.interviews import packaged_benchmark

    src = packaged_benchmark()
    answers = [json.loads(x) for x in (src / "answers.jsonl").read_text().splitlines() if x.strip()]
    chosen = [a for a in answers if a["split"] == split][:n]
    ids = {a["answer_id"] for a in chosen}
    labels = [
        x
        for x in (src / "labels.jsonl").read_text().splitlines()
        if x.strip() and json.loads(x)["answer_id"] in ids
    ]
    folder.mkdir()
    (folder / "answers.jsonl").write_text("".join(json.dumps(a) + "\n" for a in chosen))
    (folder / "labels.jsonl").write_text("\n".join(labels) + "\n")
    return folder


def test_eval_benchmark(cli, capsys, tmp_path):
    folder = small_benchmark(tmp_path / "bench")
    m = cli(capsys, "eval", str(folder), "--split", "dev", "--resamples", "20")
    keys(m, "n", "questions", "level_exact", "level_within_one", "level_qwk", "score_spearman", "score_rmse")
    keys(
        m,
        "score_bias",
        "fooled_rate",
        "plain_reach_rate",
        "confidence_ece",
        "key_points",
        "by_family",
        "readers",
    )
    assert m["n"] == 12 and m["split"] == "dev" and 0 <= m["level_exact"] <= 1
    keys(m["key_points"], "states_precision", "states_recall", "contradicts_precision", "contradicts_recall")


def test_eval_benchmark_writes_each_answer_s_reading_beside_its_reader_s(cli, capsys, tmp_path):
    from interviewer.evaluation.interviews import load

    folder = small_benchmark(tmp_path / "bench")
    m = cli(
        capsys,
        "eval",
        str(folder),
        "--split",
        "dev",
        "--resamples",
        "20",
        "--rows",
        str(tmp_path / "rows.jsonl"),
    )
    rows = [json.loads(x) for x in (tmp_path / "rows.jsonl").read_text().splitlines()]
    labels = {a.id: a.label for a in load(folder)}
    assert len(rows) == m["n"] == 12
    assert sum(r["level"] == r["reader_level"] for r in rows) / len(rows) == pytest.approx(
        m["level_exact"], abs=1e-4
    )
    for r in rows:
        assert (
            r["reader_level"] == labels[r["answer_id"]].level
            and r["level"] in LEVELS
            and 0 <= r["score"] <= 5
        )
        for d in r["points_differ"]:
            assert d["reader"] == labels[r["answer_id"]].points[d["point"]] and d["grader"] != d["reader"]
    assert any(
        r["points_differ"] for r in rows
    )  # twelve answers, every verdict the same: the check would be idle


def test_eval_rows_are_refused_for_a_csv_and_for_a_missing_folder(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main(["eval", str(SAMPLE), "--rows", str(tmp_path / "rows.jsonl"), "--json"])
    assert exit_.value.code == 2 and "not to a CSV" in capsys.readouterr().err
    folder = small_benchmark(tmp_path / "bench")
    with pytest.raises(SystemExit) as exit_:
        main(["eval", str(folder), "--split", "dev", "--rows", str(tmp_path / "no" / "rows.jsonl"), "--json"])
    assert exit_.value.code == 2 and "does not exist" in capsys.readouterr().err


def test_eval_benchmark_refuses_a_split_it_does_not_have(cli, capsys, tmp_path):
    folder = small_benchmark(tmp_path / "bench")
    with pytest.raises(SystemExit) as exit_:
        main(["eval", str(folder), "--split", "tset", "--json"])
    assert exit_.value.code == 2
    assert "no answers in split 'tset'" in capsys.readouterr().err


def test_simulate(cli, capsys):
    s = cli(capsys, "simulate", "--sessions", "5", "--questions", "2")
    keys(s, "sessions")
    assert [x["candidate"] for x in s["sessions"]] == ["strong", "mid", "junior", "weak", "junk"]
    for x in s["sessions"]:
        keys(x, "candidate", "level_estimate", "score", "questions", "follow_ups", "errors", "turn_p95_ms")
        assert x["level_estimate"] in LEVELS and isinstance(x["questions"], int) and 0 <= x["score"] <= 5


def test_calibrations(cli, capsys):
    out = cli(capsys, "calibrations")
    assert isinstance(out, dict) and out


@pytest.mark.server
def test_bench(cli, capsys):
    b = cli(capsys, "bench", "--quick")
    keys(
        b,
        *[
            "cores",
            "embed_texts_per_s",
            "grade_answers_per_s",
            "grade_vs_embed_ratio",
            "index_full_s",
            "reindex_unchanged_s",
        ],
        *["turn_p50_ms_1", "turn_p95_ms_1", "turn_p50_ms_50", "turn_p95_ms_50", "turn_p99_ms_50"],
        *["saturation_turns_per_s", "cold_start_s", "rss_mb"],
        *["stt_rtf", "stt_10s_ms", "tts_rtf", "turn_p95_ms_50_stt"],  # voice (issue 28)
    )
    assert b["cores"] >= 1 and all(isinstance(v, int | float) for v in b.values() if not isinstance(v, dict))


def test_transcribe(cli, capsys, tmp_path):
    from interviewer.voice.clips import make_clip
    from interviewer.voice.tts import Speaker

    clip = make_clip(
        Speaker("piper", steady=True), ["I would check the model on a held out set."], tmp_path / "answer.wav"
    )
    t = cli(capsys, "transcribe", str(clip))
    keys(t, "text", "audio_seconds", "seconds")
    assert "model" in t["text"].lower() and t["audio_seconds"] > 1 and t["seconds"] > 0


def test_every_contract_of_design_md_is_tested():
    """DESIGN.md lists `interviewer CMD ... --json` contracts; each has a test here."""
    import re

    design = ROOT.parent / "shared" / "DESIGN.md"
    if not design.is_file():
        pytest.skip("../shared/DESIGN.md is not next to the project")
    listed = set(re.findall(r"`interviewer (\w+)[^`]*--json", design.read_text()))
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert not listed - tested, listed - tested
