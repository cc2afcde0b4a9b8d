"""Benchmark of ``steps tag`` (embedding tagger): records/s on this machine.

Run by hand (not in CI):  python bench/bench_tagging.py [--runs 3] [--repeat 1] [--tagger '{"backend": "onnx"}']
                          python bench/bench_tagging.py --quality   (P/R/F1 and top-1 agreement per backend)

What is timed: ``tag_records(iter_records(corpus), EmbeddingTagger(catalog), retag=True)`` written out as
``steps tag`` does, i.e. reading the corpus, embedding every record's text, scoring against the catalogue and
choosing the skills. The corpus is the demo corpus (1,519 records, 151-skill catalogue) plus the 175
self-instruct seed tasks (real, longer instructions); every run uses a fresh, empty embedding cache (so no
text is a cache hit) and a model that is already loaded (the ~1 s model load is reported apart). ``--repeat``
appends variants of the texts (distinct, so still no cache hits) for a longer run.

The figure reported is the best (minimum time) of ``--runs`` runs, with the median beside it, and the load
average of the machine before the runs: the machine is shared with other engineers running tests, so
figures taken under load are lower and noisier than idle ones.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "data" / "self-instruct" / "seed_tasks.jsonl"


def corpus_records(repeat: int = 1, sample: int | None = None):
    from steps_core.corpus import iter_records

    recs = list(iter_records(ROOT / "assets" / "demo" / "corpus.jsonl", require_skills=False))
    if SEEDS.exists():
        recs += list(iter_records(SEEDS, require_skills=False))
    if sample:                                       # spread over both files
        recs = recs[:: max(1, len(recs) // sample)][:sample]
    out = list(recs)
    for k in range(1, repeat):
        out += [r.__class__(f"{r.id}-{k}", (), text=f"{r.text} ({k})", source=r.source, raw=dict(r.raw))
                for r in recs]
    return out


def run_once(records, catalog, tagger_kwargs: dict, cache: bool, top1: list | None = None) -> float:
    from steps_core.corpus import iter_json_lines
    from steps_core.tagging import EmbeddingTagger, tag_records

    with tempfile.TemporaryDirectory() as tmp:
        tagger = EmbeddingTagger(catalog, cache_dir=tmp if cache else None, **tagger_kwargs)
        tagger.skill_matrix()                         # the catalogue is embedded once per run, outside the timing
        t = time.perf_counter()
        n = 0
        with open(os.path.join(tmp, "out.jsonl"), "wb") as fh:
            for row in tag_records(records, tagger, catalog=catalog, retag=True):
                fh.write(next(iter_json_lines([row])))
                n += 1
                if top1 is not None:
                    top1.append(row["skills"][0] if row["skills"] else None)
        dt = time.perf_counter() - t
    assert n == len(records)
    return dt


def quality(backends=("torch", "onnx", "onnx-int8"), segments=(True, False)) -> list[dict]:
    """Precision / recall / F1 (micro) of the default tagger per backend and segments setting on the three
    checks of tests/test_tagging_quality.py (all 1,519 demo records against their own tags; the seed tasks
    against hand-judged Skill-Mix skills; the Skill-Mix examples tagged back), with the top-1 skill's
    agreement with the torch backend (same segments setting) on the same texts."""
    import numpy as np

    sys.path.insert(0, str(ROOT / "tests"))
    from test_tagging_quality import SEED_AMBIGUOUS, SEED_GOLD

    from steps_core.corpus import iter_records, read_catalog
    from steps_core.tagging import EmbeddingTagger, tag_precision_recall, top_skills

    checks = []
    demo = list(iter_records(ROOT / "assets" / "demo" / "corpus.jsonl", require_skills=False))
    checks.append(("demo", [r.text for r in demo], [r.skills for r in demo], ROOT / "assets" / "demo" / "skills.csv"))
    skillmix = SEEDS.parent.parent / "skillmix" / "skills.csv"
    if SEEDS.exists() and skillmix.exists():
        seeds = list(iter_records(SEEDS, require_skills=False))
        keep = [i for i in range(len(seeds)) if i not in SEED_AMBIGUOUS]
        checks.append(("seed tasks", [seeds[i].text for i in keep], [SEED_GOLD.get(i, ()) for i in keep], skillmix))
        cat = read_catalog(skillmix)
        checks.append(("skillmix examples", [s.example for s in cat], [(s.name,) for s in cat], skillmix))
    out = []
    for name, texts, gold, catalog_path in checks:
        catalog = read_catalog(catalog_path)
        with tempfile.TemporaryDirectory() as tmp:
            for seg in segments:
                ref = None
                for backend in backends:
                    tagger = EmbeddingTagger(catalog, segments=seg, backend=backend,  # onnx shares torch's
                                             cache_dir=os.path.join(tmp, backend))       # cache id: apart
                    sims = tagger.similarities(texts)
                    tags = top_skills(sims, tagger.names, top_m=tagger.top_m, threshold=tagger.threshold)
                    ref = sims if ref is None else ref
                    res = tag_precision_recall([t.skills for t in tags], gold)
                    res.update(check=name, backend=backend, segments=seg,
                               agreement=float(np.mean(sims.argmax(1) == ref.argmax(1))))
                    out.append(res)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=1, help="copies (distinct variants) of the corpus")
    ap.add_argument("--sample", type=int, default=None, help="only this many records, spread over the corpus")
    ap.add_argument("--no-cache", action="store_true", help="no embedding cache at all (default: a fresh one)")
    ap.add_argument("--tagger", default="{}", help="JSON of extra EmbeddingTagger keyword arguments")
    ap.add_argument("--json", action="store_true", help="print one JSON line only")
    ap.add_argument("--quality", action="store_true",
                    help="instead of timing: precision/recall/F1 and top-1 agreement with torch per backend")
    args = ap.parse_args(argv)
    if args.quality:
        rows = quality()
        print(f"{'check':18} {'backend':10} {'segments':8} {'P':>6} {'R':>6} {'F1':>6} {'tags':>6} "
              f"{'top-1 = torch':>13}")
        for r in rows:
            print(f"{r['check']:18} {r['backend']:10} {'on' if r['segments'] else 'off':8} {r['precision']:6.3f} "
                  f"{r['recall']:6.3f} {r['f1']:6.3f} {r['n_predicted']:6} {r['agreement']:13.3f}")
        return {"quality": rows}
    import torch

    from steps_core.corpus import read_catalog
    from steps_core.embed import load_model

    catalog = read_catalog(ROOT / "assets" / "demo" / "skills.csv")
    records = corpus_records(args.repeat, args.sample)
    kwargs = json.loads(args.tagger)
    t = time.perf_counter()
    load_model()
    load_s = time.perf_counter() - t
    load_before = os.getloadavg()
    times = [run_once(records, catalog, kwargs, not args.no_cache) for _ in range(args.runs)]
    load_after = os.getloadavg()
    res = {"records": len(records), "runs": [round(x, 2) for x in times],
           "best_per_s": len(records) / min(times), "median_per_s": len(records) / statistics.median(times),
           "model_load_s": round(load_s, 2), "loadavg_before": load_before[0], "loadavg_after": load_after[0],
           "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(), "tagger": kwargs}
    if args.json:
        print(json.dumps(res))
    else:
        print(f"steps tag (embedding) on {res['records']:,} records, {len(catalog)} skills, "
              f"{res['cores']} cores, torch threads {res['torch_threads']}, options {kwargs}")
        print(f"  runs (s): {res['runs']}  best {res['best_per_s']:.0f} records/s, median "
              f"{res['median_per_s']:.0f} records/s; model load {res['model_load_s']} s; "
              f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    return res


if __name__ == "__main__":
    sys.exit(main() and 0)
