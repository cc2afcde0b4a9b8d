"""Benchmark: is the list of combinations usable on real data? Prints one table per corpus.

For the top 30 combinations at k = 4 it measures the largest share of combinations holding one skill, distinct
skills over slots, the share connected through attested pairs, the share never seen together, the mean gain and
the time `select_combinations` takes, for

* ``before``: the previous defaults (every skill kept, version tags too, the plain ranking by gain);
* ``after``: the defaults now (auto min count, version tags dropped, attested + close + new, list objective);
* ``uniform``: uniformly random 4-subsets of the same skills (a baseline).

Corpora: the embedded demo, the Ask Ubuntu tags in ../shared/data/real/ when present, and a generated corpus of
5,000 skills (areas of skills on rings, records tagged with neighbours) for speed.

    python bench/bench_select.py [--top 30] [--k 4]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from steps_core.compare import sample_combinations, sampler_stats  # noqa: E402
from steps_core.evidence import pair_evidence  # noqa: E402
from steps_core.graph import build_graph, count_cooccurrences  # noqa: E402
from steps_core.novelty import SupportIndex  # noqa: E402
from steps_core.optimize import build_tree  # noqa: E402
from steps_core.select import PLAIN, select_combinations  # noqa: E402

REAL = REPO.parent / "shared" / "data" / "real" / "ask-ubuntu-tags.jsonl.gz"


def demo() -> list[list[str]]:
    with open(REPO / "assets" / "demo" / "corpus.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["skills"] for line in fh]


def ask_ubuntu() -> list[list[str]]:
    with gzip.open(REAL, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["skills"] for line in fh]


def generated(n_skills: int = 5000, n_records: int = 400_000, area: int = 25, seed: int = 0) -> list[list[str]]:
    """Areas of ``area`` skills on a ring; a record holds 1-3 neighbours of one area, sometimes a far skill."""
    rng = random.Random(seed)
    out = []
    for _ in range(n_records):
        a = rng.randrange(n_skills // area)
        first = rng.randrange(area)
        rec = [f"skill {a * area + (first + j) % area:05d}" for j in range(rng.choice((1, 2, 2, 3)))]
        if rng.random() < 0.05:
            rec.append(f"skill {rng.randrange(n_skills):05d}")
        out.append(rec)
    return out


def run(name: str, lists: list[list[str]], k: int, top: int) -> list[str]:
    cooc = count_cooccurrences(lists)
    index = SupportIndex.from_skill_lists(lists)
    lines = [f"## {name}: {cooc.n_records:,} records, {cooc.n_skills:,} skills", "",
             "| list | skills in tree | top skill share | distinct / slots | attested | novel | mean gain | "
             "select (s) |", "|---|---|---|---|---|---|---|---|"]
    for label, graph_kw, select_kw in (("before", dict(min_count=1, drop_versions=False), PLAIN),
                                       ("after", {}, {}), ("uniform", {}, None)):
        graph = build_graph(cooc, **graph_kw)
        tree = build_tree(graph, k=3)
        t0 = time.perf_counter()
        if select_kw is None:
            combos = sample_combinations("uniform", tree, k, top, seed=0)
        else:
            combos = [c.skills for c in select_combinations(tree, k=k, top=top, index=index, **select_kw)]
        seconds = time.perf_counter() - t0
        st = sampler_stats(label, k, combos, tree, index, evidence=pair_evidence(tree.graph))
        lines.append(f"| {label} | {tree.n_skills:,} | {st.max_skill_share:.0%} | {st.distinct_share:.0%} | "
                     f"{st.connected_share:.0%} | {st.novelty_rate:.0%} | {st.mean_gain:.3f} | "
                     f"{seconds if select_kw is not None else float('nan'):.1f} |")
    return lines + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--skip-generated", action="store_true")
    args = ap.parse_args()
    corpora = [("demo", demo)]
    if REAL.exists():
        corpora.append(("Ask Ubuntu", ask_ubuntu))
    if not args.skip_generated:
        corpora.append(("generated 5,000 skills", generated))
    print(f"top {args.top} at k = {args.k}; goals: top skill <= 20%, distinct >= 60%, attested >= 60%, novel >= 90%\n")
    for name, load in corpora:
        print("\n".join(run(name, load(), args.k, args.top)), flush=True)


if __name__ == "__main__":
    main()
