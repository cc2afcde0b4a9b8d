"""Benchmark of the selection sweep: every skill a start, the default list (run by hand, prints a table).

    python bench/bench_sweep.py                                   # planted-20000, k = 5, beam 20, 1 and 2 threads
    python bench/bench_sweep.py --graphs planted-2000 --threads 2 --runs 3
    python bench/bench_sweep.py --code /tmp/old --tree-cache /tmp/trees   # another checkout's steps_core, same trees

The graphs are bench_tree.py's (a 3-level tree is built first, outside the timing; ``--tree-cache DIR`` keeps it
pickled, so two checkouts are timed on the same tree). ``load`` is the 1-minute load average when the run starts:
the machine's other work shares the cores, so compare runs made back to back. Columns: seconds (wall, the best of
``--runs``), ms per start, CPU seconds of that run (all threads: what the load cannot inflate much), the
combinations listed and a digest of the list (the same digest = the same list).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def tree_for(name: str, cache: Path | None):
    sys.path.insert(0, str(HERE))
    from bench_tree import make_graph

    from steps_core.optimize import build_tree

    path = cache / f"{name}.pkl" if cache else None
    if path is not None and path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh)
    tree = build_tree(make_graph(name), k=3)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            pickle.dump(tree, fh, protocol=5)
    return tree


def digest(combos) -> str:
    text = "\n".join(f"{c.skills}|{c.start}|{c.gain!r}|{c.step_gains!r}|{c.value!r}" for c in combos)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graphs", nargs="+", default=["planted-20000"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--beam", type=int, default=20)
    ap.add_argument("--scope", default="local")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--code", type=Path, help="a checkout whose steps_core is timed (default: this one)")
    ap.add_argument("--tree-cache", type=Path)
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve() if args.code else HERE.parent))
    import steps_core
    from steps_core.select import select_combinations

    print(f"code {Path(steps_core.__file__).parent}, k = {args.k}, beam {args.beam}, {args.scope} scope, "
          f"{os.cpu_count()} cores")
    print(f"{'graph':<16}{'starts':>8}{'seconds':>9}{'ms/start':>10}{'cpu s':>8}{'threads':>9}{'load':>6}"
          f"{'combos':>8}  list")
    for name in args.graphs:
        tree = tree_for(name, args.tree_cache)
        warm = [[s] for s in tree.skills[:50]]
        select_combinations(tree, starts=warm, k=args.k, beam=args.beam, scope=args.scope, workers=1)   # compile
        for threads in args.threads:
            best, cpu, load, out = float("inf"), 0.0, os.getloadavg()[0], []
            for _ in range(args.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                out = select_combinations(tree, k=args.k, beam=args.beam, scope=args.scope, workers=threads)
                if time.perf_counter() - t0 < best:
                    best, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"{name:<16}{tree.n_skills:>8}{best:>9.2f}{1000 * best / tree.n_skills:>10.2f}{cpu:>8.1f}"
                  f"{threads:>9}{load:>6.1f}{len(out):>8}  {digest(out)}", flush=True)


if __name__ == "__main__":
    main()
