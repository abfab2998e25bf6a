"""Compute grader features for every row of the shared ASAG sets and cache them (an experiment helper)."""
import sys, time, pickle
from pathlib import Path
import numpy as np, pandas as pd
from interviewer.embeddings import make_embedder
from interviewer.grading.features import encode, pair_features, FEATURES
from interviewer.text import clean, spans, content_stems

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "asag"
emb = make_embedder("onnx")

def feats(q, ref, a):
    qs = frozenset(content_stems(q))
    qe = encode(emb, q)
    ae = encode(emb, a, qs)
    sp = [s.text for s in spans(a)] or [a]
    sv = list(emb.embed(sp))
    rows = [pair_features(ae, encode(emb, r.strip(), qs), qe, sv) for r in ref.split("|||") if r.strip()]
    return np.max(np.stack(rows), axis=0)

out = {}
for name in sys.argv[1:]:
    d = pd.read_csv(DATA / f"{name}.csv")
    t = time.time()
    X = np.stack([feats(clean(str(r.question)), clean(str(r.reference_answer)), clean(str(r.answer))) for r in d.itertuples()])
    print(name, X.shape, f"{time.time()-t:.0f}s", file=sys.stderr)
    out[name] = (d, X)
pickle.dump(out, open(f"/tmp/feats_{'_'.join(sys.argv[1:])}.pkl", "wb"))
