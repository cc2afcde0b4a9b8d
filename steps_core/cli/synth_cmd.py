"""``steps synth``: one training sample per combination, from an OpenAI-compatible endpoint or the offline
template backend (:func:`steps_core.synthesis.synthesise`)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ..errors import InputError
from ..names import BACKENDS, STYLES, TEMPERATURE, describe
from . import cli
from ._agentic_filter import agentic_filter_option, apply_agentic_filter
from ._corpus_options import corpus_options, read_options
from ._llm_options import (STALE_HINT, batch_from, budget_options, check_outputs, client_options, drain,
                           endpoint_from, endpoint_options, exit_if_failed, money, overwrite_option, price_from,
                           report_limits, session)
from ._util import finite_float


def _print_prompts(jobs, template) -> None:
    from ..synth import format_prompt

    for job in jobs:
        click.echo(f"=== sample {job.id}  skills: {', '.join(job.skill_names)}"
                   + (f"  topic: {job.topic}" if job.topic else "") + " ===")
        if job.problem:
            click.echo(f"(cannot be run: {job.problem})\n")
            continue
        click.echo(format_prompt(job.prompt))
        if job.style == "skillmix":
            click.echo("--- round 2: user (sent after the model's first answer) ---\n" + (job.improve or ""))
            click.echo("--- training sample: user turn ---\n" + (job.task or ""))
        click.echo("")
    click.echo(f"{len(jobs)} prompt(s); template {template.name} sha256 {template.sha256[:16]}; nothing sent.")


def _print_estimate(jobs, expected_output_tokens: int | None, price, backend: str, batch, max_cost,
                    max_tokens: int | None) -> None:
    from ..synth import estimate_run

    online = estimate_run(jobs, expected_output_tokens=expected_output_tokens, price=price)
    est = estimate_run(jobs, expected_output_tokens=expected_output_tokens,
                       price=batch.price(price) if batch is not None else price)
    click.echo(f"samples          {est.samples}")
    click.echo(f"requests         {est.requests}")
    click.echo(f"input tokens     ~{est.input_tokens}")
    click.echo(f"output tokens    ~{est.output_tokens}")
    cost = money(est.cost_usd) if backend == "openai" else "$0 (template backend)"
    if batch is not None and est.cost_usd is not None:
        cost += f" (batch API, {batch.discount:.0%} off {money(online.cost_usd)} online)"
    click.echo(f"cost             {cost}")
    if max_cost is not None and est.cost_usd is not None:
        spent, fit = 0.0, 0
        for job in jobs:             # as the budget estimates: an answer of --max-tokens when set
            spent += estimate_run([job], expected_output_tokens=max_tokens or expected_output_tokens,
                                  price=batch.price(price) if batch is not None else price).cost_usd or 0.0
            if spent > max_cost * (1 + 1e-9):
                break
            fit += 1
        click.echo(f"max cost         ${max_cost:.4f}: about {fit} of {len(jobs)} sample(s) fit")
    click.echo("(tokens estimated at 4 characters per token; nothing sent)")


@cli.command("synth")
@click.argument("combos", type=click.Path(dir_okay=False))
@click.option("--style", type=click.Choice(list(STYLES)), default="composite", show_default=True,
              help=describe(STYLES) + ". composite needs --corpus, skillmix needs --topics.")
@click.option("--corpus", type=click.Path(), default=None,
              help="Tagged corpus to draw seed examples from (one distinct record per skill); any format "
                   "`steps graph` reads.")
@corpus_options(engine=False)
@click.option("--catalog", type=click.Path(dir_okay=False), default=None,
              help="Skill catalogue CSV (skill, category, definition, example): definitions and examples go "
                   "into the prompts.")
@click.option("--topics", type=click.Path(dir_okay=False), default=None,
              help="Topics, one per line (each sample gets one, chosen by its id).")
@click.option("--backend", type=click.Choice(list(BACKENDS)), default="openai", show_default=True,
              help=describe(BACKENDS) + ".")
@click.option("--model", default=None, help="Model name for the openai backend.")
@endpoint_options()
@click.option("--temperature", type=finite_float(min=0), default=TEMPERATURE, show_default=True,
              help="Sampling temperature.")
@click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Maximum answer length in tokens.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for seed-record and topic choice; each request sends seed + sample index.")
@click.option("--samples-per-combo", type=click.IntRange(min=1), default=1, show_default=True,
              help="Samples to make per combination.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Only the first N samples (after --samples-per-combo).")
@click.option("--template", "template_path", type=click.Path(dir_okay=False), default=None,
              help="Your own prompt template for the style (copy one from steps_core/prompts/).")
@agentic_filter_option
@client_options
@click.option("--dry-run", is_flag=True, default=False,
              help="Print the exact prompts that would be sent and stop (nothing is sent).")
@click.option("--estimate", is_flag=True, default=False,
              help="Print the expected requests, tokens and cost and stop (nothing is sent).")
@click.option("--expected-output-tokens", type=click.IntRange(min=1), default=None,
              help="Expected answer length per request for --estimate and --max-cost (default: 800 composite, "
                   "200 skillmix, 900 agentic; --max-tokens, when set, bounds it for --max-cost).")
@budget_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="samples.jsonl", show_default=True,
              help="Samples JSONL. Each sample is appended the moment it is answered; a rerun skips the "
                   "samples already ok in it (made with the same settings) and retries the failed ones.")
@overwrite_option
def synth_cmd(combos, style, corpus, catalog, topics, backend, model, base_url, api_key_env,
              temperature, max_tokens, seed, samples_per_combo, limit, template_path, workers, timeout,
              max_retries, backoff, cache_path, no_cache, prices_path, price_input, price_output, log_path, dry_run,
              estimate, expected_output_tokens, max_cost, use_batch, batch_discount, poll_interval, no_wait, output,
              overwrite, **kwargs):
    """Synthesise one training sample per combination in COMBOS (combos.jsonl from `steps select`).

    \b
    Examples:
      steps synth combos.jsonl --corpus corpus.jsonl --catalog skills.csv --model gpt-4o-mini
      steps synth combos.jsonl --style skillmix --topics topics.txt --catalog skills.csv \\
            --base-url http://localhost:8000/v1 --model qwen2.5-7b-instruct --workers 16
      steps synth combos.jsonl --corpus corpus.jsonl --backend template     # offline demo
      steps synth combos.jsonl --corpus corpus.jsonl --model gpt-4o-mini --batch --max-cost 5
    """
    from ..corpus import iter_records, read_catalog
    from ..sample_sinks import SAMPLES, SamplesFile, is_failure
    from ..synth import read_combinations, read_topic_list, summarize
    from ..synthesis import Generator, SynthSettings, plan_synthesis, synthesise

    if backend == "openai" and not model and not dry_run:
        raise InputError("the openai backend needs --model", field="model")
    if use_batch and backend != "openai":
        raise InputError("--batch needs the openai backend (the template backend answers offline)", field="batch")
    out = Path(output)
    batch = batch_from(use_batch, batch_discount, poll_interval, no_wait)
    settings = SynthSettings(style=style, seed=seed, samples_per_combo=samples_per_combo, limit=limit,
                             template_path=template_path)
    template = settings.template()
    combo_list = read_combinations(combos)
    jobs = plan_synthesis(combo_list, settings, template=template, catalog=read_catalog(catalog) if catalog else (),
                          topics=read_topic_list(topics) if topics else (),
                          records=iter_records(corpus, **read_options(kwargs)) if corpus else None)
    if dry_run:
        _print_prompts(jobs, template)
        return
    price = price_from(model or "", prices_path, price_input, price_output) if backend == "openai" else None
    if max_cost is not None and backend == "openai" and price is None:
        raise InputError("--max-cost needs the model's price: pass --prices FILE or --price-input and "
                         "--price-output", field="max-cost")
    if estimate:
        _print_estimate(jobs, expected_output_tokens, price, backend, batch, max_cost, max_tokens)
        return
    check_outputs([out, log_path], [combos, corpus, catalog, topics, template_path, cache_path])
    generator = Generator(backend=backend, model=model or "", temperature=temperature, max_tokens=max_tokens,
                          price=price)
    with session(cache_path, no_cache, log_path, use_cache=generator.needs_endpoint) as cache, \
            SamplesFile(out, SAMPLES, stale_hint=STALE_HINT) as sink:
        be = generator.make(endpoint_from(base_url, api_key_env, timeout, max_retries, backoff), cache)
        jobs = apply_agentic_filter(jobs, kwargs.pop("agentic_filter", None), style,
                                    endpoint_from(base_url, api_key_env, timeout, max_retries, backoff), cache, workers)
        run = synthesise(jobs, be, sink, overwrite=overwrite, max_cost=max_cost,
                         expected_output_tokens=expected_output_tokens, batch=batch)
        for client in run.clients:
            logging.getLogger("steps_core.cli").info(
                "synth: %d samples, style %s, model %s at %s, key from $%s (%s), cache %s", len(run.todo), style,
                model, client.host, api_key_env, "set" if client.has_key else "not set",
                cache.path if cache is not None else "off")
        written = drain(run, out, workers=workers, desc="synth", unit=" samples", what="sample(s)")
        final = {r["id"]: r for r in sink.finish()}
    s = summarize(written)
    click.echo(f"wrote {len(written)} sample(s) to {out} ({s.ok} ok, {s.failed} failed); "
               f"{len(run.skipped)} already done; {len(final)} in the file")
    click.echo(f"requests {s.requests}, answered from cache {s.cached_requests}"
               + (_batch_words(run.batch) if run.batch is not None else ""))
    click.echo(f"tokens   {s.paid.prompt_tokens} in + {s.paid.completion_tokens} out paid"
               f" ({s.cached.total_tokens} from cache)")
    if backend == "openai":
        cost = 0.0 if s.cost_usd is None and price is not None and not s.requests else s.cost_usd
        click.echo(f"cost     {money(cost)}"
                   + (f" (batch API, {batch.discount:.0%} off)" if batch is not None and s.cost_usd else ""))
    stopped = report_limits(run, len(run.todo), "sample(s)")
    waiting = run.batch is not None and run.batch.waiting
    exit_if_failed(sum(1 for j in jobs if j.id in final and is_failure(final[j.id])), len(jobs), "sample(s)")
    missing = sum(1 for j in jobs if j.id not in final)
    if missing and not stopped and not waiting:
        click.echo(f"error: {missing} of {len(jobs)} sample(s) were not made; run the same command again.", err=True)
    if stopped or (missing and not waiting):
        raise SystemExit(1)


def _batch_words(runner) -> str:
    """What the batches did, for the summary."""
    parts = []
    if runner.submitted:
        parts.append(f"submitted {', '.join(runner.submitted)}")
    if runner.collected:
        parts.append(f"collected {', '.join(runner.collected)}")
    if runner.failed_requests:
        parts.append(f"{runner.failed_requests} request(s) failed in a batch")
    if runner.waiting:
        parts.append(f"waiting for {', '.join(runner.waiting)}")
    return "; batches: " + ("; ".join(parts) if parts else "none needed")
