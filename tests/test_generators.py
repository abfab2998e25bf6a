"""Every coding question's input generator, run against its reference solution in the sandbox.

A generator must draw plain, varied, reproducible calls that its solution answers, reach the bug of a debugging
question's starter, and avoid inputs on which two correct programs could disagree (ties the question leaves
open): other correct solutions, written differently, must pass every random test.
"""

from __future__ import annotations

import collections

import pytest

from interviewer.coding.reference import Drawing
from tests import sandbox_fixtures as fx

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("servers")]
secret_dir, runner = fx.secret_dir, fx.runner  # the module's fixtures
DRAWS = 100


def _coding(corpus):
    return [q for q in corpus.questions if q.kind == "coding"]


def _draw(runner, spec, seed: int, count: int = DRAWS) -> list[dict]:
    drawing = Drawing(runner, spec, count, seed)
    drawing.run()
    assert not drawing.error, drawing.error
    return drawing.cases


def test_every_generator_draws_varied_reproducible_calls_its_solution_answers(corpus, runner):
    for q in _coding(corpus):
        cases = _draw(runner, q.coding, seed=2026)
        assert len(cases) == DRAWS, q.id
        again = _draw(runner, q.coding, seed=2026, count=10)
        assert [c["args"] for c in again] == [c["args"] for c in cases[:10]], f"{q.id}: not reproducible"
        other = _draw(runner, q.coding, seed=7, count=10)
        assert [c["args"] for c in other] != [c["args"] for c in cases[:10]], f"{q.id}: ignores its rng"
        calls = {repr(c["args"]) for c in cases}
        values = collections.Counter(repr(c["value"]) for c in cases)
        assert len(calls) >= DRAWS // 2, f"{q.id}: only {len(calls)} distinct calls in {DRAWS}"
        # a function returning one constant fails most random tests (a yes/no function at best half)
        assert values.most_common(1)[0][1] <= DRAWS * 0.6, (q.id, values.most_common(2))


def test_random_tests_catch_the_bug_of_every_debugging_starter(corpus, runner):
    buggy = [q for q in _coding(corpus) if "NotImplementedError" not in q.coding.starter]
    buggy = [q for q in buggy if not q.coding.starter.rstrip().endswith("...")]
    assert len(buggy) >= 8
    for q in buggy:
        spec = q.coding.model_copy(update={"tests": [], "examples": []})
        run = runner.run(spec, q.coding.starter, guard=False)
        assert run.pass_rate("random") is not None and run.pass_rate("random") < 1.0, (q.id, run.summary())


ALTERNATIVES = {
    "cnlp-viterbi-hmm": """
def viterbi(obs, states, start_p, trans_p, emit_p):
    # products rescaled at every step instead of logs; max() breaks ties the other way
    if not obs:
        return []
    probs = {s: start_p.get(s, 0) * emit_p.get(s, {}).get(obs[0], 0) for s in states}
    paths = {s: [s] for s in states}
    for o in obs[1:]:
        row, grown = {}, {}
        for s in states:
            p, prev = max((probs[r] * trans_p.get(r, {}).get(s, 0) * emit_p.get(s, {}).get(o, 0), r) for r in states)
            row[s], grown[s] = p, paths[prev] + [s]
        total = sum(row.values()) or 1.0
        probs, paths = {s: p / total for s, p in row.items()}, grown
    return paths[max(reversed(states), key=lambda s: probs[s])]
""",
    "emb-topk-cosine": """
import math

def top_k_cosine(queries, corpus, k):
    def cos(a, b):
        na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(x * x for x in b))
        return 0.0 if na == 0 or nb == 0 else sum(x * y for x, y in zip(a, b)) / (na * nb)
    return [[i for _, i in sorted((-cos(q, c), i) for i, c in enumerate(corpus))[: max(k, 0)]] for q in queries]
""",
    "mlf-code-kmeans-step": """
def kmeans_step(points, centroids):
    assign = []
    for p in points:
        d = [sum(x * x for x in p) - 2 * sum(x * c for x, c in zip(p, cen)) + sum(c * c for c in cen) for cen in centroids]
        assign.append(min(range(len(centroids)), key=lambda j: (d[j], j)))
    new = []
    for j, cen in enumerate(centroids):
        members = [p for p, a in zip(points, assign) if a == j]
        new.append([sum(col) / len(members) for col in zip(*members)] if members else [float(c) for c in cen])
    return assign, new
""",
    "rag-mmr-select": """
def mmr_select(query_sim, doc_sim, k, lam):
    selected = []
    while len(selected) < min(k, len(query_sim)):
        best = None
        for i in range(len(query_sim)):
            if i not in selected:
                score = lam * query_sim[i] - (1 - lam) * max((doc_sim[i][j] for j in selected), default=0.0)
                if best is None or score > best[0]:
                    best = (score, i)
        selected.append(best[1])
    return selected
""",
    "mling-ngram-language-id": """
import math, re
from collections import Counter

def identify_language(text, samples, n=3):
    def grams(s):
        s = re.sub(r"\\s+", " ", s.casefold()).strip()
        return Counter(f" {s} "[i:i + n] for i in range(len(s) + 3 - n)) if s else Counter()
    t = grams(text)
    scored = []
    for lang, sample in samples.items():
        p = grams(sample)
        dot = sum(c * p[g] for g, c in t.items())
        norm = math.sqrt(sum(c * c for c in t.values()) * sum(c * c for c in p.values()))
        scored.append((-(dot / norm if norm else 0.0), lang))
    best = min(scored, default=(0.0, None))
    return best[1] if t and best[0] < 0 else None
""",
}


@pytest.mark.parametrize("qid", sorted(ALTERNATIVES))
def test_other_correct_solutions_pass_every_random_test(corpus, runner, qid):
    """Where ties or float order could make two correct programs disagree, the generator avoids such inputs."""
    spec = corpus.by_id[qid].coding
    spec = spec.model_copy(update={"tests": []})
    passed = total = 0
    for _ in range(5):
        run = runner.run(spec, ALTERNATIVES[qid], guard=False)
        assert run.status == "ok", run.message
        passed += sum(t.passed for t in run.of_kind("random"))
        total += len(run.of_kind("random"))
    assert total == 5 * runner.s.sandbox_random_tests and passed == total, (qid, passed, total)


def test_the_editor_refuses_a_generator_its_solution_cannot_answer(services):
    """Recruiters edit coding blocks in the web UI: a save runs the changed block's solution in the sandbox."""
    from interviewer.review_loop.recruiting import Workspace

    q = services.corpus.by_id["cnlp-edit-distance"]
    rel = "corpus/questions/" + q.source_file.rsplit("/", 1)[-1]
    original = Workspace(services).read(rel)
    anchor = "      generator: |\n        def generate(rng):\n"
    start = original.index(anchor, original.index("function: edit_distance"))
    broken = (
        original[: start + len(anchor)] + "            return (None, 3)\n" + original[start + len(anchor) :]
    )
    problems = Workspace(services).validate(rel, broken)
    assert any(p.startswith("cnlp-edit-distance: random tests could not be drawn") for p in problems), (
        problems
    )
    assert any("TypeError" in p for p in problems), problems
    assert not [p for p in Workspace(services).validate(rel, original) if "cnlp-edit-distance" in p]
