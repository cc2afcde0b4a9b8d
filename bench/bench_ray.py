"""Benchmark of tag-free counting: the Ray engine in local mode against the memory engine.

Run by hand (not in CI; needs ``pip install -e '.[ray]'``):

    python bench/bench_ray.py [--records 1000000] [--shards 8] [--repeat 3] [--cpus 2]
    python bench/bench_ray.py --tag-texts 2000           # tagging instead: MiniLM here vs RayTagger

Generates N records with 2-8 tags each drawn (Zipf-like) from 2,000 skill names, written as ``--shards`` JSONL
shards and the same shards as Parquet, then times ``load_cooccurrence`` with ``engine="memory"`` and
``engine="ray"`` on each (best of ``--repeat``; Ray started once, its start timed apart), checks that every
result is identical, and times the two Ray phases apart (the map: one task per shard reading and counting it; the
reduce: the reducer tasks summing the shards' pair counts, then the driver's matrix) so that docs/scale.md can
extrapolate. Prints a table and the load average: the machine may be shared, so compare runs made together.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def make_shards(folder: Path, n: int, shards: int, n_skills: int = 2000, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    names = [f"skill {i:04d}" for i in range(n_skills)]
    p = 1.0 / np.arange(1, n_skills + 1) ** 0.8
    p /= p.sum()
    per = -(-n // shards)
    for s in range(shards):
        m = max(0, min(per, n - s * per))
        lengths = rng.integers(2, 9, m)
        draws = rng.choice(n_skills, size=int(lengths.sum()), p=p)
        ends = np.cumsum(lengths)
        with (folder / f"part-{s:05d}.jsonl").open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps({"id": s * per + k, "instruction": "do something",
                                      "skills": [names[j] for j in draws[e - ln:e]]}) + "\n"
                          for k, (e, ln) in enumerate(zip(ends, lengths)))


def to_parquet(src: Path, dst: Path) -> None:
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    for f in sorted(src.glob("*.jsonl")):
        pq.write_table(pj.read_json(f).select(["id", "instruction", "skills"]), dst / f"{f.stem}.parquet",
                       row_group_size=100_000)


def same(a, b) -> bool:
    return (a.skills == b.skills and a.n_records == b.n_records and np.array_equal(a.counts, b.counts)
            and (a.pairs != b.pairs).nnz == 0)


def best(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def bench_tagging(n: int, cpus: int, repeat: int) -> None:
    """Texts per second of the MiniLM tagger in this process and spread over Ray actors (models loaded and the
    catalogue embedded before timing), and whether both give the same tags and scores."""
    import ray

    from steps_core.corpus import iter_records, read_catalog
    from steps_core.ray_engine import RayTagger
    from steps_core.tagging import EmbeddingTagger

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    demo = Path(__file__).resolve().parents[1] / "assets" / "demo"
    catalog = read_catalog(demo / "skills.csv")
    texts = [r.text for _, r in zip(range(n), iter_records(demo / "corpus.jsonl"))]
    local = EmbeddingTagger(catalog)
    local.tag(texts[:8])                                           # load the model, embed the catalogue
    sec_local, expected = best(lambda: local.tag(texts), repeat)
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    pool = RayTagger(EmbeddingTagger(catalog), chunk=64)
    pool.tag(texts[:8 * len(pool.actors)])                         # every actor loads its model
    sec_ray, got = best(lambda: pool.tag(texts), repeat)
    pool.close()
    ray.shutdown()
    print(f"\ntagging {len(texts):,} demo texts with MiniLM ({len(catalog)} skills), best of {repeat}, load average "
          f"{os.getloadavg()[0]:.1f}:")
    print(f"| {'tagger':<26}| {'seconds':>8} | {'texts/s':>8} |")
    print(f"|{'-' * 27}|{'-' * 10}|{'-' * 10}|")
    print(f"| {'in this process':<26}| {sec_local:8.2f} | {len(texts) / sec_local:8.0f} |")
    print(f"| {f'RayTagger, {len(pool.actors)} actor(s)':<26}| {sec_ray:8.2f} | {len(texts) / sec_ray:8.0f} |")
    print(f"same tags and scores: {'yes' if got == expected else 'NO'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cpus", type=int, default=os.cpu_count())
    ap.add_argument("--tag-texts", type=int, default=0,
                    help="also time tagging this many demo texts with MiniLM, locally and by RayTagger (0: no)")
    args = ap.parse_args()
    if args.tag_texts:
        bench_tagging(args.tag_texts, args.cpus, args.repeat)
        return

    import ray

    from steps_core import ray_engine
    from steps_core.corpus import ReadReport, load_cooccurrence

    rows, load = [], [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        jsonl, parquet = Path(tmp) / "jsonl", Path(tmp) / "parquet"
        jsonl.mkdir()
        parquet.mkdir()
        t = time.perf_counter()
        make_shards(jsonl, args.records, args.shards)
        to_parquet(jsonl, parquet)
        print(f"generated {args.records:,} records in {args.shards} shards ({time.perf_counter() - t:.1f} s); "
              f"JSONL {sum(f.stat().st_size for f in jsonl.iterdir()) / 1e6:.0f} MB, Parquet "
              f"{sum(f.stat().st_size for f in parquet.iterdir()) / 1e6:.0f} MB", flush=True)

        expected = {}
        for name, folder in (("jsonl", jsonl), ("parquet", parquet)):
            sec, expected[name] = best(lambda: load_cooccurrence(folder), args.repeat)
            rows.append(("memory", name, sec, expected[name].n_records, "yes"))
            print(rows[-1], flush=True)

        t = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        start = time.perf_counter() - t
        for name, folder in (("jsonl", jsonl), ("parquet", parquet)):
            sec, got = best(lambda: load_cooccurrence(folder, engine="ray"), args.repeat)
            rows.append(("ray", name, sec, got.n_records, "yes" if same(got, expected[name]) else "NO"))
            print(rows[-1], flush=True)

        # the two phases apart, on the JSONL shards (what the extrapolation in docs/scale.md uses)
        shards = ray_engine.shard_files(jsonl)
        options = {"skills_field": "skills", "lang": "en", "skip_bad": False, "max_errors": 10}
        parts = max(1, min(len(shards), args.cpus))
        phases = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            summaries, pieces = ray_engine.map_shards(ray, shards, options, parts)
            t1 = time.perf_counter()
            cooc = ray_engine.reduce_shards(ray, summaries, pieces)
            t2 = time.perf_counter()
            assert same(cooc, expected["jsonl"])
            phases.append((t1 - t0, t2 - t1))
            shuffled = sum(s["n_pairs"] for s in summaries)
        ray.shutdown()
        one = ReadReport()
        t = time.perf_counter()
        load_cooccurrence(shards[0].source, report=one)
        one_shard = time.perf_counter() - t
    load.append(os.getloadavg()[0])

    n = args.records
    print(f"\n{n:,} records, {args.shards} shards, Ray local mode on {args.cpus} CPU(s); best of {args.repeat}; "
          f"load average {load[0]:.1f} before, {load[1]:.1f} after (a shared machine: compare rows of one run)\n")
    print(f"| {'engine':<7}| {'input':<8}| {'seconds':>8} | {'records/s':>10} | identical |")
    print(f"|{'-' * 8}|{'-' * 9}|{'-' * 10}|{'-' * 12}|-----------|")
    for engine, name, sec, recs, ok in rows:
        print(f"| {engine:<7}| {name:<8}| {sec:8.2f} | {recs / sec:10,.0f} | {ok:<9} |")
    m, r = (min(p[i] for p in phases) for i in range(2))
    c = expected["jsonl"]
    print(f"\nRay start (ray.init, local): {start:.1f} s")
    print(f"Ray phases on JSONL (best): map {m:.2f} s ({args.shards} tasks on {args.cpus} CPU(s)); reduce {r:.2f} s "
          f"({parts} reducer(s) summing {shuffled:,} shard pair counts into {c.pairs.nnz // 2:,} pairs of "
          f"{c.n_skills:,} skills)")
    print(f"one shard ({n // args.shards:,} records) with the memory engine in this process: {one_shard:.2f} s = "
          f"{n // args.shards / one_shard:,.0f} records/s per core")


if __name__ == "__main__":
    main()
