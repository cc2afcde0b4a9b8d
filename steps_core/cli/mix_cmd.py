"""``steps mix``: Zhao-style training data (:mod:`steps_core.mixing`): random k-subsets of the training skills
with training topics, written in the Skill-Mix style and graded; ``steps export --min-grade full`` keeps the
full marks (docs/synthesis.md "Training data: steps mix")."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..names import BACKENDS, EVAL_PROTOCOLS, EVAL_SPLITS, TEMPERATURE, describe
from . import cli
from ._llm_options import (STALE_HINT, check_outputs, client_options, drain, endpoint_from, endpoint_options,
                           exit_if_failed, judge_options, money, overwrite_option, price_from, session, write_report)
from ._split_options import echo_split, read_split, split_options
from ._util import finite_float
from .eval_cmd import judge_defaults, parse_ks


@cli.command("mix")
@click.option("--catalog", type=click.Path(dir_okay=False), required=True,
              help="Skill catalogue CSV (skill, category, definition, example).")
@click.option("--topics", type=click.Path(dir_okay=False), required=True, help="Topics, one per line.")
@click.option("--k", "k_values", default="1,2,3", show_default=True,
              help="Numbers of skills per item, comma-separated (the items are split equally over them).")
@click.option("--n", "n_items", type=click.IntRange(min=1), default=100, show_default=True,
              help="Items to make in all.")
@click.option("--split", type=click.Choice(list(EVAL_SPLITS)), default="train", show_default=True,
              help="Which skills and topics to draw from: " + describe(EVAL_SPLITS) + ".")
@split_options
@click.option("--protocol", "protocol_name", type=click.Choice(list(EVAL_PROTOCOLS)), default="skillmix",
              show_default=True, help="Whose Skill-Mix prompts and judge settings: " + describe(EVAL_PROTOCOLS)
              + " (only the template and the judge's settings apply here: one text per item).")
@click.option("--backend", type=click.Choice(list(BACKENDS)), default="openai", show_default=True,
              help="Who writes the texts: " + describe(BACKENDS) + ".")
@click.option("--model", default=None, help="Model that writes the texts (openai backend).")
@endpoint_options(what="the model that writes the texts")
@click.option("--temperature", type=finite_float(min=0), default=TEMPERATURE, show_default=True,
              help="Sampling temperature of the writer.")
@click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Maximum answer length of the writer.")
@click.option("--template", "template_path", type=click.Path(dir_okay=False), default=None,
              help="Your own Skill-Mix prompt template (copy steps_core/prompts/skillmix-reference.txt).")
@judge_options
@endpoint_options(prefix="judge-", what="the judge")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws and of the requests.")
@client_options
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Write the grades per k (metrics with standard errors), the split and the settings as JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="mix.jsonl", show_default=True,
              help="Graded samples JSONL (every item, full marks or not). A rerun skips the items already "
                   "graded in it with the same writer, judge and settings.")
@overwrite_option
def mix_cmd(catalog, topics, k_values, n_items, split, split_by, heldout_fraction, heldout_categories, split_seed,
            protocol_name, backend, model, base_url, api_key_env, temperature, max_tokens, template_path,
            judge_model, rounds, judge_temperature, judge_max_tokens, judge_template_path, judge_base_url,
            judge_api_key_env, seed, workers, timeout, max_retries, backoff, cache_path, no_cache, prices_path,
            price_input, price_output, log_path, report_path, output, overwrite):
    """Make Zhao-style training data: random k-subsets of the training skills with training topics, written
    in the Skill-Mix style and graded.

    Keep the full marks with `steps export OUTPUT --all --min-grade full`.

    \b
    Examples:
      steps mix --catalog skills.csv --topics topics.txt --n 300 --model gpt-4o --judge-model gpt-4o
      steps export mix.jsonl --all --min-grade full --format openai -o train.jsonl --curriculum none
      # fine-tune elsewhere, then, on the held-out categories (same split options):
      steps eval --catalog skills.csv --topics topics.txt --k 4,5 --split heldout --protocol skillmix ...
    """
    from ..evaluation import protocol
    from ..grade import format_metrics_table, graded_points, metrics_report
    from ..mixing import MIX_RECORDS, draw_mix, make_training_data, plan_mix
    from ..sample_sinks import SamplesFile, is_failure
    from ..synth import summarize
    from ..synthesis import Generator, JudgeSettings

    if backend == "openai" and not model:
        raise InputError("the openai backend needs --model", field="model")
    proto = protocol(protocol_name)
    rounds, judge_temperature = judge_defaults(proto, rounds, judge_temperature)
    parts = read_split(catalog, topics, split_by, heldout_fraction, heldout_categories, split_seed)
    skills, topic_list = parts.part(split)
    ks = parse_ks(k_values)
    draws = draw_mix(skills, topic_list, ks, n_items, seed=seed, prefix=f"mix-{split}")
    template = proto.load_template(template_path)
    jobs = plan_mix(draws, template, seed=seed, combination={"split": split, "protocol": protocol_name})
    out = Path(output)
    inputs = [p for p in (catalog, topics, template_path, judge_template_path, cache_path) if p]
    check_outputs([out, report_path, log_path], inputs)
    price = price_from(model or "", prices_path, price_input, price_output) if backend == "openai" else None
    writer = Generator(backend=backend, model=model or "", temperature=temperature, max_tokens=max_tokens,
                       price=price)
    judging = JudgeSettings(judge_model, rounds=rounds, temperature=judge_temperature, max_tokens=judge_max_tokens,
                            seed=seed, template_path=judge_template_path, unparsed_as_zero=proto.unparsed_as_zero,
                            price=price_from(judge_model, prices_path, price_input, price_output))
    echo_split(parts, split)
    with session(cache_path, no_cache, log_path) as cache, SamplesFile(out, MIX_RECORDS, stale_hint=STALE_HINT) as sink:
        student = writer.make(endpoint_from(base_url, api_key_env, timeout, max_retries, backoff), cache)
        judge_endpoint = endpoint_from(judge_base_url or base_url, judge_api_key_env or api_key_env, timeout,
                                       max_retries, backoff)
        judge = judging.make(judge_endpoint.client(cache), catalog=skills)
        run = make_training_data(jobs, student, judge, sink, overwrite=overwrite)
        written = drain(run, out, workers=workers, desc="mix", unit=" items", what="graded sample(s)")
        final = {r["id"]: r for r in sink.finish()}
    records = [final[j.id] for j in jobs if j.id in final]
    report = metrics_report(graded_points(records))
    full = sum(1 for r in records if (r.get("grade") or {}).get("full_marks") is True)
    report.update(kept_full_marks=full, items=len(jobs), split={"part": split, **parts.to_dict()},
                  settings={"k": ks, "n": n_items, "protocol": protocol_name, "backend": backend,
                            "model": model, "judge_model": judge_model, "rounds": rounds,
                            "judge_temperature": judge_temperature, "seed": seed})
    click.echo(format_metrics_table(report))
    s = summarize(written)
    click.echo(f"wrote {len(written)} graded sample(s) to {out}; {len(run.skipped)} already done; "
               f"{full} of {len(records)} have full marks (export them with: steps export {out} --all "
               f"--min-grade full ...)")
    if backend == "openai":
        click.echo(f"writer cost {money(s.cost_usd)}")
    write_report(report, report_path, [*inputs, out])
    exit_if_failed(sum(1 for j in jobs if j.id not in final or is_failure(final[j.id])), len(jobs), "item(s)")
