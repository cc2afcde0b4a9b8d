"""``steps eval``: the Skill-Mix evaluation of a model (:func:`steps_core.synthesis.evaluate`): random
(k skills, topic) draws, texts by the student, grades by the judge, metrics per k with standard errors, under
a protocol of :data:`~steps_core.evaluation.PROTOCOLS` (docs/synthesis.md "Evaluate a model")."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..names import EVAL_PROTOCOLS, EVAL_SPLITS, TEMPERATURE, describe
from . import cli
from ._llm_options import (STALE_HINT, check_outputs, client_options, drain, endpoint_from, endpoint_options,
                           exit_if_failed, judge_options, overwrite_option, price_from, session, write_report)
from ._split_options import echo_split, read_split, split_options
from ._util import finite_float


def parse_ks(value: str) -> list[int]:
    """Comma-separated k values, sorted and distinct."""
    try:
        ks = sorted({int(v) for v in value.split(",") if v.strip()})
    except ValueError:
        raise InputError(f"expected comma-separated integers, got {value!r}", field="k") from None
    if not ks or ks[0] < 1:
        raise InputError("k values must be >= 1", field="k")
    return ks


def given(name: str) -> bool:
    """Whether the user set option ``name`` (not left at its default)."""
    source = click.get_current_context().get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def judge_defaults(proto, rounds: int, judge_temperature: float) -> tuple[int, float]:
    """The judge's rounds and temperature: the user's where set, else the protocol's."""
    return (rounds if given("rounds") else proto.judge_rounds,
            judge_temperature if given("judge_temperature") else proto.judge_temperature)


@cli.command("eval")
@click.option("--catalog", type=click.Path(dir_okay=False), required=True,
              help="Skill catalogue CSV (skill, category, definition, example).")
@click.option("--topics", type=click.Path(dir_okay=False), required=True, help="Topics, one per line.")
@click.option("--k", "k_values", default="2,3,4", show_default=True,
              help="Numbers of skills per draw, comma-separated.")
@click.option("--draws", type=click.IntRange(min=1), default=10, show_default=True,
              help="Random (skills, topic) draws per k.")
@click.option("--protocol", "protocol_name", type=click.Choice(list(EVAL_PROTOCOLS)), default="steps",
              show_default=True, help="How texts are asked for and scored: " + describe(EVAL_PROTOCOLS) + ".")
@click.option("--student-model", required=True, help="The model evaluated (writes the Skill-Mix texts).")
@endpoint_options(what="the student model")
@click.option("--temperature", type=finite_float(min=0), default=TEMPERATURE, show_default=True,
              help="Student sampling temperature.")
@click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Maximum student answer length.")
@click.option("--template", "template_path", type=click.Path(dir_okay=False), default=None,
              help="Your own Skill-Mix prompt template for the student (copy steps_core/prompts/skillmix.txt "
                   "or skillmix-reference.txt); the numbers are then no longer the protocol's.")
@click.option("--generations", type=click.IntRange(min=1), default=None,
              help="Texts generated per draw (default: the protocol's, 1 for steps, 3 for skillmix).")
@judge_options
@endpoint_options(prefix="judge-", what="the judge")
@click.option("--split", type=click.Choice(list(EVAL_SPLITS)), default="all", show_default=True,
              help="Which skills and topics to draw from: " + describe(EVAL_SPLITS) + ".")
@split_options
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws and of the requests.")
@client_options
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Write the metrics with standard errors, the protocol and the split as JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="eval.jsonl", show_default=True,
              help="All raw records (one per draw: every generation, prompts, answers and grades). A rerun "
                   "skips draws already done in it with the same student, judge and settings.")
@overwrite_option
def eval_cmd(catalog, topics, k_values, draws, protocol_name, student_model, base_url, api_key_env, temperature,
             max_tokens, template_path, generations, judge_model, rounds, judge_temperature, judge_max_tokens,
             judge_template_path, judge_base_url, judge_api_key_env, split, split_by, heldout_fraction,
             heldout_categories, split_seed, seed, workers, timeout, max_retries, backoff, cache_path, no_cache,
             prices_path, price_input, price_output, log_path, report_path, output, overwrite):
    """Skill-Mix evaluation of an OpenAI-compatible model: random (k skills, topic) draws, texts by the
    student, grading by the judge, metrics per k with standard errors.

    \b
    Examples:
      steps eval --catalog skills.csv --topics topics.txt --k 2,3 --student-model m --judge-model j
      steps eval --catalog skills.csv --topics topics.txt --k 4,5 --split heldout --protocol skillmix \\
            --student-model my-finetune --base-url http://localhost:8000/v1 --judge-model gpt-4o \\
            --judge-base-url https://api.openai.com/v1
    """
    from ..evaluation import draw_eval, eval_report, protocol
    from ..grade import format_metrics_table
    from ..sample_sinks import EVAL_RECORDS, SamplesFile
    from ..synthesis import Generator, JudgeSettings, evaluate

    proto = protocol(protocol_name)
    generations = generations or proto.generations
    rounds, judge_temperature = judge_defaults(proto, rounds, judge_temperature)
    parts = read_split(catalog, topics, split_by, heldout_fraction, heldout_categories, split_seed)
    skills, topic_list = parts.part(split)
    ks = parse_ks(k_values)
    prefix = f"eval-{split}-s{seed}" if protocol_name == "steps" else f"eval-{protocol_name}-{split}-s{seed}"
    draw_list = draw_eval(skills, topic_list, ks, draws, seed=seed, prefix=prefix)
    out = Path(output)
    inputs = [p for p in (catalog, topics, template_path, judge_template_path, cache_path) if p]
    check_outputs([out, report_path, log_path], inputs)
    student_template = proto.load_template(template_path)
    judging = JudgeSettings(judge_model, rounds=rounds, temperature=judge_temperature, max_tokens=judge_max_tokens,
                            seed=seed, template_path=judge_template_path, unparsed_as_zero=proto.unparsed_as_zero,
                            price=price_from(judge_model, prices_path, price_input, price_output))
    judge_template = judging.template()
    writer = Generator(model=student_model, temperature=temperature, max_tokens=max_tokens,
                       price=price_from(student_model, prices_path, price_input, price_output))
    echo_split(parts, split)
    with session(cache_path, no_cache, log_path) as cache, \
            SamplesFile(out, EVAL_RECORDS, stale_hint=STALE_HINT) as sink:
        student = writer.make(endpoint_from(base_url, api_key_env, timeout, max_retries, backoff), cache)
        judge_endpoint = endpoint_from(judge_base_url or base_url, judge_api_key_env or api_key_env, timeout,
                                       max_retries, backoff)
        judge = judging.make(judge_endpoint.client(cache), catalog=skills, template=judge_template)
        run = evaluate(draw_list, student, judge, sink, generations=generations, template=student_template,
                       seed=seed, overwrite=overwrite)
        drain(run, out, workers=workers, desc="eval", unit=" draws", what="record(s)")
        records = sink.finish()
    wanted = {d.id for d in draw_list}
    records = [r for r in records if r.get("id") in wanted]
    report = eval_report(records, proto.aggregation)
    report["protocol"] = {**proto.to_dict(), "generations": generations, "judge_temperature": judge_temperature,
                          "judge_rounds": rounds, "template_sha256": student_template.sha256}
    report["settings"] = {"student_model": student_model, "judge_model": judge_model, "k": ks, "draws": draws,
                          "generations": generations, "rounds": rounds, "split": split,
                          "heldout_fraction": heldout_fraction, "seed": seed, "protocol": protocol_name}
    report["split"] = {"part": split, **parts.to_dict()}
    report["failed_draws"] = sum(1 for r in records if r.get("status") != "ok")
    click.echo(format_metrics_table(report, with_se=True))
    click.echo(f"{len(records)} draw(s), {report['failed_draws']} could not be graded; protocol {protocol_name} "
               f"({generations} generation(s), {proto.aggregation}); raw records in {out}")
    write_report(report, report_path, [*inputs, out])
    exit_if_failed(report["failed_draws"], len(records), "draw(s)")
