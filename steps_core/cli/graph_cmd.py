"""``steps graph``: count skill co-occurrences and write the weighted skill graph."""

from __future__ import annotations

import click

from . import cli
from ._build_options import build_settings, count_and_weigh, graph_options
from ._corpus_options import corpus_options, read_options
from ._util import echo_kv


def graph_summary(graph) -> list[tuple[str, object]]:
    isolated = int((graph.degree == 0).sum())
    return [("records", graph.n_records), ("skills", graph.n_skills), ("edges", graph.n_edges),
            ("isolated skills", isolated), ("weighting", graph.weighting)]


@cli.command("graph")
@click.argument("corpus", type=click.Path(dir_okay=True))
@graph_options
@corpus_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="graph.csv", show_default=True,
              help="Edge list to write (source,target,weight,cooccur); the node list (skill,count) goes beside "
                   "it as <name>.nodes.csv.")
def graph_cmd(corpus, output, **kwargs):
    """Count skill co-occurrences in CORPUS and write the weighted skill graph.

    CORPUS holds records tagged with skills (JSONL with a `skills` list per record, or any format the
    corpus options accept). Counting streams: the corpus is never held in memory.
    """
    from ..graph import nodes_path, write_graph_csv
    from ..io import check_output

    settings = build_settings(kwargs)
    check_output(output, [corpus, nodes_path(output)])              # before the work: a wrong -o fails at once
    check_output(nodes_path(output), [corpus, output])
    graph = count_and_weigh(corpus, settings, read_options(kwargs))
    edges, nodes = write_graph_csv(graph, output, inputs=[corpus])
    echo_kv(graph_summary(graph) + [("edge list", edges), ("node list", nodes)])
