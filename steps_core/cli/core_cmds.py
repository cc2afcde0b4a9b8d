"""``steps graph``, ``steps tree``, ``steps select``: the core pipeline from a corpus to combinations."""

from __future__ import annotations

from pathlib import Path

import click

from ..corpus import load_cooccurrence
from ..errors import InputError
from ..graph import WEIGHTINGS, SkillGraph, build_graph, nodes_path, read_graph_csv, write_graph_csv
from ..io import check_output
from ..optimize import METHODS, build_tree
from ..evidence import MIN_PAIR_COUNT
from ..select import CONNECT, MAX_K, MIN_K, SCOPES, select_combinations, why, write_combos
from ..shortlist import DIVERSITY
from ..tree import read_tree_json, write_tree_json
from . import cli
from ._corpus_options import corpus_options, echo_report, read_options
from ._util import echo_kv, progress_bar

_WEIGHTING_HELP = "Edge weighting: " + "; ".join(f"{k}: {v}" for k, v in WEIGHTINGS.items()) + "."


def graph_options(f):
    """--weighting, --min-count, --min-cooccur (shared by ``graph`` and ``tree``)."""
    f = click.option("--min-cooccur", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Keep an edge only when the two skills share at least this many records.")(f)
    f = click.option("--keep-versions", is_flag=True,
                     help="Keep tags that are only version numbers (14.04, v2.1); by default they are dropped "
                          "(they say which release, not which skill).")(f)
    f = click.option("--min-count", type=_MinCount(), default="auto", show_default=True, metavar="N|auto",
                     help="Keep a skill only when at least N records are tagged with it. auto: drop the long tail, "
                          "the rarest skills that together hold 0.5% of all tags (never a skill on 0.1% of the "
                          "records or more; always one seen once). What was dropped is reported.")(f)
    f = click.option("--semantic", "semantic", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
                     metavar="ALPHA",
                     help="Blend in the semantic similarity of the skill names (offline MiniLM, each skill's 10 "
                          "nearest): w = (1 - ALPHA) w / max(w) + ALPHA max(0, cos). 0 = co-occurrence only.")(f)
    f = click.option("--weighting", type=click.Choice(list(WEIGHTINGS)), default="lift", show_default=True,
                     help=_WEIGHTING_HELP)(f)
    return f


class _MinCount(click.ParamType):
    name = "min_count"

    def convert(self, value, param, ctx):
        if value == "auto" or isinstance(value, int):
            return value
        try:
            n = int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is neither an integer nor 'auto'", param, ctx)
        if n < 1:
            self.fail(f"{n} is smaller than 1", param, ctx)
        return n


def with_semantic(graph: SkillGraph, alpha: float) -> SkillGraph:
    """The graph blended with the names' embeddings (method.md §1), or unchanged for alpha 0."""
    if alpha <= 0:
        return graph
    from ..embed import skill_embeddings
    from ..graph import blend_semantic

    with progress_bar("embedding skills", unit=" skills") as bar:
        emb = skill_embeddings(graph.skills, progress=bar)
    return blend_semantic(graph, emb, alpha=alpha)


def graph_from_corpus(path: str, weighting: str, min_count: int | str, min_cooccur: int, options: dict,
                      keep_versions: bool = False) -> SkillGraph:
    """Count a corpus (with a progress bar) and weight it; prints the reading summary if records were skipped and
    what the skill filters dropped."""
    with progress_bar("counting", unit=" records") as bar:
        cooc = load_cooccurrence(path, progress=bar, **options)
    echo_report(options["report"])
    graph = build_graph(cooc, weighting=weighting, min_count=min_count, min_cooccur=min_cooccur,
                        drop_versions=not keep_versions)
    for line in graph.pruning.summary():
        click.echo(line, err=True)
    return graph


def _is_edge_list(path: str) -> bool:
    p = Path(path)
    if p.suffix.lower() != ".csv" or not p.is_file():
        return False
    with p.open("r", encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline().strip().lower().replace(" ", "")
    return header in ("source,target,weight", "source,target,weight,cooccur")


def _summary(graph: SkillGraph) -> list[tuple[str, object]]:
    isolated = int((graph.degree == 0).sum())
    return [("records", graph.n_records), ("skills", graph.n_skills), ("edges", graph.n_edges),
            ("isolated skills", isolated), ("weighting", graph.weighting)]


@cli.command("graph")
@click.argument("corpus", type=click.Path(dir_okay=True))
@graph_options
@corpus_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="graph.csv", show_default=True,
              help="Edge list to write (source,target,weight); the node list (skill,count) goes beside it "
                   "as <name>.nodes.csv.")
def graph_cmd(corpus, weighting, semantic, min_count, keep_versions, min_cooccur, output, **kwargs):
    """Count skill co-occurrences in CORPUS and write the weighted skill graph.

    CORPUS holds records tagged with skills (JSONL with a `skills` list per record, or any format the
    corpus options accept). Counting streams: the corpus is never held in memory.
    """
    check_output(output, [corpus, nodes_path(output)])              # before the work: a wrong -o fails at once
    check_output(nodes_path(output), [corpus, output])
    graph = with_semantic(graph_from_corpus(corpus, weighting, min_count, min_cooccur, read_options(kwargs),
                                            keep_versions), semantic)
    edges, nodes = write_graph_csv(graph, output, inputs=[corpus])
    echo_kv(_summary(graph) + [("edge list", edges), ("node list", nodes)])


@cli.command("tree")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=True))
@click.option("--k", "k", type=click.IntRange(2, 8), default=3, show_default=True,
              help="Height of the encoding tree: levels of communities + 1 (2 = a flat partition).")
@click.option("--method", type=click.Choice(METHODS), default="greedy", show_default=True,
              help="greedy: merge/refine each level and grow levels above or below, whichever lowers the "
                   "entropy more; topdown: partition inside each community, level by level (for comparison).")
@click.option("--no-refine", is_flag=True,
              help="Plain greedy merging, without node-move refinement and multilevel starts (for comparison).")
@click.option("--starts", "n_starts", type=click.IntRange(0, 64), default=4, show_default=True,
              help="Multilevel searches from seeded vertex orders tried besides greedy at each level.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of those vertex orders.")
@graph_options
@corpus_options
@click.option("--apply-edits", "edits_from", type=click.Path(dir_okay=False), default=None, metavar="WORKSPACE",
              help="Replay the taxonomy edits made in the app (the active part of the workspace's edit log) on the "
                   "built tree, so the file is the taxonomy the app shows. Refused when the edits were made on a "
                   "tree built from other data or settings.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="tree.json", show_default=True,
              help="Tree file to write (it carries the graph's edges, so it stands alone).")
def tree_cmd(input_path, k, method, no_refine, n_starts, seed, weighting, semantic, min_count, keep_versions,
             min_cooccur, edits_from, output, **kwargs):
    """Build the encoding tree of minimum structural entropy from INPUT.

    INPUT is an edge list written by `steps graph` (source,target,weight) or a corpus, in which case the
    graph is built first with the graph options.
    """
    options = read_options(kwargs)
    inputs = [input_path, nodes_path(input_path), *([edits_from] if edits_from else [])]
    check_output(output, inputs)
    if _is_edge_list(input_path):
        graph = read_graph_csv(input_path)
    else:
        graph = graph_from_corpus(input_path, weighting, min_count, min_cooccur, options, keep_versions)
    graph = with_semantic(graph, semantic)
    with progress_bar("building tree", unit=" levels") as bar:
        tree = build_tree(graph, k=k, method=method, refine=not no_refine, n_starts=n_starts, seed=seed,
                          progress=bar)
    extra = []
    if edits_from is not None:
        from ..edits import is_stale, replay
        from ..workspace import open_workspace

        with open_workspace(edits_from, create=False) as ws:
            ops = ws.active_ops()
        if is_stale(ops, tree):
            raise InputError("the workspace's edits were made on a tree built from other data or settings "
                             f"(this tree's version is {tree.version}); build with the app's data and settings",
                             path=str(edits_from))
        tree = replay(tree, ops)
        extra = [("edits applied", len(ops))]
    path = write_tree_json(tree, output, inputs=inputs)
    echo_kv(extra + [("skills", graph.n_skills), ("edges", graph.n_edges), ("height", tree.height),
             ("communities", len(tree.communities)), ("H^1 (bits)", f"{tree.h1:.6f}"),
             ("H^T (bits)", f"{tree.entropy:.6f}"), ("theta", f"{tree.theta:.4f}"), ("tree", path)])


class _MaxPerSkill(click.ParamType):
    name = "max_per_skill"

    def convert(self, value, param, ctx):
        if value in ("auto", None) or isinstance(value, int):
            return value
        if value == "none":
            return None
        try:
            n = int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not an integer, 'auto' or 'none'", param, ctx)
        if n < 1:
            self.fail(f"{n} is smaller than 1", param, ctx)
        return n


def _split_combo(text: str) -> list[str]:
    sep = "|" if "|" in text else ","
    return [s.strip() for s in text.split(sep) if s.strip()]


@cli.command("select")
@click.argument("tree_path", metavar="TREE", type=click.Path(exists=False, dir_okay=False))
@click.option("--k", "k", type=click.IntRange(MIN_K, MAX_K), default=4, show_default=True,
              help="Skills per combination, start skills and pins included.")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Length of the list: the N combinations chosen as a whole (default: one per start skill).")
@click.option("--diversity", type=click.FloatRange(0.0, 1.0), default=DIVERSITY, show_default=True,
              help="How much a skill already in the list is worth less the next time: its second use counts "
                   "1 - D of its gain, its third (1 - D)^2 (communities half as much). 0 = rank by gain alone.")
@click.option("--max-per-skill", type=_MaxPerSkill(), default="auto", show_default=True, metavar="N|auto|none",
              help="Combinations of the list that may hold one same skill. auto: 10% of the list, at least 2.")
@click.option("--connect", type=click.Choice(list(CONNECT)), default="attested", show_default=True,
              help="; ".join(f"{k}: {v}" for k, v in CONNECT.items()) + ". attested also keeps every two skills "
                   "at most two links apart.")
@click.option("--min-pair-count", type=click.IntRange(min=1), default=MIN_PAIR_COUNT, show_default=True,
              help="A pair is attested when at least this many records hold both skills, more often than chance "
                   "would explain (one-sided Poisson test, p < 0.01).")
@click.option("--semantic-links", type=click.FloatRange(-1.0, 1.0), default=None, metavar="COSINE",
              help="Also link skills whose meanings are this similar (offline MiniLM cosine), where the corpus is "
                   "silent. Off by default.")
@click.option("--corpus", "corpus_path", type=click.Path(exists=True), default=None,
              help="The corpus the tree was built from: novelty (no record holds all the skills) is then checked "
                   "exactly. Without it a combination counts as new only when one of its pairs was never seen.")
@click.option("--allow-seen", is_flag=True, help="Also return combinations the corpus may already hold.")
@click.option("--beam", type=click.IntRange(min=1), default=20, show_default=True,
              help="Beam width: partial combinations kept after each step.")
@click.option("--start", "starts", multiple=True, metavar="SKILL[,SKILL...]",
              help="A start set (repeatable; a comma- or |-separated list gives a multi-skill start). "
                   "Without --start every skill is a start: the full sweep.")
@click.option("--pin", "pins", multiple=True, metavar="SKILL",
              help="A skill every combination must contain (repeatable).")
@click.option("--exclude", "excludes", multiple=True, metavar="SKILL", help="A skill never to use (repeatable).")
@click.option("--exclude-combo", "exclude_combos", multiple=True, metavar="SKILL,SKILL,...",
              help="A combination (as a set) never to return (repeatable; comma- or |-separated).")
@click.option("--scope", type=click.Choice(SCOPES), default="local", show_default=True,
              help="local: step t draws from the t-th ancestor community of the start (coherent, local first); "
                   "global: any skill (for comparison).")
@click.option("--per-start", type=click.IntRange(min=1), default=1, show_default=True,
              help="Combinations of the list that may come from one start.")
@click.option("--min-coherence", type=click.FloatRange(-1.0, 1.0), default=None,
              help="Keep only combinations whose skills' mean pairwise cosine similarity (offline MiniLM) reaches "
                   "this floor; also fills the coherence field.")
@click.option("--catalog", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Skill catalogue CSV: coherence then embeds 'name: definition' instead of the bare name.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="combos.jsonl", show_default=True,
              help="Combinations to write, one JSON object per line, in the order chosen.")
def select_cmd(tree_path, k, top, diversity, max_per_skill, connect, min_pair_count, semantic_links, corpus_path,
               allow_seen, beam, starts, pins, excludes, exclude_combos, scope, per_start, min_coherence, catalog,
               output):
    """Choose a list of skill combinations of maximum conditional structural entropy from TREE (a tree.json).

    Each combination adds to its start skills the skills that bring the most new information, H(Y|X), while
    hanging together through pairs the corpus attests and never having been seen together. The list is chosen
    as a whole, so one skill cannot fill it. Each line printed: the gain (bits), the skills, and why the
    combination is there.
    """
    inputs = [tree_path, *[p for p in (catalog, corpus_path) if p]]
    check_output(output, inputs)
    tree = read_tree_json(tree_path)
    start_sets = [_split_combo(s) for s in starts] or None
    embeddings = None
    if min_coherence is not None or catalog is not None or semantic_links is not None:
        from ..corpus import read_catalog
        from ..embed import skill_embeddings

        with progress_bar("embedding skills", unit=" skills") as bar:
            embeddings = skill_embeddings(tree.skills, read_catalog(catalog) if catalog else (), progress=bar)
    index = None
    if corpus_path is not None:
        from ..corpus import iter_skill_lists
        from ..novelty import SupportIndex

        with progress_bar("indexing", unit=" records") as bar:
            index = SupportIndex.from_skill_lists(iter_skill_lists(corpus_path, progress=bar))
    with progress_bar("searching", unit=" starts") as bar:
        combos = select_combinations(tree, starts=start_sets, k=k, beam=beam, scope=scope, pins=pins,
                                     exclude=excludes, exclude_combos=[_split_combo(c) for c in exclude_combos],
                                     per_start=per_start, top=top, embeddings=embeddings, index=index,
                                     min_coherence=min_coherence, connect=connect, min_pair_count=min_pair_count,
                                     semantic_links=semantic_links, novel=not allow_seen, diversity=diversity,
                                     max_per_skill=max_per_skill, progress=bar)
    if not combos:
        hint = ("" if connect == "none" else " Few pairs are attested: try --min-pair-count 1, --semantic-links "
                "0.5 or --connect none.")
        raise InputError("no combination satisfies these settings (too many exclusions, k larger than the skills "
                         "left, or no novel combination whose skills hang together)." + hint)
    path = write_combos(output, combos, inputs=inputs)
    for c in combos[:10]:
        click.echo(f"{c.gain:8.4f}  {' + '.join(c.skills)}")
        click.echo(f"{'':10}{why(c)}")
    if len(combos) > 10:
        click.echo(f"     ...  ({len(combos) - 10} more)")
    echo_kv([("combinations", len(combos)), ("written to", path)])
