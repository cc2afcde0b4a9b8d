"""Benchmark of the core engine: tree building and the selection sweep (run by hand, prints tables).

    python bench/bench_tree.py                          # every graph below (about 15 minutes)
    python bench/bench_tree.py --sizes planted-2000 sparse-100000 --runs 1
    python bench/bench_tree.py --cli planted-10000      # `steps tree` on the graph's CSV against the library call
    python bench/bench_tree.py --table a.json b.json    # one table from rows saved with --json

Each graph runs in its own process so that its peak memory (max RSS) is its own. Times are the minimum of
``--runs`` runs (default 3: the machine is shared). Columns:

* build s / peak MiB: default tree (k = 3) build time and the process's peak resident memory;
* H^T: its entropy; 2-lvl s / H^2: the default 2-level tree (k = 2);
* before s / before H^T / before H^2: the same measured with the code before issue 16 (commit ac60101^, the
  reference, :data:`REFERENCE`); "H^T <= before" must hold on every graph (it is checked and printed);
* load: the 1-minute load average when the graph finished (the machine is shared: times grow with it);
* with ``--extras`` (on by default for the graphs marked so): H plain / H topdown = plain greedy and topdown (k = 3),
  H2 louvain = networkx's Louvain partition, sweep s = the selection sweep (k = 5, beam 20, local scope).

The growth exponent is the least-squares slope of log(build time) against log(edges) over the ``sparse-*``
series (2,000 to 200,000 skills, 5 edges per skill). Peers' 2-level times (issue 16, same machine): CoDeSEG
builds planted-10000 in 1.9 s (H^2 11.42) and er-10000-sparse in 0.04 s (H^2 10.70).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

GRAPHS = {
    "planted-500": dict(kind="planted", n=500, n_groups=4, n_sub=4, p_sub=0.5, p_group=0.1, p_out=0.01, extras=True),
    "planted-2000": dict(kind="planted", n=2000, n_groups=4, n_sub=4, p_sub=0.5, p_group=0.1, p_out=0.01,
                         extras=True),
    "er-2000": dict(kind="er", n=2000, m=100_000, extras=True),
    "planted-10000": dict(kind="planted", n=10_000, n_groups=4, n_sub=4, p_sub=0.5, p_group=0.1, p_out=0.01),
    "planted-20000": dict(kind="planted", n=20000, n_groups=8, n_sub=8, p_sub=0.15, p_group=0.015, p_out=0.001,
                          extras=True),
    "er-10000-sparse": dict(kind="er", n=10_000, m=20_000, extras=True),
    "sparse-2000": dict(kind="er", n=2_000, m=10_000),
    "sparse-20000": dict(kind="er", n=20_000, m=100_000),
    "sparse-100000": dict(kind="er", n=100_000, m=500_000),
    "sparse-200000": dict(kind="er", n=200_000, m=1_000_000),
}
SERIES = ["sparse-2000", "sparse-20000", "sparse-100000", "sparse-200000"]

#: Measured with the code before issue 16 (commit ac60101^, this bench with --runs 1 --extras none) on this machine
#: (2 cores, shared: 1-minute load average 3-6 during the run): k = 3 build s, H^T, k = 2 build s, H^2.
REFERENCE: dict[str, dict[str, float]] = {
    "planted-500": dict(build_s=0.23, h=6.1436881402, two_s=0.05, h2=6.8157679036),
    "planted-2000": dict(build_s=1.53, h=8.1339553457, two_s=0.73, h2=8.7891129904),
    "er-2000": dict(build_s=13.37, h=9.9754892214, two_s=8.49, h2=10.2658004229),
    "planted-10000": dict(build_s=133.99, h=10.4616331787, two_s=26.85, h2=11.1415347959),
    "planted-20000": dict(build_s=59.17, h=10.3810039727, two_s=10.00, h2=11.3965367098),
    "er-10000-sparse": dict(build_s=46.48, h=6.9343183819, two_s=1.76, h2=7.7593141270),
    "sparse-2000": dict(build_s=5.56, h=8.2790495215, two_s=0.57, h2=8.8222781714),
    "sparse-20000": dict(build_s=45.15, h=10.9104670147, two_s=18.55, h2=11.4466692016),
    "sparse-100000": dict(build_s=247.03, h=12.7056107205, two_s=64.02, h2=13.2293674679),
    "sparse-200000": dict(build_s=877.13, h=13.4850764945, two_s=54.18, h2=13.9872454007),
}


def make_graph(name: str):
    from steps_core.generators import erdos_renyi, planted_hierarchy

    spec = dict(GRAPHS[name])
    spec.pop("extras", None)
    kind = spec.pop("kind")
    if kind == "planted":
        return planted_hierarchy(spec.pop("n"), seed=0, **spec)[0]
    return erdos_renyi(spec["n"], spec["m"], seed=0)


def timed(fn, runs: int):
    """(minimum seconds over ``runs`` calls, the last result); every call must give the same tree."""
    best, out, versions = math.inf, None, set()
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        versions.add((out.version, out.entropy))
    if len(versions) != 1:
        raise SystemExit(f"not deterministic: {versions}")
    return best, out


def run_one(name: str, runs: int, extras: bool) -> dict:
    import numpy as np

    from steps_core.generators import planted_hierarchy
    from steps_core.optimize import LevelProblem, build_tree, level_objective
    from steps_core.select import select_combinations

    graph = make_graph(name)
    build_tree(planted_hierarchy(64, n_groups=2, n_sub=2)[0], k=3)       # compile outside the timing
    build_s, tree = timed(lambda: build_tree(graph, k=3), runs)
    two_s, two = timed(lambda: build_tree(graph, k=2), runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row = dict(graph=name, skills=graph.n_skills, edges=graph.n_edges, build_s=build_s, peak_mib=peak,
               h1=tree.h1, h=tree.entropy, two_s=two_s, h2=two.entropy, communities2=len(two.children[two.root]),
               runs=runs, load=os.getloadavg()[0])
    if not extras:
        return row
    row["h_plain"] = build_tree(graph, k=3, refine=False).entropy
    row["h_topdown"] = build_tree(graph, k=3, method="topdown").entropy
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
    if len(starts) > 5000:
        starts = starts[:: len(starts) // 1000][:1000]
    t0 = time.perf_counter()
    select_combinations(tree, starts=starts, k=5, beam=20)
    row["sweep_s"] = time.perf_counter() - t0
    row["sweep_starts"] = len(starts)
    return row


def growth_exponent(rows: list[dict], key: str = "build_s") -> float | None:
    """Least-squares slope of log(time) on log(edges) over the sparse series."""
    import numpy as np

    pts = [(r["edges"], r[key]) for r in rows if r["graph"] in SERIES and r.get(key)]
    if len(pts) < 2:
        return None
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


GOALS = [("sparse-100000", "build_s", 10.0, "100k skills / 500k edges < 10 s"),
         ("sparse-100000", "peak_mib", 1024.0, "100k skills / 500k edges < 1 GiB"),
         ("planted-20000", "build_s", 8.0, "20k skills / 1M edges < 8 s"),
         ("sparse-200000", "build_s", 30.0, "sparse 200k skills / 1M edges < 30 s")]


def print_table(rows: list[dict]) -> None:
    def ref(r, key, fmt):
        v = REFERENCE.get(r["graph"], {}).get(key)
        return format(v, fmt) if v is not None else "-".rjust(len(format(0.0, fmt)))

    head = (f"{'graph':<16}{'skills':>8}{'edges':>9}{'build s':>9}{'before s':>9}{'peak MiB':>9}{'H^1':>9}"
            f"{'H^T':>9}{'before H^T':>11}{'2-lvl s':>9}{'before s':>9}{'H^2':>9}{'before H^2':>11}{'comms':>6}"
            f"{'runs':>5}{'load':>6}")
    print(head)
    print("-" * len(head))
    above = []
    for r in rows:
        print(f"{r['graph']:<16}{r['skills']:>8}{r['edges']:>9}{r['build_s']:9.2f}{ref(r, 'build_s', '9.2f')}"
              f"{r['peak_mib']:9.0f}{r['h1']:9.4f}{r['h']:9.4f}{ref(r, 'h', '11.4f')}{r['two_s']:9.2f}"
              f"{ref(r, 'two_s', '9.2f')}{r['h2']:9.4f}{ref(r, 'h2', '11.4f')}{r['communities2']:6d}"
              f"{r.get('runs', 0):5d}{r.get('load', math.nan):6.1f}")
        for key in ("h", "h2"):
            v = REFERENCE.get(r["graph"], {}).get(key)
            if v is not None and r[key] > v + 1e-9:
                above.append(f"{r['graph']} {key} {r[key]:.6f} > {v:.6f}")
    ext = [r for r in rows if "h_plain" in r]
    if ext:
        print()
        head = f"{'graph':<16}{'H plain':>9}{'H topdn':>9}{'H2 louv':>9}{'sweep s':>9}"
        print(head)
        print("-" * len(head))
        for r in ext:
            sweep = f"{r['sweep_s']:9.2f}" + (f" ({r['sweep_starts']} starts)" if r["sweep_starts"] != r["skills"]
                                              else "")
            print(f"{r['graph']:<16}{r['h_plain']:9.4f}{r['h_topdown']:9.4f}{r['h2_louvain']:9.4f}{sweep}")
    print()
    print("H^T and H^2 <= before on every graph: " + ("yes" if not above else "NO: " + "; ".join(above)))
    by_name = {r["graph"]: r for r in rows}
    for name, key, limit, label in GOALS:
        if name in by_name:
            v = by_name[name][key]
            print(f"goal {label}: {v:.2f} -> {'met' if v < limit else 'NOT met'}")
    if "planted-2000" in by_name:
        c = by_name["planted-2000"]["communities2"]
        print(f"goal planted-2000 2-level tree finds the 16 planted subgroups: {c} communities -> "
              + ("met" if c == 16 else "NOT met"))
    for key, label in (("build_s", "k = 3"), ("two_s", "k = 2")):
        now = growth_exponent(rows, key)
        before = growth_exponent([dict(r, **{key: REFERENCE.get(r["graph"], {}).get(key)}) for r in rows], key)
        if now is not None:
            print(f"growth exponent (time ~ edges^x, {label}, sparse 2k -> 200k skills): x = {now:.2f}"
                  + (f" (before {before:.2f})" if before is not None else "") + " -> goal <= 1.2 "
                  + ("met" if now <= 1.2 else "NOT met"))


def run_cli(name: str, runs: int) -> None:
    """`steps tree CSV --k 2` against the library call (build_tree on the graph in memory) and the reader."""
    from steps_core.graph import read_graph_csv, write_graph_csv

    graph = make_graph(name)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = os.path.join(tmp, "graph.csv")
        write_graph_csv(graph, csv_path)
        lib = ("import sys, time; from steps_core.generators import planted_hierarchy; "
               "from steps_core.optimize import build_tree; from steps_core.graph import read_graph_csv; "
               "build_tree(planted_hierarchy(64, n_groups=2, n_sub=2)[0], k=2); "
               "g = read_graph_csv(sys.argv[1]); t0 = time.perf_counter(); build_tree(g, k=2); "
               "print(time.perf_counter() - t0)")
        lib_s, cli_s, read_s = math.inf, math.inf, math.inf
        for _ in range(runs):
            t0 = time.perf_counter()
            read_graph_csv(csv_path)
            read_s = min(read_s, time.perf_counter() - t0)
            out = subprocess.run([sys.executable, "-c", lib, csv_path], capture_output=True, text=True, check=True)
            lib_s = min(lib_s, float(out.stdout.strip().splitlines()[-1]))
            t0 = time.perf_counter()
            subprocess.run(["steps", "tree", csv_path, "--k", "2", "-o", os.path.join(tmp, "t.json")],
                           capture_output=True, check=True)
            cli_s = min(cli_s, time.perf_counter() - t0)
    print(f"{name}: {graph.n_edges:,} edges; read_graph_csv {read_s:.2f} s; library build_tree(k=2) {lib_s:.2f} s; "
          f"`steps tree --k 2` {cli_s:.2f} s ({cli_s / lib_s:.2f}x the library call, {cli_s - lib_s:.2f} s more; "
          f"min of {runs}); 1-minute load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="*", default=list(GRAPHS), help="graph names: " + ", ".join(GRAPHS))
    ap.add_argument("--runs", type=int, default=3, help="timed runs per graph; the minimum is shown")
    ap.add_argument("--extras", choices=("auto", "all", "none"), default="auto",
                    help="plain/topdown/Louvain/sweep columns: for the graphs marked so (auto), all or none")
    ap.add_argument("--json", help="also write the rows to this file")
    ap.add_argument("--cli", metavar="GRAPH", help="time `steps tree` on GRAPH's CSV instead")
    ap.add_argument("--table", nargs="+", metavar="JSON", help="print one table from rows saved with --json")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.table:
        rows = []
        for path in args.table:
            with open(path) as fh:
                rows += json.load(fh)
        order = list(GRAPHS)
        print_table(sorted(rows, key=lambda r: order.index(r["graph"])))
        return
    if args.cli:
        run_cli(args.cli, args.runs)
        return
    if args.one:
        extras = args.extras == "all" or (args.extras == "auto" and GRAPHS[args.one].get("extras", False))
        print(json.dumps(run_one(args.one, args.runs, extras)))
        return
    rows = []
    for name in args.sizes:
        cmd = [sys.executable, __file__, "--one", name, "--runs", str(args.runs), "--extras", args.extras]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"done {name}: {rows[-1]['build_s']:.2f} s", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    print_table(rows)


if __name__ == "__main__":
    main()
