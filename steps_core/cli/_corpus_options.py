"""Corpus-reading options shared by every command that reads a corpus.

Use ``@corpus_options`` on a command (or ``@corpus_options(engine=False)`` for commands that read records
rather than count them), then ``opts = read_options(kwargs)`` inside it: the options are popped out of the
command's keyword arguments and returned as keyword arguments for :func:`steps_core.corpus.load_cooccurrence`
(or :func:`steps_core.corpus.iter_records`), including a fresh ``report`` (a
:class:`~steps_core.corpus.ReadReport`) that :func:`echo_report` prints after the read.

    @cli.command()
    @click.argument("corpus")
    @corpus_options
    def count(corpus, **kwargs):
        opts = read_options(kwargs)
        cooc = load_cooccurrence(corpus, **opts)
        echo_report(opts["report"])
"""

from __future__ import annotations

import click

from ..names import ENGINES, INPUT_FORMATS, LANGS, describe

_OPTION_NAMES = ("format", "skills_field", "lang", "skip_bad")


def corpus_options(f=None, *, engine: bool = True, engines: dict[str, str] | None = None,
                   engine_help: str = "How to count skill co-occurrences."):
    """Add ``--format``, ``--skills-field``, ``--lang``, ``--skip-bad`` and (unless ``engine=False``) ``--engine``
    and ``--address``. ``engines`` (default :data:`~steps_core.names.ENGINES`) are the ``--engine`` choices,
    described after ``engine_help``."""
    choices = ENGINES if engines is None else engines

    def decorate(func):
        if engine:
            func = click.option(
                "--address", default=None, metavar="ADDRESS",
                help="With --engine ray: the Ray cluster to join (ray://HEAD:10001 from outside it, auto or "
                     "HOST:6379 from a node). Default: RAY_ADDRESS when set, else Ray starts on this "
                     "machine.")(func)
            func = click.option(
                "--engine", type=click.Choice(list(choices)), default="memory", show_default=True,
                help=engine_help + " " + describe(choices) + ". All give the same result.")(func)
        func = click.option(
            "--skip-bad", is_flag=True, default=False,
            help="Skip bad records (invalid JSON, wrong types, undecodable text) and report how many were "
                 "skipped, with the first few messages. Without it the first bad record stops the command with "
                 "its file, line and field. Untagged records (skills missing, null or empty, as steps tag leaves "
                 "them) are not bad: they are always skipped and counted.")(func)
        func = click.option(
            "--lang", type=click.Choice(list(LANGS)), default="en", show_default=True,
            help="Language of Infinity-Instruct skill labels: the skills come from label.ability_en or "
                 "label.ability_zh when the records have no skills field.")(func)
        func = click.option(
            "--skills-field", default="skills", show_default=True, metavar="NAME",
            help="Field (JSON) or column (CSV, TSV, Parquet) holding each record's skills: a list of names, "
                 "or a string: Stack Exchange tags '<a><b>', or names separated by ';' (or ',' when there is no "
                 "';'). Use dots for nested fields, e.g. label.ability_en.")(func)
        func = click.option(
            "--format", "format", type=click.Choice(list(INPUT_FORMATS)), default=None,
            help="Corpus format. Default: detected from the file extension (.jsonl/.ndjson, .json, .csv, "
                 ".tsv/.tab, .parquet/.pq; each also gzipped, e.g. .jsonl.gz) or, failing that, from the "
                 "content. A folder is read as shards of these formats.")(func)
        return func

    return decorate(f) if f is not None else decorate


def read_options(kwargs: dict) -> dict:
    """Pop the corpus options out of a command's ``kwargs``; returns keyword arguments for
    ``load_cooccurrence`` (with ``engine`` when the command has ``--engine``, and ``address`` when ``--address``
    was given, with ``--engine ray`` only) or ``iter_records``, plus a fresh ``report``."""
    from ..corpus import ReadReport

    opts = {name: kwargs.pop(name) for name in _OPTION_NAMES if name in kwargs}
    if "engine" in kwargs:
        opts["engine"] = kwargs.pop("engine")
    address = kwargs.pop("address", None)
    if address is not None:              # passed only when given: readers of records take no address
        if opts.get("engine") != "ray":
            raise click.UsageError("--address is for --engine ray")
        opts["address"] = address
    opts["report"] = ReadReport()
    return opts


def echo_report(report, *, always: bool = False) -> None:
    """Print the reading summary to stderr when records were skipped (bad or untagged) or notes were made (or
    ``always``)."""
    if always or report.n_skipped or report.n_untagged or report.notes:
        click.echo(report.summary(), err=True)
