"""``steps tree``: the encoding tree of minimum structural entropy."""

from __future__ import annotations

import importlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import click

from ..errors import InputError
from ..names import MAX_HEIGHT, METHODS, MIN_HEIGHT, describe
from . import cli
from ._build_options import build_settings, count_and_weigh, graph_options
from ._corpus_options import corpus_options, read_options
from ._util import echo_kv, stage_bars


def _is_edge_list(path: str) -> bool:
    p = Path(path)
    if p.suffix.lower() != ".csv" or not p.is_file():
        return False
    with p.open("r", encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline().strip().lower().replace(" ", "")
    return header in ("source,target,weight", "source,target,weight,cooccur")


def _height(height: int | None, old_k: int | None) -> int:
    if old_k is not None:
        if height is not None and height != old_k:
            raise InputError(f"--k {old_k} and --height {height} disagree; --k is the old name of --height")
        click.echo("note: --k is the old name of --height (the tree's height); --k of `steps select` is the "
                   "number of skills per combination", err=True)
        return old_k
    return 3 if height is None else height


@cli.command("tree")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=True))
@click.option("--height", type=click.IntRange(MIN_HEIGHT, MAX_HEIGHT), default=None,
              help="Height of the encoding tree: levels of communities + 1 (2 = a flat partition).  [default: 3]")
@click.option("--k", "old_k", type=click.IntRange(MIN_HEIGHT, MAX_HEIGHT), default=None, hidden=True,
              help="The old name of --height.")
@click.option("--method", type=click.Choice(list(METHODS)), default="greedy", show_default=True,
              help=describe(METHODS) + ".")
@click.option("--no-refine", is_flag=True,
              help="Plain greedy merging, without node-move refinement and multilevel starts (for comparison).")
@click.option("--starts", "n_starts", type=click.IntRange(0, 64), default=4, show_default=True,
              help="Multilevel searches from seeded vertex orders tried besides greedy at each level.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of those vertex orders.")
@graph_options
@corpus_options
@click.option("--catalog", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Skill catalogue CSV: with --semantic, embeds 'name: definition' instead of the bare name.")
@click.option("--apply-edits", "edits_from", type=click.Path(dir_okay=False), default=None, metavar="WORKSPACE",
              help="Replay the taxonomy edits made in the app (the active part of the workspace's edit log) on the "
                   "built tree, so the file is the taxonomy the app shows. Refused when the edits were made on a "
                   "tree built from other data or settings.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="tree.json", show_default=True,
              help="Tree file to write (it carries the graph's edges, so it stands alone).")
def tree_cmd(input_path, height, old_k, method, no_refine, n_starts, seed, catalog, edits_from, output, **kwargs):
    """Build the encoding tree of minimum structural entropy from INPUT.

    INPUT is an edge list written by `steps graph` (source,target,weight[,cooccur]) or a corpus, in which case
    the graph is built first with the graph options.
    """
    from ..corpus import read_catalog
    from ..graph import nodes_path, read_graph_csv
    from ..io import check_output
    from ..taxonomy import build_taxonomy
    from ..tree import write_tree_json

    settings = build_settings(kwargs, height=_height(height, old_k), method=method, refine=not no_refine,
                              n_starts=n_starts, seed=seed)
    options = read_options(kwargs)
    inputs = [input_path, nodes_path(input_path), *[p for p in (catalog, edits_from) if p]]
    check_output(output, inputs)
    # the optimiser's compiled kernels (numba: ~1 s to import and start) load while the input is read
    threading.Thread(target=_load_kernels, daemon=True).start()
    skills = read_catalog(catalog) if catalog else ()
    if _is_edge_list(input_path):
        graph, blend = read_graph_csv(input_path), settings           # the blend, if any, is still to come
    else:
        graph, blend = count_and_weigh(input_path, settings, options, skills), replace(settings, semantic=0.0)
    with ThreadPoolExecutor(1) as pool, stage_bars() as progress:
        # the file's edge list depends on the graph only: written on the other core while the tree builds
        # (the build's compiled merging releases the interpreter), unless the semantic blend changes the graph
        early = pool.submit(_edges_text, graph, str(output)) if blend.semantic <= 0 else None
        tree = build_taxonomy(graph, blend, catalog=skills, progress=progress)
        extra = []
        if edits_from is not None:
            tree, n_edits = _apply_edits(tree, edits_from)
            extra = [("edits applied", n_edits)]
        edges_text = early.result() if early is not None and tree.graph is graph else None
    path = write_tree_json(tree, output, inputs=inputs, edges_text=edges_text)
    echo_kv(extra + [("skills", tree.n_skills), ("edges", tree.graph.n_edges), ("height", tree.height),
                     ("communities", len(tree.communities)), ("H^1 (bits)", f"{tree.h1:.6f}"),
                     ("H^T (bits)", f"{tree.entropy:.6f}"), ("theta", f"{tree.theta:.4f}"), ("tree", path)])


def _edges_text(graph, output: str):
    from ..edge_text import edges_json_bytes                  # (numba: imported here, not before the read)

    return edges_json_bytes(graph, path=output)


def _load_kernels() -> None:
    """Import the optimiser and start numba (its first compiled call costs ~0.3 s, whichever it is), so that
    both are ready when the edge list has been read (pyarrow reads it without holding the interpreter)."""
    importlib.import_module("steps_core.optimize")
    from ..graph_kernels import warm_up

    warm_up()


def _apply_edits(tree, workspace_path: str):
    from ..taxonomy import edited_taxonomy
    from ..workspace import open_workspace

    with open_workspace(workspace_path, create=False) as ws:
        ops = ws.active_ops()
    edited = edited_taxonomy(tree, ops)
    if edited.stale:
        raise InputError("the workspace's edits were made on a tree built from other data or settings "
                         f"(this tree's version is {tree.version}); build with the app's data and settings",
                         path=str(workspace_path))
    if edited.error:
        raise InputError(f"the workspace's edits cannot be replayed: {edited.error}", path=str(workspace_path))
    return edited.tree, len(ops)
