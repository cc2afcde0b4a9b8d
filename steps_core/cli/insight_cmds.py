"""``steps compare``: how novel, coherent and diverse each way of choosing combinations is."""

from __future__ import annotations

import click

from ..compare import SAMPLERS, compare_samplers, format_compare_table, write_compare_csv
from ..corpus import iter_skill_lists, read_catalog
from ..errors import InputError
from ..novelty import SupportIndex
from ..optimize import build_tree
from ..select import MAX_K, MIN_K
from . import cli
from ._corpus_options import corpus_options, echo_report, read_options
from ..io import check_output
from ._util import echo_kv, progress_bar
from .core_cmds import graph_from_corpus, graph_options, with_semantic


def _int_list(text: str) -> list[int]:
    try:
        out = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"expected integers separated by commas, got {text!r}", field="--k") from None
    if not out or any(not MIN_K <= k <= MAX_K for k in out):
        raise InputError(f"each k must be from {MIN_K} to {MAX_K}, got {text!r}", field="--k")
    return out


@cli.command("compare")
@click.argument("corpus", type=click.Path(dir_okay=True))
@click.option("--k", "ks", default="3,4,5", show_default=True, help="Combination sizes to compare, comma-separated.")
@click.option("--n", "n", type=click.IntRange(min=1), default=500, show_default=True,
              help="Combinations drawn by every sampler for every k.")
@click.option("--sampler", "samplers", multiple=True, type=click.Choice(list(SAMPLERS)),
              help="Samplers to compare (repeatable; default: all). " +
                   "; ".join(f"{k}: {v}" for k, v in SAMPLERS.items()) + ".")
@click.option("--height", type=click.IntRange(2, 8), default=3, show_default=True,
              help="Height of the encoding tree built from the corpus.")
@click.option("--beam", type=click.IntRange(min=1), default=20, show_default=True,
              help="Beam width of the STEPS samplers.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random samplers.")
@click.option("--catalog", type=click.Path(exists=True, dir_okay=False),
              help="Skill catalogue CSV: coherence then embeds 'name: definition' instead of the bare name.")
@click.option("--no-coherence", is_flag=True, help="Skip the embedding model (no coherence column).")
@graph_options
@corpus_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="compare.csv", show_default=True,
              help="CSV table to write (one row per k and sampler).")
def compare_cmd(corpus, ks, n, samplers, height, beam, seed, catalog, no_coherence, weighting, semantic, min_count,
                keep_versions, min_cooccur, output, **kwargs):
    """Compare STEPS with random samplers of skill combinations on CORPUS.

    For every k and sampler: mean conditional-entropy gain, novelty rate (combinations no record is tagged
    with), share connected through attested pairs, mean coherence (MiniLM cosine of the skills), the largest
    share of combinations holding one skill, distinct skills over slots, communities covered, Gini of skill use.
    """
    ks_list = _int_list(ks)
    inputs = [corpus, *([catalog] if catalog else [])]
    check_output(output, inputs)
    options = read_options(kwargs)
    graph = with_semantic(graph_from_corpus(corpus, weighting, min_count, min_cooccur, options, keep_versions),
                          semantic)
    read = {k: v for k, v in options.items() if k != "engine"}
    read["report"] = type(options["report"])()
    with progress_bar("indexing", unit=" records") as bar:
        index = SupportIndex.from_skill_lists(iter_skill_lists(corpus, progress=bar, **read))
    echo_report(read["report"])
    with progress_bar("building tree", unit=" levels") as bar:
        tree = build_tree(graph, k=height, progress=bar)
    embeddings = None
    if not no_coherence:
        from ..embed import skill_embeddings

        with progress_bar("embedding skills", unit=" skills") as bar:
            embeddings = skill_embeddings(tree.skills, read_catalog(catalog) if catalog else (), progress=bar)
    with progress_bar("sampling", unit=" runs") as bar:
        rows = compare_samplers(tree, index, ks=ks_list, n=n, samplers=samplers or tuple(SAMPLERS), seed=seed,
                                beam=beam, embeddings=embeddings, progress=bar)
    if not rows:
        raise InputError("nothing to compare")
    click.echo(format_compare_table(rows))
    path = write_compare_csv(rows, output, inputs=inputs)
    echo_kv([("skills", tree.n_skills), ("records", index.n_records), ("table", path)])


@cli.command("demo")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default="steps-demo",
              show_default=True, help="Folder to write the demo's files into.")
@click.option("--height", type=click.IntRange(2, 8), default=3, show_default=True, help="Height of the encoding tree.")
@click.option("--k", "k", type=click.IntRange(2, 8), default=3, show_default=True, help="Skills per combination.")
@click.option("--samples", "n_samples", type=click.IntRange(min=0), default=5, show_default=True,
              help="Template-backend samples to render (offline; no model, no key).")
@click.option("--force", is_flag=True, help="Replace the demo files already in the folder.")
def demo_cmd(out_dir, height, k, n_samples, force):
    """Run the whole pipeline on the embedded demo data: graph, tree, combinations and a few samples.

    Needs no download and no API key; the samples come from the offline template backend and say so.
    """
    from ..pipeline import demo_files, run_demo

    files = demo_files()
    with progress_bar("demo", unit=" steps") as bar:
        written = run_demo(out_dir, height=height, k=k, n_samples=n_samples, force=force, progress=bar)
    echo_kv([("corpus", files.corpus), ("catalogue", files.catalog)] +
            [(name, path) for name, path in written.items()])
