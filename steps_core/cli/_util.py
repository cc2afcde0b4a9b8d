"""Small helpers shared by the command modules: progress bars, output folders and finite-number options."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Callable, Iterator

import click


@contextlib.contextmanager
def progress_bar(desc: str, unit: str = "it", total: int | None = None) -> Iterator:
    """A ``progress(done, total)`` callback drawing a tqdm bar on stderr (quiet when stderr is not a TTY
    and ``STEPS_PROGRESS`` is unset, so logs stay readable)."""
    import os

    from tqdm import tqdm                     # here, not at the top: `steps --help` need not load it

    disable = not sys.stderr.isatty() and not os.environ.get("STEPS_PROGRESS")
    bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=disable, leave=False,
               dynamic_ncols=True)

    def update(done: int, total_now: int | None = None) -> None:
        if total_now is not None and bar.total != total_now:
            bar.total = total_now
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


@contextlib.contextmanager
def stage_bars(units: dict[str, str] | None = None) -> Iterator:
    """A ``progress(stage, done, total)`` callback drawing one tqdm bar per stage (see :func:`progress_bar`);
    ``units`` names each stage's unit (``{"counting": " records"}``)."""
    units = {"counting": " records", "embedding": " skills", "building": " levels", **(units or {})}
    with contextlib.ExitStack() as stack:
        bars: dict[str, Callable] = {}

        def update(stage: str, done: int, total: int | None = None) -> None:
            if stage not in bars:
                bars[stage] = stack.enter_context(progress_bar(stage, unit=units.get(stage, "it")))
            bars[stage](done, total)

        yield update


class IntOrWord(click.ParamType):
    """A positive integer, or one of ``words`` (each mapped to the value the command receives).

    ``IntOrWord({"auto": "auto", "none": None})`` accepts ``3``, ``auto`` and ``none``.
    """

    name = "int_or_word"

    def __init__(self, words: dict[str, object]):
        self.words = words

    def convert(self, value, param, ctx):
        if isinstance(value, int) or value is None or (isinstance(value, str) and value in self.words.values()):
            return value
        if value in self.words:
            return self.words[value]
        try:
            n = int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not an integer or one of {', '.join(map(repr, self.words))}", param, ctx)
        if n < 1:
            self.fail(f"{n} is smaller than 1", param, ctx)
        return n


def finite_float(min: float | None = None, max: float | None = None) -> click.FloatRange:
    """A click float option type in ``[min, max]`` that also refuses ``nan`` and ``inf`` (which
    ``click.FloatRange`` lets through), so that no NaN reaches a request or a file."""
    return _FiniteFloat(min=min, max=max)


class _FiniteFloat(click.FloatRange):
    def convert(self, value, param, ctx):
        import math

        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(number, param, ctx)


def ensure_parent(path: str | Path) -> Path:
    """Create the folder of an output file; returns the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def echo_kv(pairs: list[tuple[str, object]]) -> None:
    """Print aligned ``name: value`` lines."""
    width = max(len(k) for k, _ in pairs)
    for k, v in pairs:
        click.echo(f"{k.ljust(width)}  {v}")
