"""``steps synth``, ``steps grade``, ``steps eval``, ``steps export``: thin wrappers over
:mod:`steps_core.synth`, :mod:`steps_core.grade` and :mod:`steps_core.export`."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import click

from ..corpus import iter_records, read_catalog
from ..errors import InputError, StepsError
from ..io import check_output, guarded_output, json_text
from ..llm import LLMClient, Price, ResponseCache, RetryPolicy, default_cache_path, read_price_table
from . import cli
from ._corpus_options import corpus_options, read_options
from ._util import ensure_parent, finite_float, progress_bar

_DEFAULT_KEY_ENV = "OPENAI_API_KEY"


# ----------------------------------------------------------------------------------------------------------
# Shared options and helpers
# ----------------------------------------------------------------------------------------------------------

def endpoint_options(prefix: str = "", what: str = "the model"):
    """--base-url, --api-key-env (optionally prefixed, e.g. --judge-base-url)."""
    def deco(f):
        f = click.option(f"--{prefix}api-key-env", default=None if prefix else _DEFAULT_KEY_ENV, metavar="NAME",
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
    """--workers, --timeout, --max-retries, --cache, --no-cache, --prices, --price-input/--price-output, --log."""
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
    f = click.option("--max-retries", type=click.IntRange(min=0), default=5, show_default=True,
                     help="Retries per request after 429, 5xx, timeouts, connection errors or a malformed "
                          "answer body (exponential backoff with jitter, honouring Retry-After).")(f)
    f = click.option("--backoff", type=finite_float(min=0, max=3600), default=1.0, show_default=True, metavar="SECONDS",
                     help="First retry wait; it doubles with each retry (capped at 30 s) and gets random jitter.")(f)
    f = click.option("--timeout", type=finite_float(min=0.1, max=86400), default=120.0, show_default=True,
                     help="Seconds to wait for one answer before retrying.")(f)
    f = click.option("--workers", type=click.IntRange(min=1, max=256), default=4, show_default=True,
                     help="Requests in flight at once.")(f)
    return f


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


def _check_outputs(outputs: Sequence[str | Path | None], inputs: Sequence[str | Path | None]) -> None:
    """Before anything is sent or written: no output may replace an input, another output, a database or a
    special file (:func:`steps_core.io.check_output`)."""
    outs = [o for o in outputs if o]
    ins = [i for i in inputs if i]
    for i, o in enumerate(outs):
        check_output(o, ins + outs[:i] + outs[i + 1:])


def _price(model: str, prices_path: str | None, price_input: float | None,
           price_output: float | None) -> Price | None:
    if (price_input is None) != (price_output is None):
        raise InputError("give both --price-input and --price-output", field="price-input")
    if price_input is not None:
        return Price(price_input, price_output)
    if prices_path:
        return read_price_table(prices_path).get(model)
    return None


def _cache(cache_path: str | None, no_cache: bool) -> ResponseCache | None:
    if no_cache:
        return None
    return ResponseCache(cache_path or default_cache_path())


def _client(base_url: str | None, api_key_env: str, timeout: float, max_retries: int, backoff: float,
            cache: ResponseCache | None) -> LLMClient:
    return LLMClient(base_url=base_url, api_key_env=api_key_env, timeout=timeout,
                     retry=RetryPolicy(max_attempts=max_retries + 1, base_delay=backoff), cache=cache)


def _catalog(path: str | None):
    return read_catalog(path) if path else ()


def _money(value: float | None) -> str:
    return "unknown (set --prices or --price-input/--price-output)" if value is None else f"${value:.4f}"


def overwrite_option(f):
    return click.option("--overwrite", is_flag=True, default=False,
                        help="Redo the results already in the output file that were made with other settings "
                             "(model, endpoint, prompts, template, judge...): without it such a file is refused. "
                             "The new results replace them; results of other ids are kept.")(f)


def _resume(out: Path, planned: Mapping[str, str | None], *, is_done: Callable[[dict], bool],
            fingerprint_of: Callable[[dict], str | None], overwrite: bool, validate: bool = True) -> set[str]:
    """Ids in the output file that are done with the same settings: a rerun skips them.

    ``planned`` maps each id of this run to its settings fingerprint. A done record of a planned id with
    another fingerprint (or none) was made with other settings: refused with an InputError naming the
    file, unless ``overwrite`` (it is then redone and replaced).
    """
    from ..synth import completed_ids

    stale: list[str] = []

    def done(record: dict) -> bool:
        if record["id"] not in planned or not is_done(record):
            return False
        if fingerprint_of(record) == planned[record["id"]]:
            return True
        stale.append(record["id"])
        return False

    ids = completed_ids(out, done, validate=validate)
    if stale and not overwrite:
        raise InputError(f"{len(stale)} result(s) in this file were made with other settings (model, endpoint, "
                         f"prompts, template or judge), e.g. {stale[0]!r}; choose another output file with -o, "
                         "or pass --overwrite to redo them", path=str(out), field="output")
    return ids


@contextmanager
def _session(cache_path: str | None, no_cache: bool, log_path: str | None,
             use_cache: bool = True) -> Iterator[ResponseCache | None]:
    """The run log and the response cache of a command; the cache is closed at the end (left to the
    process's exit after Ctrl-C, while abandoned requests may still touch it)."""
    cache = _cache(cache_path, no_cache) if use_cache else None
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


def _stream_to_file(out: Path, produce: Callable[[Callable], Iterable[dict]], *, desc: str, unit: str,
                    total: int, clients: Sequence[LLMClient], what: str) -> list[dict]:
    """Append every record ``produce(progress)`` yields to ``out`` the moment it arrives, with a progress
    bar. On Ctrl-C: stop the clients (nothing more is sent, retry waits end), say what was kept and exit 1
    at once, abandoning the requests still on the wire (their answers are lost, the rest is in the file)."""
    from ..synth import SampleWriter

    written: list[dict] = []
    try:
        with SampleWriter(out) as writer, progress_bar(desc, unit=unit, total=total) as bar:
            for record in produce(bar):
                writer.write(record)
                written.append(record)
    except KeyboardInterrupt:
        on_wire = sum(c.stop() for c in clients)
        click.echo(f"\ninterrupted: {len(written)} {what} written to {out}"
                   + (f"; abandoned {on_wire} request(s) still waiting for an answer" if on_wire else "")
                   + "; run the same command again to continue (answers already received come from the cache).",
                   err=True)
        raise SystemExit(1)
    except StepsError:              # e.g. the endpoint refuses every request or stopped answering
        for c in clients:
            c.stop()
        click.echo(f"stopped early: {len(written)} {what} written to {out} "
                   f"({sum(1 for r in written if _failed(r))} failed); fix the cause below and run the same "
                   "command again to continue.", err=True)
        raise
    finally:
        for c in clients:
            if not c.stopped:
                c.close()
    return written


def _failed(record: Mapping) -> bool:
    """Whether a result record is a failure: a sample, a graded sample or an eval draw that is not ok."""
    grade = record.get("grade")
    if isinstance(grade, Mapping):
        return grade.get("status") != "ok"
    return record.get("status") != "ok"


def _exit_if_failed(failed: int, total: int, what: str) -> None:
    """Exit 1 (after the summary) when ``failed`` of ``total`` items of the run failed."""
    if failed:
        click.echo(f"error: {failed} of {total} {what} failed (see their `error` field); run the same command "
                   "again to retry them.", err=True)
        raise SystemExit(1)


def _finish(out: Path, *, validate: bool = True) -> list[dict]:
    """Keep one line per id in the output (a rerun appends the redone ones), atomically; its records."""
    from ..synth import compact_samples, read_samples

    compact_samples(out, validate=validate)
    return read_samples(out, validate=validate)


# ----------------------------------------------------------------------------------------------------------
# steps synth
# ----------------------------------------------------------------------------------------------------------

@cli.command("synth")
@click.argument("combos", type=click.Path(dir_okay=False))
@click.option("--style", type=click.Choice(["composite", "skillmix", "agentic"]), default="composite",
              show_default=True,
              help="composite: fuse one seed record per skill into a new conversation (needs --corpus); "
                   "skillmix: a short text on a topic, generated then improved (needs --topics); agentic: a "
                   "task with concrete data and a planned solution.")
@click.option("--corpus", type=click.Path(), default=None,
              help="Tagged corpus to draw seed examples from (one distinct record per skill); any format "
                   "`steps graph` reads.")
@corpus_options(engine=False)
@click.option("--catalog", type=click.Path(dir_okay=False), default=None,
              help="Skill catalogue CSV (skill, category, definition, example): definitions and examples go "
                   "into the prompts.")
@click.option("--topics", type=click.Path(dir_okay=False), default=None,
              help="Topics, one per line (each sample gets one, chosen by its id).")
@click.option("--backend", type=click.Choice(["openai", "template"]), default="openai", show_default=True,
              help="openai: any OpenAI-compatible endpoint; template: offline, no model, deterministic samples "
                   "labelled as template output (for demos and tests).")
@click.option("--model", default=None, help="Model name for the openai backend.")
@endpoint_options()
@click.option("--temperature", type=finite_float(min=0), default=0.7, show_default=True,
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
@client_options
@click.option("--dry-run", is_flag=True, default=False,
              help="Print the exact prompts that would be sent and stop (nothing is sent).")
@click.option("--estimate", is_flag=True, default=False,
              help="Print the expected requests, tokens and cost and stop (nothing is sent).")
@click.option("--expected-output-tokens", type=click.IntRange(min=1), default=None,
              help="Expected answer length per request for --estimate (default: 800 composite, 200 "
                   "skillmix, 900 agentic).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="samples.jsonl", show_default=True,
              help="Samples JSONL. Each sample is appended the moment it is answered; a rerun skips the "
                   "samples already ok in it (made with the same settings) and retries the failed ones.")
@overwrite_option
def synth_cmd(combos, style, corpus, catalog, topics, backend, model, base_url, api_key_env,
              temperature, max_tokens, seed, samples_per_combo, limit, template_path, workers, timeout,
              max_retries, backoff, cache_path, no_cache, prices_path, price_input, price_output, log_path, dry_run,
              estimate, expected_output_tokens, output, overwrite, **kwargs):
    """Synthesise one training sample per combination in COMBOS (combos.jsonl from `steps select`).

    \b
    Examples:
      steps synth combos.jsonl --corpus corpus.jsonl --catalog skills.csv --model gpt-4o-mini
      steps synth combos.jsonl --style skillmix --topics topics.txt --catalog skills.csv \\
            --base-url http://localhost:8000/v1 --model qwen2.5-7b-instruct --workers 16
      steps synth combos.jsonl --corpus corpus.jsonl --backend template     # offline demo
    """
    from ..synth import (TemplateBackend, OpenAIBackend, estimate_run, format_prompt, job_fingerprint, load_template,
                         plan_jobs, read_combinations, read_topic_list, summarize, synthesize)

    if backend == "openai" and not model and not dry_run:
        raise InputError("the openai backend needs --model", field="model")
    template = load_template(style, template_path)
    combo_list = read_combinations(combos)
    topic_list = read_topic_list(topics) if topics else ()
    records = iter_records(corpus, **read_options(kwargs)) if corpus else None
    jobs = plan_jobs(combo_list, style=style, template=template, catalog=_catalog(catalog), records=records,
                     topics=topic_list, seed=seed, samples_per_combo=samples_per_combo)
    if limit is not None:
        jobs = jobs[:limit]
    if dry_run:
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
        return
    price = _price(model or "", prices_path, price_input, price_output) if backend == "openai" else None
    if estimate:
        est = estimate_run(jobs, expected_output_tokens=expected_output_tokens, price=price)
        click.echo(f"samples          {est.samples}")
        click.echo(f"requests         {est.requests}")
        click.echo(f"input tokens     ~{est.input_tokens}")
        click.echo(f"output tokens    ~{est.output_tokens}")
        click.echo(f"cost             {_money(est.cost_usd) if backend == 'openai' else '$0 (template backend)'}")
        click.echo("(tokens estimated at 4 characters per token; nothing sent)")
        return
    out = Path(output)
    _check_outputs([out, log_path], [combos, corpus, catalog, topics, template_path, cache_path])
    ensure_parent(out)
    with _session(cache_path, no_cache, log_path, use_cache=backend == "openai") as cache:
        log = logging.getLogger("steps_core.cli")
        clients = []
        if backend == "template":
            be = TemplateBackend()
        else:
            client = _client(base_url, api_key_env, timeout, max_retries, backoff, cache)
            clients.append(client)
            be = OpenAIBackend(client, model, temperature=temperature, max_tokens=max_tokens, price=price)
        done = _resume(out, {j.id: job_fingerprint(j, be) for j in jobs}, is_done=lambda r: r["status"] == "ok",
                       fingerprint_of=lambda r: (r.get("provenance") or {}).get("fingerprint"), overwrite=overwrite)
        todo = [j for j in jobs if j.id not in done]
        if clients:
            log.info("synth: %d samples, style %s, model %s at %s, key from $%s (%s), cache %s", len(todo),
                     style, model, clients[0].host, api_key_env, "set" if clients[0].has_key else "not set",
                     cache.path if cache is not None else "off")
        written = _stream_to_file(out, lambda bar: synthesize(todo, be, workers=workers, progress=bar),
                                  desc="synth", unit=" samples", total=len(todo), clients=clients,
                                  what="sample(s)")
        final = {r["id"]: r for r in _finish(out)}
        total = len(final)
    s = summarize(written)
    click.echo(f"wrote {len(written)} sample(s) to {out} ({s.ok} ok, {s.failed} failed); "
               f"{len(done)} already done; {total} in the file")
    click.echo(f"requests {s.requests}, answered from cache {s.cached_requests}")
    click.echo(f"tokens   {s.paid.prompt_tokens} in + {s.paid.completion_tokens} out paid"
               f" ({s.cached.total_tokens} from cache)")
    if backend == "openai":
        click.echo(f"cost     {_money(s.cost_usd)}")
    _exit_if_failed(sum(1 for j in jobs if j.id not in final or _failed(final[j.id])), len(jobs), "sample(s)")


# ----------------------------------------------------------------------------------------------------------
# steps grade
# ----------------------------------------------------------------------------------------------------------

def judge_options(f):
    f = click.option("--judge-template", "judge_template_path", type=click.Path(dir_okay=False), default=None,
                     help="Your own judge prompt template (copy steps_core/prompts/grade.txt).")(f)
    f = click.option("--judge-max-tokens", type=click.IntRange(min=1), default=None,
                     help="Maximum length of a judge answer in tokens.")(f)
    f = click.option("--judge-temperature", type=finite_float(min=0), default=0.3, show_default=True,
                     help="Judge sampling temperature (each round sends seed + round, so rounds differ).")(f)
    f = click.option("--rounds", type=click.IntRange(min=1), default=3, show_default=True,
                     help="Judge rounds per text; each point is the majority vote of the rounds (a tie gives 0).")(f)
    f = click.option("--judge-model", required=True, help="Model name of the judge.")(f)
    return f


def _write_report(report: dict, path: str | None, inputs: Sequence[str | Path]) -> None:
    if path:
        text = json_text(report, path=path, indent=2)
        with guarded_output(path, inputs=inputs) as fh:
            fh.write(text + "\n")


@cli.command("grade")
@click.argument("samples", type=click.Path(dir_okay=False))
@judge_options
@endpoint_options()
@click.option("--catalog", type=click.Path(dir_okay=False), default=None,
              help="Skill catalogue CSV: definitions and examples shown to the judge.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the first judge round.")
@client_options
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help='Write the metrics as JSON: {"overall": {...}, "per_k": {"2": {...}}}.')
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Graded samples JSONL (each sample with a `grade` record). Default: <SAMPLES>.graded.jsonl. "
                   "A rerun skips samples already graded in it by the same judge settings.")
@overwrite_option
def grade_cmd(samples, judge_model, rounds, judge_temperature, judge_max_tokens, judge_template_path, base_url,
              api_key_env, catalog, seed, workers, timeout, max_retries, backoff, cache_path, no_cache, prices_path,
              price_input, price_output, log_path, report_path, output, overwrite):
    """Grade the ok samples of SAMPLES with the Skill-Mix rubric (k + 3 points) and print the metrics.

    An LLM judge scores one point per skill, on topic and makes sense; code checks the sentence limit
    max(1, k-1) (Skill-Mix texts only) and gives 0 to a skill named verbatim in the text.
    """
    from ..grade import Judge, format_metrics_table, grade_fingerprint, grade_samples, graded_points, metrics_report
    from ..synth import load_template, read_samples

    items = read_samples(samples)
    out = Path(output or str(Path(samples).with_suffix("")) + ".graded.jsonl")
    inputs = [p for p in (samples, catalog, judge_template_path, cache_path) if p]
    _check_outputs([out, report_path, log_path], inputs)
    ensure_parent(out)
    price = _price(judge_model, prices_path, price_input, price_output)
    template = load_template("grade", judge_template_path)
    with _session(cache_path, no_cache, log_path) as cache:
        client = _client(base_url, api_key_env, timeout, max_retries, backoff, cache)
        judge = Judge(client, judge_model, rounds=rounds, temperature=judge_temperature,
                      max_tokens=judge_max_tokens, seed=seed, template=template, catalog=_catalog(catalog),
                      price=price)
        done = _resume(out, {s["id"]: grade_fingerprint(s, judge) for s in items},
                       is_done=lambda s: isinstance(s.get("grade"), dict) and s["grade"].get("status") == "ok",
                       fingerprint_of=lambda s: s["grade"].get("fingerprint"), overwrite=overwrite)
        todo = [s for s in items if s["id"] not in done]
        n = len(_stream_to_file(out, lambda bar: grade_samples(todo, judge, workers=workers, progress=bar),
                                desc="grade", unit=" samples", total=len(todo), clients=[client],
                                what="graded sample(s)"))
        final = _finish(out)
    report = metrics_report(graded_points(final))
    failed = sum(1 for s in final if isinstance(s.get("grade"), dict) and s["grade"].get("status") != "ok")
    skipped = sum(1 for s in final if s.get("grade") is None)
    click.echo(format_metrics_table(report))
    click.echo(f"graded {n} sample(s) now, {len(done)} before; {failed} could not be graded, {skipped} skipped "
               f"(synthesis failed); written to {out}")
    _write_report(report, report_path, [*inputs, out])
    _exit_if_failed(failed, len(final) - skipped, "sample(s) to grade")


# ----------------------------------------------------------------------------------------------------------
# steps eval
# ----------------------------------------------------------------------------------------------------------

def _ks(value: str) -> list[int]:
    try:
        ks = sorted({int(v) for v in value.split(",") if v.strip()})
    except ValueError:
        raise InputError(f"expected comma-separated integers, got {value!r}", field="k") from None
    if not ks or ks[0] < 1:
        raise InputError("k values must be >= 1", field="k")
    return ks


@cli.command("eval")
@click.option("--catalog", type=click.Path(dir_okay=False), required=True,
              help="Skill catalogue CSV (skill, category, definition, example).")
@click.option("--topics", type=click.Path(dir_okay=False), required=True, help="Topics, one per line.")
@click.option("--k", "k_values", default="2,3,4", show_default=True, help="Numbers of skills per draw, comma-separated.")
@click.option("--draws", type=click.IntRange(min=1), default=10, show_default=True,
              help="Random (skills, topic) draws per k.")
@click.option("--student-model", required=True, help="The model evaluated (writes the Skill-Mix texts).")
@endpoint_options(what="the student model")
@click.option("--temperature", type=finite_float(min=0), default=0.7, show_default=True,
              help="Student sampling temperature.")
@click.option("--max-tokens", type=click.IntRange(min=1), default=None, help="Maximum student answer length.")
@click.option("--template", "template_path", type=click.Path(dir_okay=False), default=None,
              help="Your own Skill-Mix prompt template for the student (copy steps_core/prompts/skillmix.txt).")
@click.option("--generations", type=click.IntRange(min=1), default=1, show_default=True,
              help="Texts generated per draw; the best graded one counts.")
@judge_options
@endpoint_options(prefix="judge-", what="the judge")
@click.option("--split", type=click.Choice(["all", "train", "heldout"]), default="all", show_default=True,
              help="Draw from all skills and topics, or only the train / held-out part (skills split within "
                   "each category, topics split at random).")
@click.option("--heldout-fraction", type=finite_float(0, 1), default=0.5, show_default=True,
              help="Share of each category's skills (and of the topics) held out.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws, the split and requests.")
@client_options
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Write the metrics with standard errors as JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="eval.jsonl", show_default=True,
              help="All raw records (one per draw: every generation, prompts, answers and grades). A rerun "
                   "skips draws already done in it with the same student, judge and settings.")
@overwrite_option
def eval_cmd(catalog, topics, k_values, draws, student_model, base_url, api_key_env, temperature, max_tokens,
             template_path, generations, judge_model, rounds, judge_temperature, judge_max_tokens,
             judge_template_path, judge_base_url, judge_api_key_env, split, heldout_fraction, seed, workers,
             timeout, max_retries, backoff, cache_path, no_cache, prices_path, price_input, price_output, log_path,
             report_path, output, overwrite):
    """Skill-Mix evaluation of an OpenAI-compatible model: random (k skills, topic) draws, texts by the
    student, grading by the judge, metrics per k with standard errors."""
    from ..evaluation import draw_eval, eval_fingerprint, eval_points, run_eval, split_catalog, split_topics
    from ..grade import Judge, format_metrics_table, metrics_report
    from ..synth import OpenAIBackend, load_template, read_topic_list

    skills = read_catalog(catalog)
    topic_list = read_topic_list(topics)
    if split != "all":
        train_s, held_s = split_catalog(skills, heldout_fraction, seed=seed)
        train_t, held_t = split_topics(topic_list, heldout_fraction, seed=seed)
        skills, topic_list = (train_s, train_t) if split == "train" else (held_s, held_t)
    draw_list = draw_eval(skills, topic_list, _ks(k_values), draws, seed=seed, prefix=f"eval-{split}-s{seed}")
    out = Path(output)
    inputs = [p for p in (catalog, topics, template_path, judge_template_path, cache_path) if p]
    _check_outputs([out, report_path, log_path], inputs)
    ensure_parent(out)
    student_template = load_template("skillmix", template_path)
    judge_template = load_template("grade", judge_template_path)
    with _session(cache_path, no_cache, log_path) as cache:
        student_client = _client(base_url, api_key_env, timeout, max_retries, backoff, cache)
        judge_client = _client(judge_base_url or base_url, judge_api_key_env or api_key_env, timeout,
                               max_retries, backoff, cache)
        student = OpenAIBackend(student_client, student_model, temperature=temperature, max_tokens=max_tokens,
                                price=_price(student_model, prices_path, price_input, price_output))
        judge = Judge(judge_client, judge_model, rounds=rounds, temperature=judge_temperature,
                      max_tokens=judge_max_tokens, seed=seed, template=judge_template, catalog=skills,
                      price=_price(judge_model, prices_path, price_input, price_output))
        planned = {d.id: eval_fingerprint(d, student, judge, generations=generations, template=student_template,
                                          seed=seed) for d in draw_list}
        done = _resume(out, planned, is_done=lambda r: r.get("status") == "ok",
                       fingerprint_of=lambda r: r.get("fingerprint"), overwrite=overwrite, validate=False)
        todo = [d for d in draw_list if d.id not in done]
        _stream_to_file(out, lambda bar: run_eval(todo, student, judge, generations=generations,
                                                  template=student_template, seed=seed, workers=workers,
                                                  progress=bar),
                        desc="eval", unit=" draws", total=len(todo), clients=[student_client, judge_client],
                        what="record(s)")
        records = _finish(out, validate=False)
    wanted = {d.id for d in draw_list}
    records = [r for r in records if r.get("id") in wanted]
    report = metrics_report(eval_points(records))
    report["settings"] = {"student_model": student_model, "judge_model": judge_model, "k": _ks(k_values),
                          "draws": draws, "generations": generations, "rounds": rounds, "split": split,
                          "heldout_fraction": heldout_fraction, "seed": seed}
    report["failed_draws"] = sum(1 for r in records if r.get("status") != "ok")
    click.echo(format_metrics_table(report, with_se=True))
    click.echo(f"{len(records)} draw(s), {report['failed_draws']} could not be graded; raw records in {out}")
    _write_report(report, report_path, [*inputs, out])
    _exit_if_failed(report["failed_draws"], len(records), "draw(s)")


# ----------------------------------------------------------------------------------------------------------
# steps export
# ----------------------------------------------------------------------------------------------------------

@cli.command("export")
@click.argument("samples", type=click.Path(dir_okay=False), required=False)
@click.option("--workspace", "workspace_path", type=click.Path(dir_okay=False), default=None,
              help="Export the samples curated in the app: a workspace SQLite file (instead of SAMPLES). Accepted "
                   "samples are exported with their edits; the export is recorded in the workspace.")
@click.option("--format", "fmt", type=click.Choice(["openai", "sharegpt", "alpaca", "parquet"]), required=True,
              help="openai: JSONL {messages}; sharegpt: JSONL {conversations: [{from, value}]}; alpaca: JSONL "
                   "{instruction, input, output, history}; parquet: one row per sample with skills, k, "
                   "community, epoch, messages and provenance.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="File to write (atomically).")
@click.option("--all", "include_all", is_flag=True, default=False,
              help="Export every ok sample nobody rejected, not only the accepted ones.")
@click.option("--curriculum", default="default", show_default=True,
              help="Order: 'default' (fewer to more skills over 3 epochs with the reference weights), 'none' "
                   "(file order), or a JSON file {\"epochs\": [{\"2\": 0.6, \"3\": 0.4}, ...]}.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the curriculum draws and shuffles.")
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False), default=None,
              help="Manifest file (default: manifest.json beside the output).")
@click.option("--force", is_flag=True, default=False,
              help="Replace an existing export (the data file or the manifest); without it they are refused.")
def export_cmd(samples, workspace_path, fmt, output, include_all, curriculum, seed, manifest_path, force):
    """Export the accepted samples of SAMPLES (samples.jsonl) or of a --workspace for training, with a
    manifest.json of counts, settings and file hashes."""
    from ..export import DEFAULT_CURRICULUM, export_samples, read_curriculum
    from ..synth import read_samples

    if (samples is None) == (workspace_path is None):
        raise InputError("give either SAMPLES (a samples.jsonl) or --workspace PATH, not both or neither")
    if curriculum == "default":
        cur = DEFAULT_CURRICULUM
    elif curriculum == "none":
        cur = None
    else:
        cur = read_curriculum(curriculum)
    extra = [curriculum] if cur is not None and curriculum != "default" else []
    options = dict(include_all=include_all, curriculum=cur, seed=seed, manifest_path=manifest_path, force=force)
    if workspace_path is not None:
        from ..workspace import open_workspace

        with open_workspace(workspace_path, create=False) as ws:
            rows = ws.samples()
            versions = sorted({s["tree_version"] for s in rows if s.get("tree_version")})
            result = export_samples(rows, output, fmt, workspace=ws, inputs=extra, **options,
                                    settings={"workspace": str(workspace_path), "tree_versions": versions})
            if ws.read_only:
                click.echo(f"note: the workspace {workspace_path} is read-only here: this export is not recorded "
                           "in it", err=True)
            else:
                ws.record_export(str(result.path), fmt, result.manifest,
                                 tree_version=versions[0] if len(versions) == 1 else None)
    else:
        result = export_samples(read_samples(samples), output, fmt, inputs=[samples, *extra], **options)
    counts = result.manifest["counts"]
    click.echo(f"wrote {result.rows} sample(s) to {result.path} ({fmt})")
    click.echo("per k:         " + ", ".join(f"k={k}: {n}" for k, n in counts["per_k"].items()))
    click.echo("per community: " + ", ".join(f"{c}: {n}" for c, n in counts["per_community"].items()))
    if counts.get("per_epoch"):
        click.echo("per epoch:     " + ", ".join(f"{e}: {n}" for e, n in counts["per_epoch"].items()))
    click.echo(f"manifest:      {result.manifest_path}")
