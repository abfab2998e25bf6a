"""`interviewer corpus --lint`: key points stating one fact at two levels. The four pairs issue 23 names (as they were
in the bank before it), one planted pair and four pairs the corpus's second readers noted must be flagged among
today's key points; a malformed or stale allow-list entry is reported; a verifier, when given, can confirm a pair
the word signals miss."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from interviewer.search.level_lint import (
    CachedVectors,
    Point,
    find_pairs,
    lint,
    load_allowlist,
    points_of,
)

from .helpers import ROOT

FIXTURE = ROOT / "tests" / "data" / "level_lint_pairs.yaml"


def _fixture_points(same_level: bool = False, section: str = "pairs") -> list[tuple[Point, Point]]:
    out = []
    for pair in yaml.safe_load(FIXTURE.read_text())[section]:
        a, b = (
            Point(f"old:{d['question']}", d["id"], d["level"], d["text"], tuple(d["terms"]))
            for d in (pair["a"], pair["b"])
        )
        if same_level:
            b = Point(b.question, b.id, a.level, b.text, b.terms)
        out.append((a, b))
    return out


@pytest.fixture(scope="module")
def vectors(services):
    return CachedVectors(services.embedder)  # kept in the user's cache folder, as `corpus --lint` keeps them


@pytest.mark.parametrize("same_level", [False, True])
def test_the_issue_pairs_and_a_planted_one_are_flagged_among_todays_points(corpus, vectors, same_level):
    pairs = _fixture_points(same_level)
    assert len(pairs) == 5
    points = points_of(corpus.questions) + [p for pair in pairs for p in pair]
    flagged = {frozenset((p.a.ref, p.b.ref)) for p in find_pairs(points, vectors([p.text for p in points]))}
    found = [frozenset((a.ref, b.ref)) in flagged for a, b in pairs]
    # across levels every pair is caught; moved to one level, none is (the lint is about levels, not duplicates)
    assert found == [not same_level] * 5


def test_the_pairs_the_second_readers_noted_are_flagged(corpus, vectors):
    # these points are in today's bank: put them back as they were in place (adding copies would halve the weight
    # of the words they share, since the weights are IDF over all key points)
    pairs = [(a.ref[4:], b.ref[4:]) for a, b in _fixture_points(section="second_readers")]
    then = {p.ref[4:]: p for pair in _fixture_points(section="second_readers") for p in pair}
    assert len(pairs) == 4
    points = [
        Point(p.question, p.id, then[p.ref].level, then[p.ref].text, then[p.ref].terms)
        if p.ref in then
        else p
        for p in points_of(corpus.questions)
    ]
    flagged = {frozenset((p.a.ref, p.b.ref)) for p in find_pairs(points, vectors([p.text for p in points]))}
    assert [frozenset(pair) in flagged for pair in pairs] == [True] * 4


def _point(question: str, level: str, text: str) -> Point:
    return Point(question, "kp", level, text)


def test_a_verifier_confirms_a_pair_only_when_each_point_states_the_other():
    a, b = _point("q1", "junior", "alpha beta gamma delta"), _point("q2", "senior", "epsilon zeta eta theta")
    vectors = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)  # cosine 0.6, no shared word or term
    assert find_pairs([a, b], vectors) == []
    assert len(find_pairs([a, b], vectors, confirm=lambda x, y: 0.9)) == 1
    one_way = {(a.text, b.text): 0.9, (b.text, a.text): 0.2}
    assert find_pairs([a, b], vectors, confirm=lambda x, y: one_way[(x, y)]) == []


def test_malformed_and_stale_allow_list_entries_are_reported(corpus, vectors, tmp_path):
    (tmp_path / "level_allowlist.yaml").write_text(
        "pairs:\n"
        "  - {a: mlf-decision-tree#greedy-split, b: nope#gone, reason: its point is gone}\n"
        "  - {a: mlf-decision-tree#greedy-split, b: mlf-decision-tree#ensembles, reason: never flagged}\n"
        "  - {a: x#y, b: z#w}\n"
    )
    problems: list[str] = []
    allow = load_allowlist(tmp_path, problems)
    assert len(allow) == 2 and len(problems) == 1 and "reason" in problems[0]
    result = lint(corpus.questions, vectors, allow)
    assert any("no key point nope#gone" in s for s in result.stale)
    assert any("no longer flagged" in s for s in result.stale)


def test_todays_bank_passes_the_lint(corpus, vectors):
    problems: list[str] = []
    allow = load_allowlist(ROOT / "corpus", problems)
    result = lint(corpus.questions, vectors, allow)
    assert problems == [] and result.stale == []
    assert result.failing == [], "\n".join(p.line() for p in result.failing)


def test_the_command_exits_1_on_a_pair_the_allow_list_lacks(services, monkeypatch, capsys, tmp_path):
    from types import SimpleNamespace

    from interviewer.cli import main as cli

    monkeypatch.setattr(cli, "services", lambda: services)
    assert cli.main(["corpus", "--lint", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["level_lint"]
    assert report["failing"] == 0 and report["flagged"] and all(p["allowed"] for p in report["flagged"])
    bare = SimpleNamespace(settings=SimpleNamespace(corpus_dir=tmp_path), corpus=services.corpus)
    bare.embedder = services.embedder
    monkeypatch.setattr(cli, "services", lambda: bare)
    with pytest.raises(SystemExit) as exc:
        cli.main(["corpus", "--lint"])
    assert exc.value.code == 1 and "NOT ALLOWED" in capsys.readouterr().out
