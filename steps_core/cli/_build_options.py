"""Options shared by the commands that build a graph or a tree (``graph``, ``tree``, ``compare``), and the
counting step they share.

``@graph_options`` adds ``--weighting``, ``--semantic``, ``--min-count``, ``--keep-versions``, ``--min-cooccur``;
:func:`build_settings` pops them (and any tree options given) into a
:class:`~steps_core.taxonomy.BuildSettings`.
"""

from __future__ import annotations

import click

from ..names import WEIGHTINGS, describe
from ._corpus_options import echo_report
from ._util import IntOrWord, stage_bars

_GRAPH_OPTIONS = ("weighting", "semantic", "min_count", "keep_versions", "min_cooccur")


def graph_options(f):
    """--weighting, --semantic, --min-count, --keep-versions, --min-cooccur."""
    f = click.option("--min-cooccur", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Keep an edge only when the two skills share at least this many records.")(f)
    f = click.option("--keep-versions", is_flag=True,
                     help="Keep tags that are only version numbers (14.04, v2.1); by default they are dropped "
                          "(they say which release, not which skill).")(f)
    f = click.option("--min-count", type=IntOrWord({"auto": "auto"}), default="auto", show_default=True,
                     metavar="N|auto",
                     help="Keep a skill only when at least N records are tagged with it. auto: drop the long tail, "
                          "the rarest skills that together hold 0.5% of all tags (never a skill on 0.1% of the "
                          "records or more; always one seen once). What was dropped is reported.")(f)
    f = click.option("--semantic", "semantic", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
                     metavar="ALPHA",
                     help="Blend in the semantic similarity of the skills (offline MiniLM, each skill's 10 "
                          "nearest): w = (1 - ALPHA) w / max(w) + ALPHA max(0, cos). 0 = co-occurrence only.")(f)
    f = click.option("--weighting", type=click.Choice(list(WEIGHTINGS)), default="lift", show_default=True,
                     help="Edge weighting: " + describe(WEIGHTINGS) + ".")(f)
    return f


def build_settings(kwargs: dict, **tree_options):
    """Pop the graph options out of a command's ``kwargs`` into a validated ``BuildSettings``."""
    from ..taxonomy import BuildSettings

    return BuildSettings(**{name: kwargs.pop(name) for name in _GRAPH_OPTIONS}, **tree_options)


def count_and_weigh(corpus: str, settings, options: dict, catalog=()):
    """Count ``corpus`` and weight it as ``settings`` say, with progress bars; prints the reading summary when
    records were skipped and what the skill filters dropped."""
    from ..corpus import load_cooccurrence
    from ..taxonomy import weighted_graph

    with stage_bars() as progress:
        cooc = load_cooccurrence(corpus, progress=lambda d, t=None: progress("counting", d, t), **options)
        echo_report(options["report"])
        graph = weighted_graph(cooc, settings, catalog=catalog, progress=progress)
    for line in graph.pruning.summary():
        click.echo(line, err=True)
    return graph
