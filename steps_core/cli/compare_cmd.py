"""``steps compare``: how new, attested, coherent and varied each way of choosing combinations is."""

from __future__ import annotations

from dataclasses import replace

import click

from ..errors import InputError
from ..names import MAX_HEIGHT, MAX_K, MIN_HEIGHT, MIN_K, SAMPLERS, describe
from . import cli
from ._build_options import build_settings, count_and_weigh, graph_options
from ._corpus_options import corpus_options, echo_report, read_options
from ._util import echo_kv, progress_bar, stage_bars


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
              help="Samplers to compare (repeatable; default: all). " + describe(SAMPLERS) + ".")
@click.option("--height", type=click.IntRange(MIN_HEIGHT, MAX_HEIGHT), default=3, show_default=True,
              help="Height of the encoding tree built from the corpus.")
@click.option("--beam", type=click.IntRange(min=1), default=20, show_default=True,
              help="Beam width of the STEPS samplers.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the random samplers.")
@click.option("--catalog", type=click.Path(exists=True, dir_okay=False),
              help="Skill catalogue CSV: coherence then embeds 'name: definition' instead of the bare name.")
@click.option("--no-coherence", is_flag=True, help="Skip the embedding model (no coherence column).")
@graph_options
@corpus_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="compare.csv", show_default=True,
              help="CSV table to write (one row per k and sampler).")
def compare_cmd(corpus, ks, n, samplers, height, beam, seed, catalog, no_coherence, output, **kwargs):
    """Compare STEPS with random samplers of skill combinations on CORPUS.

    For every k and sampler: mean conditional-entropy gain, novelty rate (combinations no record is tagged
    with), share connected through attested pairs, mean coherence (MiniLM cosine of the skills), the largest
    share of combinations holding one skill, distinct skills over slots, communities covered, Gini of skill use.
    """
    from ..compare import compare_samplers, format_compare_table, write_compare_csv
    from ..corpus import iter_skill_lists, read_catalog
    from ..io import check_output
    from ..novelty import SupportIndex
    from ..taxonomy import build_taxonomy

    ks_list = _int_list(ks)
    settings = build_settings(kwargs, height=height)
    inputs = [corpus, *([catalog] if catalog else [])]
    check_output(output, inputs)
    options = read_options(kwargs)
    skills = read_catalog(catalog) if catalog else ()
    graph = count_and_weigh(corpus, settings, options, skills)
    read = {k: v for k, v in options.items() if k != "engine"}
    read["report"] = type(options["report"])()
    with progress_bar("indexing", unit=" records") as bar:
        index = SupportIndex.from_skill_lists(iter_skill_lists(corpus, progress=bar, **read))
    echo_report(read["report"])
    with stage_bars() as progress:
        tree = build_taxonomy(graph, replace(settings, semantic=0.0), progress=progress)   # blended already
    embeddings = None
    if not no_coherence:
        from ..embed import skill_embeddings

        with progress_bar("embedding skills", unit=" skills") as bar:
            embeddings = skill_embeddings(tree.skills, skills, progress=bar)
    with progress_bar("sampling", unit=" runs") as bar:
        rows = compare_samplers(tree, index, ks=ks_list, n=n, samplers=samplers or tuple(SAMPLERS), seed=seed,
                                beam=beam, embeddings=embeddings, progress=bar)
    if not rows:
        raise InputError("nothing to compare")
    click.echo(format_compare_table(rows))
    path = write_compare_csv(rows, output, inputs=inputs)
    echo_kv([("skills", tree.n_skills), ("records", index.n_records), ("table", path)])
