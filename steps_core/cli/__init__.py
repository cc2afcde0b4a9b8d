"""The ``steps`` command line: a thin mirror of :mod:`steps_core`'s functions.

Each subcommand lives in its own module and registers itself on :data:`cli`. Exit codes: 0 success,
2 bad input or a refused output path (the message names file, line and field), 1 a fault of the environment
(permission denied, disk full, an endpoint that does not answer) or a run in which some items failed. Errors
are one line on stderr, never a traceback.
"""

from __future__ import annotations

import click

from ..errors import StepsError, from_os_error


def echo_error(message: str) -> None:
    """``error: <message>`` on stderr; text that is not valid Unicode (a lone surrogate from a file name or a
    field) is shown escaped instead of failing to print."""
    click.echo("error: " + message.encode("utf-8", "backslashreplace").decode("utf-8"), err=True)


#: The commands in the order of the pipeline (``steps --help`` lists them so).
ORDER = ("demo", "app", "tag", "normalize", "graph", "tree", "select", "compare", "synth", "grade", "mix", "eval",
         "export")


class _Group(click.Group):
    def list_commands(self, ctx):
        names = super().list_commands(ctx)
        return [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]

    def format_commands(self, ctx, formatter):
        """Each command with the whole first paragraph of its help (click cuts it at ~45 characters)."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                first = (cmd.help or "").strip().split("\n\n")[0]
                rows.append((name, " ".join(first.split())))
        if rows:
            with formatter.section("Commands (in pipeline order)"):
                formatter.write_dl(rows)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except StepsError as exc:
            echo_error(str(exc))
            ctx.exit(exc.exit_code)
        except OSError as exc:                 # a path or a fault of the machine: a message, not a traceback
            error = from_os_error(exc)
            echo_error(str(error))
            ctx.exit(error.exit_code)


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
