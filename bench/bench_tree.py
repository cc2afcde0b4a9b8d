"""Benchmark of the core engine: tree building and the selection sweep (run by hand, prints a table).

    python bench/bench_tree.py                 # 500, 2,000, 20,000 skills + Erdos-Renyi control
    python bench/bench_tree.py --sizes 500 2000 --no-louvain

Each graph runs in its own process so that its peak memory (max RSS) is its own. Columns:
build s / peak MiB = default tree (k=3) build time and the process's peak resident memory;
H greedy / H plain / H topdown = H^T of the default, of plain greedy (--no-refine) and of topdown (k=3);
H2 default / H2 louvain = H of the default 2-level tree and of networkx's Louvain partition (k=2);
sweep s = full selection sweep (every skill a start, k=5, beam 20, local scope).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

GRAPHS = {
    "planted-500": dict(kind="planted", n=500, n_groups=4, n_sub=4, p_sub=0.5, p_group=0.1, p_out=0.01),
    "planted-2000": dict(kind="planted", n=2000, n_groups=4, n_sub=4, p_sub=0.5, p_group=0.1, p_out=0.01),
    "planted-20000": dict(kind="planted", n=20000, n_groups=8, n_sub=8, p_sub=0.15, p_group=0.015, p_out=0.001),
    "er-2000": dict(kind="er", n=2000, m=100_000),
    "er-10000-sparse": dict(kind="er", n=10_000, m=20_000),
}


def run_one(name: str, louvain: bool, sweep_starts: int | None) -> dict:
    import numpy as np

    from steps_core.generators import erdos_renyi, planted_hierarchy
    from steps_core.optimize import LevelProblem, build_tree, level_objective
    from steps_core.select import select_combinations

    spec = dict(GRAPHS[name])
    kind = spec.pop("kind")
    if kind == "planted":
        graph = planted_hierarchy(spec.pop("n"), seed=0, **spec)[0]
    else:
        graph = erdos_renyi(spec["n"], spec["m"], seed=0)
    build_tree(planted_hierarchy(64, n_groups=2, n_sub=2)[0], k=3)       # compile outside the timing
    t0 = time.perf_counter()
    tree = build_tree(graph, k=3)
    build_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    plain = build_tree(graph, k=3, refine=False)
    plain_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    topdown = build_tree(graph, k=3, method="topdown")
    topdown_s = time.perf_counter() - t0
    two = build_tree(graph, k=2)
    row = dict(graph=name, skills=graph.n_skills, edges=graph.n_edges, build_s=build_s, peak_mib=peak,
               plain_s=plain_s, topdown_s=topdown_s, h1=tree.h1, h_greedy=tree.entropy, h_plain=plain.entropy,
               h_topdown=topdown.entropy, h2_default=two.entropy, h2_louvain=None, sweep_s=None, sweep_starts=None)
    if louvain:
        import networkx as nx

        g = nx.Graph()
        src, dst, w = graph.edges()
        g.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist()))
        comms = nx.community.louvain_communities(g, weight="weight", seed=0)
        labels = np.zeros(graph.n_skills, np.int64)
        for i, c in enumerate(comms):
            labels[list(c)] = i
        prob = LevelProblem(graph.degree, graph.adjacency, graph.vol)
        row["h2_louvain"] = tree.h1 + level_objective(prob, labels) / graph.vol
    starts = [[s] for s in tree.skills]
    if sweep_starts is not None and sweep_starts < len(starts):
        starts = starts[:: max(1, len(starts) // sweep_starts)][:sweep_starts]
    t0 = time.perf_counter()
    select_combinations(tree, starts=starts, k=5, beam=20)
    row["sweep_s"] = time.perf_counter() - t0
    row["sweep_starts"] = len(starts)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="*", default=list(GRAPHS), help="graph names: " + ", ".join(GRAPHS))
    ap.add_argument("--no-louvain", action="store_true", help="skip the networkx Louvain comparison")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        name = args.one
        sweep = 1000 if GRAPHS[name]["n"] > 5000 else None
        print(json.dumps(run_one(name, not args.no_louvain, sweep)))
        return
    rows = []
    for name in args.sizes:
        cmd = [sys.executable, __file__, "--one", name] + (["--no-louvain"] if args.no_louvain else [])
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"done {name}", file=sys.stderr)
    head = (f"{'graph':<15}{'skills':>7}{'edges':>9}{'build s':>9}{'peak MiB':>9}{'plain s':>8}{'topdn s':>8}"
            f"{'H^1':>8}{'H greedy':>9}{'H plain':>9}{'H topdn':>9}{'H2 dflt':>9}{'H2 louv':>9}{'sweep s':>9}")
    print(head)
    print("-" * len(head))
    for r in rows:
        louv = f"{r['h2_louvain']:9.4f}" if r["h2_louvain"] is not None else f"{'-':>9}"
        sweep = f"{r['sweep_s']:9.2f}"
        if r["sweep_starts"] != r["skills"]:
            sweep += f" ({r['sweep_starts']} starts)"
        print(f"{r['graph']:<15}{r['skills']:>7}{r['edges']:>9}{r['build_s']:9.2f}{r['peak_mib']:9.0f}"
              f"{r['plain_s']:8.2f}{r['topdown_s']:8.2f}{r['h1']:8.4f}{r['h_greedy']:9.4f}{r['h_plain']:9.4f}"
              f"{r['h_topdown']:9.4f}{r['h2_default']:9.4f}{louv}{sweep}")


if __name__ == "__main__":
    main()
