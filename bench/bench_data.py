"""Benchmark of data in: streaming co-occurrence counts and embedding tagging.

Run by hand (not in CI):  python bench/bench_data.py [--records 1000000] [--tag-records 600] [--threads N]

Generates a JSONL corpus of N records with 2-8 tags each drawn (Zipf-like) from 2,000 skill names, a Parquet copy,
then times ``load_cooccurrence`` with both engines (each in a fresh subprocess so that peak memory, the maximum
resident set size, belongs to that run alone) and checks the results are identical.

Then times ``steps tag`` as it runs today (:func:`steps_core.tagging.tag_records` with the
:class:`~steps_core.tagging.EmbeddingTagger` at the command's defaults: sentence segments, threshold 0.25, top 3,
batches of 64 texts, one encoding thread per core, a fresh embedding cache) on ``--tag-records`` real records
(the demo corpus and the self-instruct seed tasks, spread as ``bench/bench_tagging.py --sample`` spreads them;
151-skill demo catalogue; no text is a cache hit), with segments and with ``--no-segments``, the model already
loaded, for each embedding backend (``--backends``: torch, onnx, onnx-int8; the configurations take turns in
every run). Prints records/s, texts encoded/s (a multi-sentence record is encoded whole and per sentence), the
top-1 skill's agreement with the torch backend on the same records, and the lowest and highest load average
seen, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, resource, sys, time, hashlib
import numpy as np
from steps_core.corpus import load_cooccurrence
path, engine = sys.argv[1], sys.argv[2]
t = time.perf_counter()
c = load_cooccurrence(path, engine=engine)
dt = time.perf_counter() - t
up = c.pairs.tocoo()
h = hashlib.sha256()
h.update("\n".join(c.skills).encode()); h.update(c.counts.tobytes())
order = np.lexsort((up.col, up.row))
for a in (up.row[order].astype(np.int64), up.col[order].astype(np.int64), up.data[order].astype(np.int64)):
    h.update(a.tobytes())
print(json.dumps({"seconds": dt, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "records": c.n_records, "skills": c.n_skills, "pairs": int(c.pairs.nnz // 2),
                  "digest": h.hexdigest()}))
"""


def make_corpus(path: Path, n: int, n_skills: int = 2000, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    names = [f"skill {i:04d}" for i in range(n_skills)]
    p = 1.0 / np.arange(1, n_skills + 1) ** 0.8
    p /= p.sum()
    with path.open("w", encoding="utf-8") as fh:
        for start in range(0, n, 100_000):
            m = min(100_000, n - start)
            lengths = rng.integers(2, 9, m)
            draws = rng.choice(n_skills, size=int(lengths.sum()), p=p)
            pos = 0
            lines = []
            for k, ln in enumerate(lengths):
                tags = [names[j] for j in draws[pos:pos + ln]]
                pos += ln
                lines.append(json.dumps({"id": start + k, "instruction": "do something", "skills": tags}))
            fh.write("\n".join(lines) + "\n")


def to_parquet(src: Path, dst: Path) -> None:
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    table = pj.read_json(src)
    pq.write_table(table.select(["id", "instruction", "skills"]), dst, row_group_size=100_000)


def run_child(path: Path, engine: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), engine], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_tagging(n: int, threads: int | None = None, runs: int = 1,
                  backends: tuple[str, ...] = ("torch", "onnx", "onnx-int8")) -> list[dict]:
    """``steps tag``'s defaults, then ``--no-segments``, per backend: one dict per configuration (best of
    ``runs``; the configurations take turns in each run, so all see the same load), with the top-1 skill's
    agreement with the torch backend (same segments setting) on these records."""
    from bench_tagging import ROOT, corpus_records, run_once

    from steps_core.corpus import read_catalog
    from steps_core.embed import default_threads, load_model, usable_backend
    from steps_core.tagging import text_segments

    catalog = read_catalog(ROOT / "assets" / "demo" / "skills.csv")
    records = corpus_records(sample=n)
    t0 = time.perf_counter()
    load_model()
    load_s = time.perf_counter() - t0
    for b in backends:
        usable_backend(b)                                # ONNX graphs exported before any timing
    configs = [(b, seg) for seg in (True, False) for b in backends]
    multi = sum(len(p) for p in map(text_segments, (r.text for r in records)) if len(p) > 1)
    rows = {c: {"backend": c[0], "segments": c[1], "records": len(records), "texts": len(records) + multi * c[1],
                "seconds": float("inf"), "model_load_s": load_s, "threads": threads or default_threads(),
                "loads": []} for c in configs}
    top1: dict = {}
    for _ in range(runs):
        for c in configs:
            load_before = os.getloadavg()[0]
            got: list = []
            seconds = run_once(records, catalog, {"segments": c[1], "threads": threads, "backend": c[0]},
                               cache=True, top1=got)
            top1[c] = got
            row = rows[c]
            row["loads"] += [load_before, os.getloadavg()[0]]
            row["seconds"] = min(row["seconds"], seconds)
    for (b, seg), row in rows.items():
        row["per_second"] = row["records"] / row["seconds"]
        row["texts_per_second"] = row["texts"] / row["seconds"]
        row["load_before"], row["load_after"] = min(row["loads"]), max(row["loads"])
        ref = top1.get(("torch", seg))
        row["agreement"] = (float(np.mean([a == b_ for a, b_ in zip(top1[(b, seg)], ref)])) if ref else None)
    return list(rows.values())


def bench_counting(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.jsonl"
        t = time.perf_counter()
        make_corpus(src, n)
        print(f"generated {n:,} records ({src.stat().st_size / 1e6:.0f} MB JSONL) in {time.perf_counter() - t:.1f} s")
        pq_path = Path(tmp) / "corpus.parquet"
        to_parquet(src, pq_path)
        rows = []
        for fmt, path in (("jsonl", src), ("parquet", pq_path)):
            for engine in ("memory", "duckdb"):
                rows.append((fmt, engine, run_child(path, engine)))
    digests = {r["digest"] for _, _, r in rows}
    print()
    print(f"{'format':8} {'engine':7} {'seconds':>8} {'records/s':>11} {'peak RSS MB':>12} {'skills':>7} {'pairs':>9}")
    for fmt, engine, r in rows:
        print(f"{fmt:8} {engine:7} {r['seconds']:8.1f} {r['records'] / r['seconds']:11,.0f} "
              f"{r['rss_mb']:12.0f} {r['skills']:7,} {r['pairs']:9,}")
    print(f"identical results across engines and formats: {len(digests) == 1}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000, help="records of the generated counting corpus")
    ap.add_argument("--tag-records", type=int, default=600,
                    help="real records to tag (at most 1,694: the demo corpus + the seed tasks); 0: no tagging")
    ap.add_argument("--tag-runs", type=int, default=1, help="tagging runs per configuration (the best is shown)")
    ap.add_argument("--threads", type=int, default=None,
                    help="encoding threads for tagging, as steps tag --threads (default: $STEPS_EMBED_THREADS, "
                         "else one per core)")
    ap.add_argument("--skip-count", action="store_true", help="only the tagging benchmark")
    ap.add_argument("--backends", default="torch,onnx,onnx-int8",
                    help="embedding backends to time, comma-separated (steps tag --backend)")
    args = ap.parse_args()
    if not args.skip_count:
        bench_counting(args.records)
    if args.tag_records:
        rows = bench_tagging(args.tag_records, args.threads, args.tag_runs, tuple(args.backends.split(",")))
        print()
        print(f"tagging (steps tag defaults: MiniLM on the CPU, {os.cpu_count()} cores, {rows[0]['threads']} "
              f"encoding thread(s), 151 catalogue skills, fresh cache; model load {rows[0]['model_load_s']:.1f} s; "
              f"best of {args.tag_runs}; top-1 agreement with torch, same segments setting)")
        print(f"{'backend':10} {'segments':9} {'records':>7} {'texts':>6} {'seconds':>8} {'records/s':>10} "
              f"{'texts/s':>8} {'top-1 agree':>11} {'load avg':>11}")
        for r in rows:
            agree = "-" if r["agreement"] is None else f"{r['agreement']:.3f}"
            print(f"{r['backend']:10} {'on' if r['segments'] else 'off':9} {r['records']:7,} {r['texts']:6,} "
                  f"{r['seconds']:8.1f} {r['per_second']:10.1f} {r['texts_per_second']:8.1f} {agree:>11} "
                  f"{r['load_before']:5.2f}-{r['load_after']:<5.2f}")


if __name__ == "__main__":
    main()
