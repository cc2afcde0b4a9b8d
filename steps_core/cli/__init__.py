"""The ``steps`` command line: a thin mirror of :mod:`steps_core`'s functions.

Each subcommand lives in its own module and registers itself on :data:`cli`. Exit codes: 0 success,
2 bad input (the message names file, line and field), 1 any other failure.
"""

from __future__ import annotations

import click

from ..errors import StepsError


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except StepsError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="steps-studio")
def cli() -> None:
    """STEPS Studio: build a skill taxonomy from a tagged corpus and synthesise data for rare skill
    combinations.

    \b
    Pipeline:  graph -> tree -> select -> synth -> grade -> export
    Try:       steps demo
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``steps`` script."""
    cli.main(args=argv, prog_name="steps")


def _load_commands() -> None:
    """Import every module of this package: each one registers its subcommands on :data:`cli`."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("__"):
            importlib.import_module(f"{__name__}.{info.name}")


_load_commands()
