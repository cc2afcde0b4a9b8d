"""Benchmark of data in: streaming co-occurrence counts and embedding tagging.

Run by hand (not in CI):  python bench/bench_data.py [--records 1000000] [--tag-records 2000]

Generates a JSONL corpus of N records with 2-8 tags each drawn (Zipf-like) from 2,000 skill names, a Parquet copy,
then times ``load_cooccurrence`` with both engines (each in a fresh subprocess so that peak memory, the maximum
resident set size, belongs to that run alone), checks the results are identical, and measures tagging throughput
with the real MiniLM model on CPU. Prints a table.
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


def bench_tagging(n: int, threads: int | None = None) -> dict:
    import torch

    from steps_core.corpus import Skill
    from steps_core.embed import load_model
    from steps_core.tagging import EmbeddingTagger

    seeds = Path(__file__).resolve().parents[2] / "shared" / "data" / "self-instruct" / "seed_tasks.jsonl"
    if seeds.exists():
        base = [json.loads(line)["instruction"] for line in seeds.read_text(encoding="utf-8").splitlines() if line]
    else:
        base = ["Fix the bug in this Python function.", "Write a poem about the sea.",
                "Summarise this article in three sentences.", "Translate this sentence to French."]
    # distinct texts: no cache hits
    texts = [f"{base[i % len(base)]} (variant {i}, {threads} threads)" for i in range(n)]
    skills = [Skill(f"skill {i}", definition=f"the ability number {i} to do a task well") for i in range(100)]
    if threads:
        torch.set_num_threads(threads)
    t0 = time.perf_counter()
    load_model()
    load_s = time.perf_counter() - t0
    tagger = EmbeddingTagger(skills, top_m=3, threshold=0.0)
    tagger.tag(["warm up"])
    t = time.perf_counter()
    tagger.tag(texts)
    dt = time.perf_counter() - t
    return {"records": n, "seconds": dt, "per_second": n / dt, "model_load_s": load_s,
            "threads": torch.get_num_threads()}


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
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--tag-records", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=None,
                    help="torch threads for tagging (default: torch's choice, one per core). On a machine where "
                         "other work holds a core, 1 thread is several times faster than 2.")
    ap.add_argument("--skip-count", action="store_true", help="only the tagging benchmark")
    args = ap.parse_args()
    if not args.skip_count:
        bench_counting(args.records)
    if args.tag_records:
        r = bench_tagging(args.tag_records, args.threads)
        print()
        print(f"tagging (MiniLM, CPU, {os.cpu_count()} cores, {r['threads']} torch threads, batch 64, "
              f"100 catalogue skills, no cache hits): "
              f"{r['records']:,} records in {r['seconds']:.1f} s = {r['per_second']:.0f} records/s "
              f"(model load {r['model_load_s']:.1f} s)")


if __name__ == "__main__":
    main()
