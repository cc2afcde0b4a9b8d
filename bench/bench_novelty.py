"""Benchmark of the support index (run by hand, prints a table).

    python bench/bench_novelty.py [--records 1000000] [--skills 2000] [--queries 100000]

Records carry 2-8 skills drawn with Zipf-like popularity (p ~ rank^-0.8), so a few skills are in a large
share of records (the hard case for intersections); queries draw 2-5 skills the same way.
"""

import argparse
import resource
import time

import numpy as np

from steps_core.novelty import SupportIndex


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--skills", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=100_000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    p = 1 / np.arange(1, args.skills + 1) ** 0.8
    p /= p.sum()
    names = [f"skill {i}" for i in range(args.skills)]
    sizes = rng.integers(2, 9, args.records)
    flat = rng.choice(args.skills, sizes.sum(), p=p)
    offsets = np.r_[0, np.cumsum(sizes)]

    def records():
        for r in range(args.records):
            yield [names[i] for i in flat[offsets[r]:offsets[r + 1]]]

    t0 = time.perf_counter()
    index = SupportIndex.from_skill_lists(records())
    build = time.perf_counter() - t0
    queries = [[names[i] for i in rng.choice(args.skills, rng.integers(2, 6), p=p)] for _ in range(args.queries)]
    t0 = time.perf_counter()
    supports = [index.support(q) for q in queries]
    query = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'records':>10}{'skills':>8}{'build s':>9}{'queries':>9}{'query s':>9}{'us/query':>10}{'novel':>8}"
          f"{'peak MiB':>10}")
    print(f"{args.records:>10}{args.skills:>8}{build:9.2f}{args.queries:>9}{query:9.2f}"
          f"{1e6 * query / args.queries:10.1f}{np.mean(np.array(supports) == 0):8.1%}{peak:10.0f}")


if __name__ == "__main__":
    main()
