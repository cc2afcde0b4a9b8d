"""``steps synth --agentic-filter MODEL``: before agentic samples are made, ask MODEL once per combination
whether its skills suit an agent workflow, and drop those it rejects (:func:`steps_core.synth.filter_agentic`;
docs/synthesis.md "Agentic data")."""

from __future__ import annotations

import click

from ..errors import InputError


def agentic_filter_option(f):
    """--agentic-filter MODEL."""
    return click.option("--agentic-filter", "agentic_filter", default=None, metavar="MODEL",
                        help="With --style agentic: first ask MODEL (at the same endpoint, temperature 0) whether "
                             "each combination's skills suit a goal-directed agent workflow, and make samples only "
                             "for those it answers YES to, as the STEPS reference does (not applied by --dry-run "
                             "or --estimate).")(f)


def apply_agentic_filter(jobs, model: str | None, style: str, endpoint, cache, workers: int):
    """The jobs the filter keeps (all of them when no ``model`` is given), after saying what it did."""
    if not model:
        return jobs
    if style != "agentic":
        raise InputError("--agentic-filter is for --style agentic", field="agentic-filter")
    from ..synth import filter_agentic
    from ._util import progress_bar

    client = endpoint.client(cache)
    try:
        with progress_bar("agentic filter", unit=" combos") as bar:
            result = filter_agentic(jobs, client, model, workers=workers, progress=bar)
    finally:
        client.close()
    asked = len(result.rejected) + len(result.failed) + len({tuple(sorted(j.skill_names)) for j in result.kept
                                                              if not j.problem})
    click.echo(f"agentic filter ({model}): kept {asked - len(result.rejected) - len(result.failed)} of {asked} "
               f"combination(s), rejected {len(result.rejected)}, {len(result.failed)} unanswered; "
               f"{result.requests} request(s) sent ({result.usage.prompt_tokens} in + "
               f"{result.usage.completion_tokens} out tokens), the rest from the cache")
    return result.kept
