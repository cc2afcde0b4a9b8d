"""``steps grade``: the Skill-Mix rubric by an LLM judge, on the ok samples of a samples file
(:func:`steps_core.synthesis.grade`), and the metrics."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli
from ._llm_options import (STALE_HINT, batch_from, budget_options, check_outputs, client_options, drain,
                           endpoint_from, endpoint_options, exit_if_failed, judge_options, overwrite_option,
                           price_from, report_limits, session, write_report)


@cli.command("grade")
@click.argument("samples", type=click.Path(dir_okay=False))
@judge_options
@endpoint_options()
@click.option("--catalog", type=click.Path(dir_okay=False), default=None,
              help="Skill catalogue CSV: definitions and examples shown to the judge.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the first judge round.")
@client_options
@budget_options
@click.option("--expected-output-tokens", type=click.IntRange(min=1), default=None,
              help="Expected length of a judge answer in tokens, for --max-cost (default 200; --judge-max-tokens, "
                   "when set, bounds it).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help='Write the metrics as JSON: {"overall": {...}, "per_k": {"2": {...}}}.')
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Graded samples JSONL (each sample with a `grade` record). Default: <SAMPLES>.graded.jsonl. "
                   "A rerun skips samples already graded in it by the same judge settings.")
@overwrite_option
def grade_cmd(samples, judge_model, rounds, judge_temperature, judge_max_tokens, judge_template_path, base_url,
              api_key_env, catalog, seed, workers, timeout, max_retries, backoff, cache_path, no_cache, prices_path,
              price_input, price_output, log_path, max_cost, use_batch, batch_discount, poll_interval, no_wait,
              expected_output_tokens, report_path, output, overwrite):
    """Grade the ok samples of SAMPLES with the Skill-Mix rubric (k + 3 points) and print the metrics.

    An LLM judge scores one point per skill, on topic and makes sense; code checks the sentence limit
    max(1, k-1) (Skill-Mix texts only) and gives 0 to a skill named verbatim in the text. With --batch every
    round of every text goes into one batch (the rounds do not depend on each other).
    """
    from ..corpus import read_catalog
    from ..grade import format_metrics_table, graded_points, metrics_report
    from ..sample_sinks import GRADED, SamplesFile
    from ..synth import read_samples
    from ..errors import InputError
    from ..synthesis import JudgeSettings, grade

    items = read_samples(samples)
    out = Path(output or str(Path(samples).with_suffix("")) + ".graded.jsonl")
    inputs = [p for p in (samples, catalog, judge_template_path, cache_path) if p]
    check_outputs([out, report_path, log_path], inputs)
    settings = JudgeSettings(judge_model, rounds=rounds, temperature=judge_temperature, max_tokens=judge_max_tokens,
                             seed=seed, template_path=judge_template_path,
                             price=price_from(judge_model, prices_path, price_input, price_output))
    if max_cost is not None and settings.price is None:
        raise InputError("--max-cost needs the judge's price: pass --prices FILE or --price-input and "
                         "--price-output", field="max-cost")
    batch = batch_from(use_batch, batch_discount, poll_interval, no_wait)
    template = settings.template()
    with session(cache_path, no_cache, log_path) as cache, SamplesFile(out, GRADED, stale_hint=STALE_HINT) as sink:
        client = endpoint_from(base_url, api_key_env, timeout, max_retries, backoff).client(cache)
        judge = settings.make(client, catalog=read_catalog(catalog) if catalog else (), template=template)
        run = grade(items, judge, sink, overwrite=overwrite, max_cost=max_cost,
                    expected_output_tokens=expected_output_tokens, batch=batch)
        written = drain(run, out, workers=workers, desc="grade", unit=" samples", what="graded sample(s)")
        final = sink.finish()
    report = metrics_report(graded_points(final))
    failed = sum(1 for s in final if isinstance(s.get("grade"), dict) and s["grade"].get("status") != "ok")
    skipped = sum(1 for s in final if s.get("grade") is None)
    click.echo(format_metrics_table(report))
    click.echo(f"graded {len(written)} sample(s) now, {len(run.skipped)} before; {failed} could not be graded, "
               f"{skipped} skipped (synthesis failed); written to {out}")
    if settings.price is not None:
        paid = sum(float((r.get("usage") or {}).get("cost_usd") or 0.0) for s in written
                   for r in (s.get("grade") or {}).get("requests") or [] if not r.get("cached"))
        click.echo(f"cost     ${paid:.4f}" + (f" (batch API, {batch.discount:.0%} off)" if batch is not None else ""))
    if run.batch is not None and (run.batch.submitted or run.batch.collected):
        click.echo(f"batches: submitted {', '.join(run.batch.submitted) or 'none'}; collected "
                   f"{', '.join(run.batch.collected) or 'none'}; {run.batch.failed_requests} request(s) failed")
    stopped = report_limits(run, len(run.todo), "sample(s) to grade")
    write_report(report, report_path, [*inputs, out])
    exit_if_failed(failed, len(final) - skipped, "sample(s) to grade")
    if stopped:
        raise SystemExit(1)
