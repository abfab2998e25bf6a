"""Question search on the labelled paraphrases (tests/data/search_queries.jsonl), on the test half of the fixed
split: the issue's goals, recall@1 >= 0.85 and recall@3 >= 0.95 for question queries. The match threshold is the one
the dev half chooses, so it cannot drift from its rule. benchmarks/search_recall.py prints the whole table."""

from __future__ import annotations

import pytest

from interviewer.evaluation.search_queries import choose_threshold, load_queries, measure, split_of
from interviewer.search.lexical import BM25, stem, tokens
from interviewer.search.question_search import MATCH_SIMILARITY

from .helpers import ROOT

QUERIES = ROOT / "tests" / "data" / "search_queries.jsonl"


@pytest.fixture(scope="module")
def halves(corpus):
    return {split: load_queries(QUERIES, split, corpus.resolve) for split in ("dev", "test")}


def test_the_split_is_by_query_text_and_about_half_and_half(halves):
    dev, test = halves["dev"], halves["test"]
    assert len(dev) + len(test) == 180 and 0.4 < len(dev) / 180 < 0.6
    assert all(split_of(q.query) == "dev" for q in dev) and not {q.query for q in dev} & {
        q.query for q in test
    }


def test_every_target_is_an_item_of_todays_corpus(halves, corpus):
    stages = {f"{sc.id}#{st.id}" for sc in corpus.scenarios for st in sc.stages}
    for q in halves["dev"] + halves["test"]:
        assert (q.target is None) == (q.kind == "none")
        assert q.target is None or q.target in (stages if q.kind == "stage" else corpus.by_id), q


def test_recall_goals_hold_on_the_test_half(services, halves):
    result = measure(services.questions, halves["test"], MATCH_SIMILARITY)
    questions = result["question"]
    assert questions["n"] >= 60
    assert questions["recall_at_1"] >= 0.85, questions["misses"]
    assert questions["recall_at_3"] >= 0.95, questions["misses"]


def test_the_shipped_threshold_is_the_one_the_dev_half_chooses(services, halves):
    sims = measure(services.questions, halves["dev"], MATCH_SIMILARITY)["similarities"]
    assert choose_threshold(sims["true"], sims["null"]) == MATCH_SIMILARITY


def test_spellings_and_suffixes_meet_in_one_stem():
    assert stem("tokenization") == stem("tokenisation") == stem("tokenizers") == stem("token")
    assert stem("interpretable") == stem("interpretability")
    assert stem("chunking") == stem("chunks") and stem("batches") == stem("batching")
    assert stem("layer") == "layer" and stem("embed") == stem("embeddings")
    assert tokens("What's the model's max length?") == ["model", "max", "length"]


def test_bm25_prefers_the_rare_shared_word():
    docs = (
        "sampling temperature for decoding",
        "decoding with a model",
        "training a model",
        "serving a model",
    )
    index = BM25({k: tokens(t) for k, t in zip("abcd", docs, strict=True)})
    scores = index.scores(tokens("temperature knob of the model"))
    assert scores["a"] > scores["b"] > 0
    assert index.scores(tokens("an unrelated sentence")) == {}
