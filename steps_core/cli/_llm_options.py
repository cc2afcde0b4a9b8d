"""What the commands that talk to a model share (``synth``, ``grade``, ``eval``): endpoint, client and judge
options, the run's log and response cache, and carrying a :class:`~steps_core.synthesis.Run` out with a
progress bar, saying what was kept when it is interrupted or stops early.

    @endpoint_options()
    @client_options
    def cmd(base_url, api_key_env, workers, timeout, max_retries, backoff, cache_path, no_cache, ...):
        endpoint = endpoint_from(base_url, api_key_env, timeout, max_retries, backoff)
        with session(cache_path, no_cache, log_path) as cache:
            ...
            with SamplesFile(out, SAMPLES, stale_hint=STALE_HINT) as sink:
                run = synthesise(jobs, backend, sink, overwrite=overwrite)
                drain(run, out, workers=workers, desc="synth", unit=" samples")
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import click

from ..errors import InputError, StepsError
from ..names import (API_KEY_ENV, BACKOFF, JUDGE_ROUNDS, JUDGE_TEMPERATURE, MAX_RETRIES, TIMEOUT,
                               WORKERS)
from ._util import ensure_parent, finite_float, progress_bar

#: What the CLI says to do about results made with other settings.
STALE_HINT = "choose another output file with -o, or pass --overwrite to redo them"


# ----------------------------------------------------------------------------------------------------------
# Options
# ----------------------------------------------------------------------------------------------------------

def endpoint_options(prefix: str = "", what: str = "the model"):
    """--base-url, --api-key-env (optionally prefixed, e.g. --judge-base-url)."""
    def deco(f):
        f = click.option(f"--{prefix}api-key-env", default=None if prefix else API_KEY_ENV, metavar="NAME",
                         show_default=not prefix,
                         help=f"Environment variable holding the API key of {what}"
                              + (" (default: the same as --api-key-env)." if prefix else
                                 ". The key is never printed, logged or written to any file."))(f)
        f = click.option(f"--{prefix}base-url", default=None, metavar="URL",
                         help=f"OpenAI-compatible endpoint of {what}, e.g. http://localhost:8000/v1 "
                              + ("(default: the same as --base-url)." if prefix else
                                 "(default: api.openai.com)."))(f)
        return f
    return deco


def client_options(f):
    """--workers, --timeout, --max-retries, --backoff, --cache, --no-cache, --prices, --price-input/--price-output,
    --log."""
    f = click.option("--log", "log_path", type=click.Path(dir_okay=False), default=None,
                     help="Append a log of the run (retries, failures; never the API key) to this file.")(f)
    f = click.option("--price-output", type=finite_float(min=0), default=None, metavar="USD",
                     help="Price of output tokens in USD per 1M tokens (with --price-input; overrides --prices).")(f)
    f = click.option("--price-input", type=finite_float(min=0), default=None, metavar="USD",
                     help="Price of input tokens in USD per 1M tokens (with --price-output; overrides --prices).")(f)
    f = click.option("--prices", "prices_path", type=click.Path(dir_okay=False), default=None,
                     help='Price table, JSON {"<model>": {"input": <USD/1M>, "output": <USD/1M>}}. Without '
                          "prices, costs are shown as unknown.")(f)
    f = click.option("--no-cache", is_flag=True, default=False,
                     help="Do not read or write the response cache (every request is sent).")(f)
    f = click.option("--cache", "cache_path", type=click.Path(dir_okay=False), default=None,
                     help="Response cache (SQLite). Default: $STEPS_CACHE or ~/.cache/steps-studio/llm-cache.sqlite."
                          " A rerun answers from it and never pays twice.")(f)
    f = click.option("--max-retries", type=click.IntRange(min=0), default=MAX_RETRIES, show_default=True,
                     help="Retries per request after 429, 5xx, timeouts, connection errors or a malformed "
                          "answer body (exponential backoff with jitter, honouring Retry-After).")(f)
    f = click.option("--backoff", type=finite_float(min=0, max=3600), default=BACKOFF, show_default=True,
                     metavar="SECONDS",
                     help="First retry wait; it doubles with each retry (capped at 30 s) and gets random jitter.")(f)
    f = click.option("--timeout", type=finite_float(min=0.1, max=86400), default=TIMEOUT, show_default=True,
                     help="Seconds to wait for one answer before retrying.")(f)
    f = click.option("--workers", type=click.IntRange(min=1, max=256), default=WORKERS, show_default=True,
                     help="Requests in flight at once.")(f)
    return f


def judge_options(f):
    """--judge-model, --rounds, --judge-temperature, --judge-max-tokens, --judge-template."""
    f = click.option("--judge-template", "judge_template_path", type=click.Path(dir_okay=False), default=None,
                     help="Your own judge prompt template (copy steps_core/prompts/grade.txt).")(f)
    f = click.option("--judge-max-tokens", type=click.IntRange(min=1), default=None,
                     help="Maximum length of a judge answer in tokens.")(f)
    f = click.option("--judge-temperature", type=finite_float(min=0), default=JUDGE_TEMPERATURE, show_default=True,
                     help="Judge sampling temperature (each round sends seed + round, so rounds differ).")(f)
    f = click.option("--rounds", type=click.IntRange(min=1), default=JUDGE_ROUNDS, show_default=True,
                     help="Judge rounds per text; each point is the majority vote of the rounds (a tie gives 0).")(f)
    f = click.option("--judge-model", required=True, help="Model name of the judge.")(f)
    return f


def budget_options(f):
    """--max-cost, --batch, --batch-discount, --poll-interval, --no-wait."""
    f = click.option("--no-wait", is_flag=True, default=False,
                     help="With --batch: submit the batches and exit without waiting (exit 0); run the same "
                          "command again later to collect them.")(f)
    f = click.option("--poll-interval", type=finite_float(min=0.01, max=86400), default=30.0, show_default=True,
                     metavar="SECONDS", help="With --batch: seconds between two looks at a running batch.")(f)
    f = click.option("--batch-discount", type=finite_float(min=0, max=0.99), default=0.5, show_default=True,
                     metavar="FRACTION",
                     help="With --batch: the batch price cut off the online price (0.5 = half price), for the "
                          "costs shown, --estimate and --max-cost.")(f)
    f = click.option("--batch", "use_batch", is_flag=True, default=False,
                     help="Send the requests through the endpoint's Batch API (/v1/files and /v1/batches, "
                          "24 h window; OpenAI and several compatible servers) at its discount, and merge the "
                          "answers into the output as an online run would. The batches are recorded in "
                          "<OUTPUT>.batch/ before any waiting: an interrupted run, run again, collects them "
                          "instead of paying twice. A request that depends on an earlier answer (the second "
                          "round of skillmix) goes into the next batch.")(f)
    f = click.option("--max-cost", type=finite_float(min=0), default=None, metavar="USD",
                     help="Stop sending new requests when the estimated spend of this run would pass USD "
                          "(needs prices; answers from the cache are free). Says how far it got; run again "
                          "with a higher limit to continue.")(f)
    return f


def batch_from(use_batch: bool, discount: float, poll_interval: float, no_wait: bool):
    """The :class:`~steps_core.synthesis.BatchSettings` the options give (None without --batch); the batches'
    state goes beside the output file (``<output>.batch/``)."""
    if not use_batch:
        if no_wait:
            raise InputError("--no-wait only applies with --batch", field="no-wait")
        return None
    from ..synthesis import BatchSettings

    return BatchSettings(discount=discount, poll_interval=poll_interval, wait=not no_wait)


def overwrite_option(f):
    return click.option("--overwrite", is_flag=True, default=False,
                        help="Redo the results already in the output file that were made with other settings "
                             "(model, endpoint, prompts, template, judge...): without it such a file is refused. "
                             "The new results replace them; results of other ids are kept.")(f)


# ----------------------------------------------------------------------------------------------------------
# Settings from options
# ----------------------------------------------------------------------------------------------------------

def endpoint_from(base_url: str | None, api_key_env: str, timeout: float, max_retries: int, backoff: float):
    """The :class:`~steps_core.synthesis.Endpoint` the options name."""
    from ..synthesis import Endpoint

    return Endpoint(base_url=base_url, api_key_env=api_key_env, timeout=timeout, max_retries=max_retries,
                    backoff=backoff)


def price_from(model: str, prices_path: str | None, price_input: float | None, price_output: float | None):
    """The price of ``model`` the options give (:func:`steps_core.synthesis.price_for`)."""
    from ..synthesis import price_for

    return price_for(model, table=prices_path, input_per_1m=price_input, output_per_1m=price_output)


def money(value: float | None) -> str:
    return "unknown (set --prices or --price-input/--price-output)" if value is None else f"${value:.4f}"


def check_outputs(outputs: Sequence[str | Path | None], inputs: Sequence[str | Path | None]) -> None:
    """Before anything is sent or written: no output may replace an input, another output, a database or a
    special file (:func:`steps_core.io.check_output`); then their folders are made."""
    from ..io import check_output

    outs = [o for o in outputs if o]
    ins = [i for i in inputs if i]
    for i, o in enumerate(outs):
        check_output(o, ins + outs[:i] + outs[i + 1:])
    ensure_parent(outs[0])


# ----------------------------------------------------------------------------------------------------------
# Running
# ----------------------------------------------------------------------------------------------------------

@contextmanager
def _run_log(path: str | None) -> Iterator[None]:
    if path is None:
        yield
        return
    handler = logging.FileHandler(ensure_parent(path), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("steps_core")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        handler.close()


@contextmanager
def session(cache_path: str | None, no_cache: bool, log_path: str | None, *, use_cache: bool = True):
    """The run log and the response cache of a command; the cache is closed at the end (left to the
    process's exit after Ctrl-C, while abandoned requests may still touch it)."""
    from ..synthesis import open_cache

    cache = open_cache(cache_path, enabled=use_cache and not no_cache)
    interrupted = False
    with _run_log(log_path):
        try:
            yield cache
        except (KeyboardInterrupt, SystemExit):
            interrupted = True
            raise
        finally:
            if cache is not None and not interrupted:
                cache.close()


def drain(run, out: Path, *, workers: int, desc: str, unit: str, what: str) -> list[dict]:
    """Carry out ``run`` (:class:`~steps_core.synthesis.Run`) with a progress bar; each result is in ``out``
    the moment it arrives. On Ctrl-C: stop the clients (nothing more is sent, retry waits end), say what was
    kept and exit 1 at once, abandoning the requests still on the wire (their answers are lost, the rest is
    in the file). On an error that stops the run: say what was kept, then the error."""
    try:
        with progress_bar(desc, unit=unit, total=len(run.todo)) as bar, _batch_watch(run):
            for _ in run.results(workers=workers, progress=bar):
                pass
    except KeyboardInterrupt:
        on_wire = run.stop()
        running = _running_batches(run)
        click.echo(f"\ninterrupted: {len(run.written)} {what} written to {out}"
                   + (f"; abandoned {on_wire} request(s) still waiting for an answer" if on_wire else "")
                   + (f"; batch(es) {', '.join(running)} keep running on the server (recorded in "
                      f"{run.batch.state.path}): run the same command again to collect them, nothing is "
                      "submitted twice." if running else
                      "; run the same command again to continue (answers already received come from the cache)."),
                   err=True)
        raise SystemExit(1) from None
    except StepsError:              # e.g. the endpoint refuses every request or stopped answering
        run.stop()
        click.echo(f"stopped early: {len(run.written)} {what} written to {out} ({run.failed} failed); fix the "
                   "cause below and run the same command again to continue.", err=True)
        raise
    finally:
        run.close()
    return run.written


def _running_batches(run) -> list[str]:
    batch = getattr(run, "batch", None)
    if batch is None:
        return []
    return [str(e.batch_id) for e in batch.state.entries
            if e.batch_id and not e.downloaded and e.status not in ("failed", "expired", "cancelled")]


@contextmanager
def _batch_watch(run) -> Iterator[None]:
    """With a batch run: a bar of the requests the batches answered, its status beside it, and a line on
    stderr for each step (submitted, each change of status, downloaded)."""
    if getattr(run, "batch", None) is None:
        yield
        return
    import os
    import sys

    from tqdm import tqdm

    disable = not sys.stderr.isatty() and not os.environ.get("STEPS_PROGRESS")
    bar = tqdm(desc="batch", unit=" requests", file=sys.stderr, disable=disable, leave=False, dynamic_ncols=True)
    seen: dict[str, str] = {}

    def note(text: str) -> None:
        if disable:
            click.echo(text, err=True)
        else:
            tqdm.write(text, file=sys.stderr)

    def show(statuses) -> None:
        total = sum(s.total for s in statuses)
        done = sum(s.completed + s.failed for s in statuses)
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        bar.set_postfix_str(", ".join(f"{s.batch_id} {s.status}" for s in statuses), refresh=True)
        for s in statuses:
            if seen.get(s.batch_id) != s.status and s.status not in ("completed", "failed", "expired", "cancelled"):
                note(f"batch {s.batch_id}: {s.status}, {s.completed + s.failed}/{s.total} request(s) done")
            seen[s.batch_id] = s.status

    run.batch.on_note, run.batch.on_status = note, show
    try:
        yield
    finally:
        bar.close()


def report_limits(run, total: int, what: str) -> bool:
    """Say what the budget and the batches left undone; True when the budget stopped the run before the end
    (the caller exits 1 after its summary)."""
    batch = getattr(run, "batch", None)
    if batch is not None and batch.waiting:
        click.echo(f"waiting: batch(es) {', '.join(batch.waiting)} still running on the server for {run.left} "
                   f"{what}; run the same command again to collect them (nothing is submitted twice).")
    budget = run.budget
    if budget is None or not budget.stopped or not run.left:
        return False
    done = total - run.left
    click.echo(f"budget: stopped at --max-cost ${budget.limit:.4f}: {done} of {total} {what} done, "
               f"${budget.spent:.4f} spent, {run.left} remaining (not started; the next would have needed "
               f"~${budget.next_estimate or 0:.4f}); run again with a higher --max-cost to continue.")
    return True


def exit_if_failed(failed: int, total: int, what: str) -> None:
    """Exit 1 (after the summary) when ``failed`` of ``total`` items of the run failed."""
    if failed:
        click.echo(f"error: {failed} of {total} {what} failed (see their `error` field); run the same command "
                   "again to retry them.", err=True)
        raise SystemExit(1)


def write_report(report: dict, path: str | None, inputs: Sequence[str | Path]) -> None:
    """The metrics as JSON at ``path`` (if given), never over one of ``inputs``."""
    if path:
        from ..io import guarded_output, json_text

        text = json_text(report, path=path, indent=2)
        with guarded_output(path, inputs=inputs) as fh:
            fh.write(text + "\n")
