"""The cross-encoder: its delta merges into the packaged weights as trained, and its verdict joins the features'."""

from __future__ import annotations

import io

import numpy as np
import onnxruntime as ort
import pytest

from interviewer.domain.target import Target
from interviewer.encoders import minilm_graph
from interviewer.encoders.cross_encoder import CrossEncoder, delta_bytes, first_segment, merged_weights
from interviewer.encoders.embeddings import packaged_model, tokenizer_file
from interviewer.grading.features import FEATURES
from interviewer.grading.grader import RubricGrader
from interviewer.grading.score_model import ScoreModel, fit_stack


class _Delta:
    """An npz-like mapping (`files` and item access), as np.load returns."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.files = list(arrays)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]


def test_merge_adds_the_low_rank_product_and_replaces_norms_and_biases():
    base = {
        "l.weight": np.ones((4, 3), np.float32),
        "l.bias": np.zeros(3, np.float32),
        "n.weight": np.ones(3),
    }
    a, b = np.arange(8, dtype=np.float32).reshape(4, 2), np.ones((2, 3), np.float32)
    delta = _Delta(
        {
            "l.lora_a": a,
            "l.lora_b": b,
            "l.bias": np.full(3, 0.5, np.float32),
            "n.weight": np.full(3, 2.0, np.float32),
            "head.weight": np.ones(3, np.float32),
            "meta.recipe": np.array("x"),
        }
    )
    out = merged_weights(base, delta)
    np.testing.assert_allclose(out["l.weight"], 1 + a @ b)
    np.testing.assert_allclose(out["l.bias"], 0.5)
    np.testing.assert_allclose(out["n.weight"], 2.0)
    assert "head.weight" not in out and base["l.weight"][0, 0] == 1  # the packaged weights are not touched
    with pytest.raises(ValueError, match="names no weight"):
        merged_weights(base, _Delta({"nowhere.bias": np.zeros(3, np.float32)}))


def test_segment_input_reads_segment_zero_as_the_sentence_graph_does():
    """The pair graph differs from the sentence graph only in where segment ids come from."""
    from tokenizers import Tokenizer

    weights = minilm_graph.packaged_weights(packaged_model())
    plain = ort.InferenceSession(minilm_graph.fused_graph(weights).SerializeToString())
    pair = ort.InferenceSession(minilm_graph.fused_graph(weights, segments=True).SerializeToString())
    tok = Tokenizer.from_file(str(tokenizer_file()))
    enc = tok.encode("Dropout zeroes activations at random.", "It stops units from co-adapting.")
    ids = np.array([enc.ids], np.int64)
    mask = np.ones_like(ids)
    want = plain.run(None, {"input_ids": ids, "attention_mask": mask})[0]
    zero = pair.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    np.testing.assert_allclose(zero, want, atol=1e-4)
    types = np.array([enc.type_ids], np.int64)
    assert types.any()
    second = pair.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
    assert np.abs(second - want).max() > 1e-2  # segment 1 is read with its own embedding


def test_shipped_delta_is_trained_and_names_its_data():
    delta = np.load(io.BytesIO(delta_bytes()), allow_pickle=False)
    assert "train rows" in str(delta["meta.trained_on"])
    assert np.abs(delta["head.weight"]).sum() > 0  # the head starts at zero: a trained one is not
    assert any(k.endswith(".lora_a") for k in delta.files)


@pytest.fixture(scope="module")
def cross(services) -> CrossEncoder:
    return CrossEncoder(encoder=services.embedder.name)


# Hand-written pairs (not from any shared set): a correct answer in other words, and a wrong one on the topic.
PAIRS = [
    (
        "The bulb lights because the switch closes the circuit, so current can flow through it.",
        "Closing the switch completes the circuit and current flows through the bulb.",
        "The bulb lights because the battery is near it.",
    ),
    (
        "Dropout randomly zeroes activations during training, which stops units from co-adapting.",
        "During training it switches off random neurons so that they cannot rely on each other.",
        "Dropout removes rows of the training data that have missing values.",
    ),
    (
        "Ice floats because it is less dense than liquid water.",
        "Frozen water has a lower density than the water around it.",
        "Ice floats because it is colder than the water.",
    ),
    (
        "The magnet attracts the nail because the nail is made of iron.",
        "The nail is iron, and magnets pull on iron.",
        "The magnet attracts the nail because the nail is long and thin.",
    ),
    (
        "Plants need sunlight to make their own food by photosynthesis.",
        "They use the energy of light to make sugar, which is their food.",
        "Plants need sunlight to stay warm at night.",
    ),
    (
        "The sound gets higher because the shorter string vibrates faster.",
        "A shorter string vibrates more quickly, so the pitch rises.",
        "The sound gets higher because the string is louder.",
    ),
    (
        "Terminals 1 and 2 are connected, so there is no gap between them and the voltage is zero.",
        "There is no gap: the two terminals are joined, so there is no voltage between them.",
        "The voltage is zero because the battery is dead.",
    ),
    (
        "Evaporation is faster on a windy day because the wind carries the water vapour away.",
        "The wind moves the moist air away from the water, so more water can evaporate.",
        "Evaporation is faster because the wind makes the water colder.",
    ),
]


def test_a_correct_paraphrase_mostly_beats_a_wrong_answer_on_the_topic(cross):
    """Most, not all: the model was tuned on school science answers and errs (the dropout pair, out of its domain,
    is one it gets wrong); a model that had learned nothing would win about half."""
    wins = [cross.prob(ref, right) > cross.prob(ref, wrong) for ref, right, wrong in PAIRS]
    assert sum(wins) >= 6, wins


def test_closeness_is_high_for_a_training_like_question_and_low_for_an_interview_one(cross, services):
    near = services.embedder.passages(["Why does the bulb light when the switch is closed?"])[0].vec
    far = services.embedder.passages(["How would you shard a vector index across regions?"])[0].vec
    assert cross.closeness(near) > 0.5 > cross.closeness(far)


# A question for each pair, for a delta trained to read the question too (`train_cross_encoder.py --question`).
PAIR_QUESTIONS = [
    "Why does the bulb light when the switch is closed?",
    "What does dropout do during training, and why does it help?",
    "Why does ice float on water?",
    "Why does the magnet attract the nail?",
    "Why do plants need sunlight?",
    "Why does the sound get higher when the string is shorter?",
    "Why is the voltage between terminals 1 and 2 zero?",
    "Why does water evaporate faster on a windy day?",
]


def test_only_a_delta_trained_to_read_the_question_is_given_it(cross):
    ref, question = PAIRS[0][0], PAIR_QUESTIONS[0]
    assert first_segment(ref, question, True) == f"{ref} [SEP] {question}"
    assert first_segment(ref, question, False) == first_segment(ref, "", True) == ref
    # The shipped delta was trained on (reference, answer) pairs: a question passed to it changes nothing.
    for (ref, right, wrong), question in zip(PAIRS, PAIR_QUESTIONS, strict=True):
        assert cross.prob(ref, right, question) == cross.prob(ref, right)
        assert cross.prob(ref, wrong, question) == cross.prob(ref, wrong)


def test_a_pair_is_read_the_same_alone_each_time(cross):
    ref, right, _ = PAIRS[0]
    assert cross.prob(ref, right) == cross.prob(ref, right)
    assert 0.0 < cross.prob(ref, right) < 1.0


class _Says:
    """A scripted cross-encoder: the same verdict for every pair."""

    name = "scripted"

    def __init__(self, p: float, close: float = 1.0):
        self.p, self.close, self.calls = p, close, 0

    def prob(self, reference: str, answer: str, question: str = "") -> float:
        self.calls += 1
        return self.p

    def closeness(self, question: np.ndarray) -> float:
        return self.close


def test_the_stack_is_the_feature_probability_without_weights_and_moves_with_the_verdict():
    model = ScoreModel.load()
    short = np.zeros(len(FEATURES))  # log_len - len_ratio = 0: a reference of no words
    long_ = short.copy()
    long_[FEATURES.index("log_len")] = np.log1p(200)
    model.cross = {}
    assert model.with_cross(short, 0.3, 0.99, 1.0) == 0.3
    model.cross = {"short": [1.0, -0.5, 1.0, 0.0]}  # weighed from closeness 0.5 on
    assert (
        model.with_cross(short, 0.5, 0.9, 0.9)
        > model.with_cross(short, 0.5, 0.5, 0.9)
        > model.with_cross(short, 0.5, 0.1, 0.9)
    )
    assert model.with_cross(short, 0.5, 0.9, 0.9) > model.with_cross(short, 0.5, 0.9, 0.6)
    # Far from its training questions the verdict is not weighed at all, and never turned against itself.
    assert model.with_cross(short, 0.5, 0.9, 0.3) == pytest.approx(0.5)
    assert model.with_cross(short, 0.5, 0.1, 0.0) == pytest.approx(0.5)
    assert model.with_cross(long_, 0.3, 0.99, 1.0) == 0.3  # a regime without a stack: the features alone
    assert model.weighs_cross(short, 0.9) and not model.weighs_cross(short, 0.3)
    assert not model.weighs_cross(long_, 1.0)


def test_fit_stack_weighs_the_side_that_carries_the_signal():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000).astype(float)
    noisy = 1 / (1 + np.exp(-rng.normal(size=2000)))  # no signal
    close = rng.uniform(0, 1, 2000)
    # The verdict carries signal only for questions close to its training ones (close > 0.5).
    good = 1 / (1 + np.exp(-(np.where(close > 0.5, 2 * y - 1, 0) + rng.normal(size=2000))))
    a, b0, b1, _ = fit_stack(noisy, good, close, y)
    assert abs(a) < 0.2 and b1 > 1.0 and b0 < 0


def test_grader_runs_the_cross_encoder_on_the_reference_match_only(services):
    model = ScoreModel.load()
    model.cross = {"short": [1.0, 0.0, 2.0, 0.0], "long": [1.0, 0.0, 2.0, 0.0]}
    target = Target.from_reference("q", "Why does ice float?", "Ice is less dense than liquid water.")
    answer = "Ice is less dense than water, so it floats."
    high, low = _Says(0.95), _Says(0.05)
    g_high = RubricGrader(services.embedder, model, cross=high).score(target, answer)
    g_low = RubricGrader(services.embedder, model, cross=low).score(target, answer)
    assert g_high > g_low
    assert high.calls == 1  # one reference, one run


def test_a_cross_encoder_that_says_correct_never_lifts_a_guarded_answer(services):
    model = ScoreModel.load()
    model.cross = {"short": [1.0, 0.0, 3.0, 0.0], "long": [1.0, 0.0, 3.0, 0.0]}
    grader = RubricGrader(services.embedder, model, cross=_Says(0.999))
    target = Target.from_reference("q", "Why does ice float?", "Ice is less dense than liquid water.")
    for answer, cap in (
        ("", 0.0),
        ("I don't know", 0.0),
        ("asdf qwer zxcv uiop hjkl", 0.25),  # off topic: the match is held at 0.05
        ("density, mass, volume, buoyancy, ice, water, float", 1.5),
    ):
        assert grader.grade(target, answer).score <= cap, answer


def test_a_question_far_from_its_training_questions_does_not_run_the_cross_encoder(services):
    model = ScoreModel.load()
    model.cross = {"short": [1.0, -0.5, 1.0, 0.0]}
    target = Target.from_reference("q", "Why does ice float?", "Ice is less dense than liquid water.")
    far, near = _Says(0.99, close=0.2), _Says(0.99, close=0.9)
    RubricGrader(services.embedder, model, cross=far).score(target, "It is less dense.")
    RubricGrader(services.embedder, model, cross=near).score(target, "It is less dense.")
    assert (far.calls, near.calls) == (0, 1)


def test_a_corpus_question_is_graded_on_its_key_points_without_the_cross_encoder(services, corpus):
    model = ScoreModel.load()
    model.cross = {"short": [1.0, 0.0, 2.0, 0.0], "long": [1.0, 0.0, 2.0, 0.0]}
    says = _Says(0.99)
    grader = RubricGrader(services.embedder, model, corpus.rubric, cross=says)
    question = next(iter(corpus.by_id.values()))
    grader.grade(Target.of(question), question.reference_answer)
    assert says.calls == 0


def test_question_vectors_of_another_encoder_leave_the_cross_encoder_out(services):
    vec = services.embedder.passages(["Why does the bulb light when the switch is closed?"])[0].vec
    assert CrossEncoder(encoder="some-other-encoder").closeness(vec) == 0.0


def test_a_delta_is_read_whole_at_load_so_threads_never_parse_array_headers():
    from concurrent.futures import ThreadPoolExecutor

    from interviewer.encoders.cross_encoder import _load_npz

    buf = io.BytesIO()
    np.savez(buf, **{f"layer{i}.lora_a": np.full((2, 2), i, dtype=np.float32) for i in range(64)})
    arrays = _load_npz(buf.getvalue())
    assert isinstance(arrays, dict) and sorted(arrays.files) == sorted(f"layer{i}.lora_a" for i in range(64))
    with ThreadPoolExecutor(8) as pool:  # an NpzFile would parse each header again here, from eight threads
        sums = list(pool.map(lambda k: float(arrays[k].sum()), arrays.files * 20))
    assert sums[:64] == [4.0 * i for i in range(64)]
