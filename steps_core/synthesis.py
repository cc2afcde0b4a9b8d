"""The synthesis half of the pipeline as one call each, for the command line and the app (docs/architecture.md).

* Typed settings, validated when made: :class:`Endpoint` (where requests go), :class:`Generator` (who writes
  the samples), :class:`SynthSettings` (what to make), :class:`JudgeSettings` (who grades), and
  :class:`ExportSettings` (how to export).
* :func:`plan_synthesis`: combinations in, one job per sample out (prompts rendered, nothing sent).
* :func:`synthesise`, :func:`grade`, :func:`evaluate`: a :class:`Run` against a sink
  (:mod:`steps_core.sample_sinks`: a results file or a workspace, one interface). The run resumes from the
  sink first (what is already done there is skipped); iterating :meth:`Run.results` does the work, each
  result written to the sink the moment it is made. ``max_cost`` stops sending new requests when the
  estimated spend would pass it (:class:`~steps_core.llm.Budget`); ``batch`` (:class:`BatchSettings`) sends
  them through the endpoint's batch API instead of one by one (:class:`~steps_core.llm.BatchRunner`).
* :func:`export` and :func:`export_workspace`: the accepted samples to a training file with its manifest.

>>> from steps_core.corpus import Skill
>>> from steps_core.synth import TemplateBackend
>>> jobs = plan_synthesis([{"skills": ["irony", "statistics"]}], SynthSettings(style="agentic"),
...                       catalog=[Skill("irony"), Skill("statistics")])
>>> class Memory:                                    # any SampleSink: here, a list
...     kept: list = []
...     def done_ids(self, planned, *, overwrite=False): return set()
...     def write(self, record): self.kept.append(record)
>>> run = synthesise(jobs, TemplateBackend(), Memory())
>>> [s["status"] for s in run.results(workers=1)], len(Memory.kept)
(['ok'], 1)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .corpus import Record, Skill
from .errors import InputError
from .evaluation import EvalDraw, eval_fingerprint, run_eval
from .export import (DEFAULT_CURRICULUM, Curriculum, ExportResult, GradeFilter, export_counts, export_samples,
                     select_samples)
from .grade import Judge, grade_fingerprint, grade_sample, graded_text
from .llm import (BATCH_DISCOUNT, POLL_INTERVAL, Budget, BudgetReached, ChatRequest, ChatResult, LLMClient, Price,
                  Progress, ResponseCache, RetryPolicy, Usage, default_cache_path, estimate_tokens, read_price_table,
                  run_concurrently)
from .llm.budget import request_tokens
from .llm.batch import MAX_BATCH_REQUESTS
from .llm.batch_run import BatchRunner
from .sample_sinks import SampleSink, batch_folder, is_failure
from .synth import (EXPECTED_OUTPUT_TOKENS, Backend, OpenAIBackend, PromptTemplate, SynthJob, TemplateBackend,
                    check_style, job_fingerprint, load_template, plan_jobs, run_job)
from .names import (API_KEY_ENV, BACKENDS, BACKOFF, EXPORT_FORMATS, JUDGE_ROUNDS, JUDGE_TEMPERATURE,
                              MAX_RETRIES, TEMPERATURE, TIMEOUT, WORKERS)

# ----------------------------------------------------------------------------------------------------------
# Settings
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where requests go and how: ``base_url`` (None: ``$OPENAI_BASE_URL`` or api.openai.com), the API key
    (``api_key`` typed for the session, else the environment variable ``api_key_env``; never stored or
    shown), the ``timeout`` of one answer, ``max_retries`` after transient faults and the first retry wait
    ``backoff`` (it doubles)."""

    base_url: str | None = None
    api_key_env: str = API_KEY_ENV
    api_key: str | None = field(default=None, repr=False)
    timeout: float = TIMEOUT
    max_retries: int = MAX_RETRIES
    backoff: float = BACKOFF

    def client(self, cache: ResponseCache | None) -> LLMClient:
        """A client of this endpoint answering from (and filling) ``cache``."""
        return LLMClient(base_url=self.base_url, api_key=self.api_key, api_key_env=self.api_key_env,
                         timeout=self.timeout, cache=cache,
                         retry=RetryPolicy(max_attempts=self.max_retries + 1, base_delay=self.backoff))


@dataclass(frozen=True)
class Generator:
    """Who writes the samples: a backend of :data:`~steps_core.names.BACKENDS` and, for an
    endpoint, the model, its sampling temperature, answer length and price (None: cost unknown)."""

    backend: str = "openai"
    model: str = ""
    temperature: float | None = TEMPERATURE
    max_tokens: int | None = None
    price: Price | None = None

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise InputError(f"unknown backend {self.backend!r}; expected one of {', '.join(BACKENDS)}",
                             field="backend")

    @property
    def needs_endpoint(self) -> bool:
        return self.backend == "openai"

    def make(self, endpoint: Endpoint, cache: ResponseCache | None) -> Backend:
        """The backend (an endpoint's needs a model name: an :class:`InputError` without one)."""
        if not self.needs_endpoint:
            return TemplateBackend()
        return OpenAIBackend(endpoint.client(cache), self.model, temperature=self.temperature,
                             max_tokens=self.max_tokens, price=self.price)


@dataclass(frozen=True)
class SynthSettings:
    """What to make: the prompt ``style`` (and an own ``template_path`` for it), the ``seed`` of seed-record
    and topic choice, ``samples_per_combo``, and ``limit`` (only the first N samples; None: all)."""

    style: str = "composite"
    seed: int = 0
    samples_per_combo: int = 1
    limit: int | None = None
    template_path: str | None = None

    def __post_init__(self) -> None:
        check_style(self.style)
        if self.samples_per_combo < 1:
            raise InputError("must be >= 1", field="samples_per_combo")
        if self.limit is not None and self.limit < 1:
            raise InputError("must be >= 1", field="limit")

    def template(self) -> PromptTemplate:
        """The style's prompt template: the user's file if given, else the built-in one."""
        return load_template(self.style, self.template_path)


@dataclass(frozen=True)
class JudgeSettings:
    """Who grades: the judge's ``model``, its ``rounds`` per text (each point is their majority), sampling
    ``temperature``, answer length, the ``seed`` of the first round, an own ``template_path``, the price, and
    ``unparsed_as_zero`` (a round whose answer holds no scores votes 0 on every point, as the Skill-Mix
    reference counts it, instead of being left out)."""

    model: str
    rounds: int = JUDGE_ROUNDS
    temperature: float | None = JUDGE_TEMPERATURE
    max_tokens: int | None = None
    seed: int = 0
    template_path: str | None = None
    price: Price | None = None
    unparsed_as_zero: bool = False

    def template(self) -> PromptTemplate:
        """The judge's prompt template: the user's file if given, else the built-in one."""
        return load_template("grade", self.template_path)

    def make(self, client: LLMClient, *, catalog: Iterable[Skill] = (),
             template: PromptTemplate | None = None) -> Judge:
        """The judge, asking ``client``; ``catalog`` gives the skills' definitions and examples; ``template``
        defaults to :meth:`template`."""
        return Judge(client, self.model, rounds=self.rounds, temperature=self.temperature,
                     max_tokens=self.max_tokens, seed=self.seed, template=template or self.template(),
                     catalog=catalog, price=self.price, unparsed_as_zero=self.unparsed_as_zero)


#: The expected length of a judge's answer in tokens, for a budget's estimate.
JUDGE_OUTPUT_TOKENS = 200


@dataclass(frozen=True)
class BatchSettings:
    """Send a run's requests through the endpoint's batch API (files + batches) instead of one by one.

    ``folder`` keeps what was submitted (``state.json``) and the answers downloaded, so that an interrupted
    run collects its batches instead of paying again (None: the sink's
    :func:`~steps_core.sample_sinks.batch_folder`, e.g. ``samples.jsonl.batch/`` beside a samples file);
    ``discount`` is the batch price cut (0.5: half price) used for costs and the budget; ``poll_interval`` the
    seconds between two looks at a running batch; ``wait=False`` returns once the batches are submitted (run
    again to collect them); ``max_requests`` per batch."""

    folder: str | Path | None = None
    discount: float = BATCH_DISCOUNT
    poll_interval: float = POLL_INTERVAL
    wait: bool = True
    max_requests: int = MAX_BATCH_REQUESTS

    def __post_init__(self) -> None:
        if not 0.0 <= self.discount < 1.0:
            raise InputError(f"must be a fraction in [0, 1), got {self.discount!r}", field="batch-discount")
        if not self.poll_interval > 0:
            raise InputError("must be > 0 seconds", field="poll-interval")
        if self.max_requests < 1:
            raise InputError("must be >= 1", field="batch-size")

    def price(self, price: Price | None) -> Price | None:
        """``price`` less the discount (None: unknown).

        >>> BatchSettings("b").price(Price(0.2, 0.8))
        Price(input_per_1m=0.1, output_per_1m=0.4)
        """
        return None if price is None else Price(price.input_per_1m * (1 - self.discount),
                                                 price.output_per_1m * (1 - self.discount))


def price_for(model: str, *, table: str | Path | None = None, input_per_1m: float | None = None,
              output_per_1m: float | None = None) -> Price | None:
    """The price of ``model``: both per-1M figures if given (they win), else its entry in the price table
    file, else None (cost unknown)."""
    if (input_per_1m is None) != (output_per_1m is None):
        raise InputError("give both the input and the output price", field="price-input")
    if input_per_1m is not None:
        return Price(input_per_1m, output_per_1m)
    if table:
        return read_price_table(table).get(model)
    return None


def open_cache(path: str | Path | None = None, *, enabled: bool = True) -> ResponseCache | None:
    """The response cache at ``path`` (default: ``$STEPS_CACHE`` or ``~/.cache/steps-studio/...``, shared by
    the command line and the app); None when not ``enabled``."""
    return ResponseCache(path or default_cache_path()) if enabled else None


# ----------------------------------------------------------------------------------------------------------
# Planning
# ----------------------------------------------------------------------------------------------------------

def plan_synthesis(combinations: Iterable[Any], settings: SynthSettings, *, template: PromptTemplate | None = None,
                   catalog: Iterable[Skill] = (), records: Iterable[Record] | None = None,
                   topics: Sequence[str] = ()) -> list[SynthJob]:
    """One job per (combination, sample index), cut to ``settings.limit``: prompts rendered, seeds and topics
    chosen (:func:`steps_core.synth.plan_jobs`: ``composite`` needs ``records``, ``skillmix`` needs
    ``topics``). ``template`` defaults to :meth:`SynthSettings.template`."""
    jobs = plan_jobs(combinations, style=settings.style, template=template or settings.template(),
                     catalog=catalog, records=records, topics=topics, seed=settings.seed,
                     samples_per_combo=settings.samples_per_combo)
    return jobs if settings.limit is None else jobs[:settings.limit]


def approved_combinations(workspace: Any) -> list[dict]:
    """What to synthesise in a workspace: each approved combination as it was approved (its skills, gain, LCA
    path and tree version go into the samples' provenance), or its skills alone for an entry stored without
    them."""
    return [e["info"] if e["info"].get("skills") else {"skills": e["skills"]}
            for e in workspace.combo_marks()["approved"]]


# ----------------------------------------------------------------------------------------------------------
# Runs
# ----------------------------------------------------------------------------------------------------------

Work = Callable[[list, int, "Progress | None"], Iterator[dict]]


@dataclass
class Run:
    """Work planned against a sink: ``todo`` (what is left after resuming), ``skipped`` (ids already done
    there with the same settings) and how to do it. Nothing is sent until :meth:`results` is iterated.

    ``written`` holds the results written so far, so that after Ctrl-C or an error it says what was kept;
    :meth:`stop` stops the run's clients at once (nothing more is sent; returns the requests still on the
    wire) and :meth:`close` closes those not stopped. ``budget`` (with ``max_cost``) says what was spent and
    whether it stopped the run; ``batch`` (with :class:`BatchSettings`) which batches were submitted,
    collected or left running.
    """

    todo: list
    skipped: set[str]
    sink: SampleSink
    work: Work
    clients: tuple[LLMClient, ...] = ()
    written: list[dict] = field(default_factory=list)
    budget: Budget | None = None
    batch: BatchRunner | None = None

    @property
    def failed(self) -> int:
        """Results written so far that are failures."""
        return sum(1 for r in self.written if is_failure(r))

    @property
    def left(self) -> int:
        """Items of ``todo`` not written (yet): the budget stopped them, or their batch still runs."""
        return len(self.todo) - len(self.written)

    def results(self, *, workers: int = WORKERS, progress: Progress | None = None) -> Iterator[dict]:
        """Do the work on ``workers`` threads (one batch pass at a time with ``batch``); each result is written
        to the sink, then yielded."""
        for record in self.work(self.todo, workers, progress):
            self.sink.write(record)
            self.written.append(record)
            yield record

    def stop(self) -> int:
        if self.batch is not None:
            self.batch.stop()
        return sum(c.stop() for c in self.clients)

    def close(self) -> None:
        for c in self.clients:
            if not c.stopped:
                c.close()


def _clients(*parties: Any) -> tuple[LLMClient, ...]:
    """The distinct clients of backends and judges (the template backend has none)."""
    found = [getattr(p, "client", None) for p in parties]
    return tuple(dict.fromkeys(c for c in found if c is not None))


def _budget(max_cost: float | None, party: Any, output_tokens: int, batch: BatchSettings | None) -> Budget | None:
    """The budget of a run (None without ``max_cost``; the template backend costs nothing)."""
    if max_cost is None or getattr(party, "client", None) is None:
        return None
    return Budget(max_cost, getattr(party, "price", None), output_tokens=output_tokens,
                  discount=batch.discount if batch is not None else 0.0)


def _online(items: list, fn: Callable[[Any], dict], budget: Budget | None, estimate: Callable[[Any], float],
            cost: Callable[[dict], float], clients: Sequence[LLMClient], workers: int,
            progress: Progress | None) -> Iterator[dict]:
    """``fn`` on each item on ``workers`` threads. With a budget, an item is admitted with its estimate before
    it sends anything and settled with its real cost; an item the budget refused is left out (not written)."""
    def stopped() -> bool:
        return any(c.stopped for c in clients)

    def call(item: Any) -> dict | None:
        need = estimate(item)
        if need <= 0:                       # answered by the cache: free
            return fn(item)
        try:
            held = budget.reserve(need, stopped=stopped)
        except BudgetReached:
            return None
        record = None
        try:
            record = fn(item)
            return record
        finally:
            budget.settle(held, cost(record) if record is not None else need)

    for record in run_concurrently(call if budget is not None else fn, items, workers=workers, progress=progress):
        if record is not None:
            yield record


def _cached(client: Any, request: ChatRequest) -> ChatResult | None:
    cache = getattr(client, "cache", None)
    return None if cache is None else cache.get(request.cache_key(client.endpoint))


def _job_estimate(job: SynthJob, backend: Any, budget: Budget) -> float:
    """What making ``job`` is expected to cost: its requests not answered by the cache (a Skill-Mix job's
    second round is known only once the first answer is; it is estimated from the first prompt)."""
    if job.problem:
        return 0.0
    first = backend.request(job, job.prompt)
    hit = _cached(backend.client, first)
    need = 0.0 if hit is not None else budget.estimate(first)
    if job.style == "skillmix":
        if hit is not None:
            follow = backend.request(job, [*job.prompt, {"role": "assistant", "content": hit.text},
                                           {"role": "user", "content": job.improve or ""}])
            if _cached(backend.client, follow) is None:
                need += budget.estimate(follow)
        else:
            out = first.max_tokens if first.max_tokens is not None else budget.output_tokens
            need += budget.cost(Usage(request_tokens(first) + out + 4 + estimate_tokens(job.improve or "") + 4,
                                      out))
    return need


def _sample_cost(sample: Mapping) -> float:
    return float((sample.get("provenance") or {}).get("usage", {}).get("cost_usd") or 0.0)


def _grade_estimate(sample: Mapping, judge: Judge, budget: Budget) -> float:
    """What grading ``sample`` is expected to cost: its judge rounds not answered by the cache."""
    if sample.get("status") != "ok":
        return 0.0
    text, _, _ = graded_text(sample)
    prompt = judge.prompt(text, list(sample.get("skills") or []), topic=(sample.get("provenance") or {}).get("topic"))
    need = 0.0
    for r in range(judge.rounds):
        request = ChatRequest(messages=prompt, model=judge.model, temperature=judge.temperature,
                              max_tokens=judge.max_tokens, seed=judge.seed + r)
        if _cached(judge.client, request) is None:
            need += budget.estimate(request)
    return need


def _grade_cost(sample: Mapping) -> float:
    grade = sample.get("grade") or {}
    return sum(float((r.get("usage") or {}).get("cost_usd") or 0.0) for r in grade.get("requests") or []
               if not r.get("cached"))


def _runner(client: LLMClient | None, batch: BatchSettings, kind: str, budget: Budget | None,
            sink: SampleSink) -> BatchRunner:
    if client is None or not isinstance(client, LLMClient):
        raise InputError("a batch needs an endpoint: the template backend answers offline", field="batch")
    folder = batch.folder or batch_folder(sink)
    if folder is None:
        raise InputError("say where the batches' state goes: BatchSettings(folder=...)", field="batch")
    return BatchRunner(client, folder, kind=kind, budget=budget, poll_interval=batch.poll_interval,
                       wait=batch.wait, max_requests=batch.max_requests)


def _twin(party: Any, runner: BatchRunner, batch: BatchSettings) -> Any:
    """A copy of a backend or judge that asks the batch runner's answers instead of the endpoint, priced at
    the batch discount: the same settings, so the same requests, fingerprints and cache keys."""
    twin = copy.copy(party)
    twin.client = runner.answers
    twin.price = batch.price(party.price)
    return twin


def _with_batches(runner: BatchRunner, attempt: Callable[[Any], dict], mark: Callable[[dict, list[str]], None],
                  estimate: Callable[[Any], float], cost: Callable[[dict], float]) -> Work:
    """The work of a batch run: each item finished by ``attempt`` in passes, ``mark`` notes its batches."""
    def work(todo: list, workers: int, progress: Progress | None) -> Iterator[dict]:
        return runner.run(todo, attempt, progress=progress, mark=mark, estimate=estimate, cost=cost)
    return work


def synthesise(jobs: Sequence[SynthJob], backend: Backend, sink: SampleSink, *, overwrite: bool = False,
               max_cost: float | None = None, expected_output_tokens: int | None = None,
               batch: BatchSettings | None = None) -> Run:
    """A run making one sample per job not already done in ``sink`` (same id and settings fingerprint,
    :func:`~steps_core.synth.job_fingerprint`); ``overwrite`` redoes those made with other settings.

    ``max_cost`` (USD, needs the backend's price) stops starting samples when the estimated spend would pass
    it (:class:`~steps_core.llm.Budget`; a sample is estimated from its requests not in the cache, an answer at
    ``max_tokens``, else ``expected_output_tokens``, default the style's). ``batch``
    sends the requests through the endpoint's batch API: the samples, their fingerprints and the cache are
    the same as online, the cost is discounted, and ``provenance["batch"]`` names the batches."""
    skipped = sink.done_ids({j.id: job_fingerprint(j, backend) for j in jobs}, overwrite=overwrite)
    todo = [j for j in jobs if j.id not in skipped]
    out_tokens = expected_output_tokens or (EXPECTED_OUTPUT_TOKENS[jobs[0].style] if jobs else 800)
    budget = _budget(max_cost, backend, out_tokens, batch)
    clients = _clients(backend)
    if batch is None:
        return Run(todo, skipped, sink, lambda items, workers, progress: _online(
            items, lambda job: run_job(job, backend), budget, lambda job: _job_estimate(job, backend, budget),
            _sample_cost, clients, workers, progress), clients, budget=budget)
    runner = _runner(getattr(backend, "client", None), batch, "synth", budget, sink)
    twin = _twin(backend, runner, batch)

    def mark(sample: dict, ids: list[str]) -> None:
        sample["provenance"]["batch"] = {"ids": ids, "discount": batch.discount}

    return Run(todo, skipped, sink, _with_batches(runner, lambda job: run_job(job, twin), mark,
                                                  lambda job: _job_estimate(job, backend, budget), _sample_cost),
               clients, budget=budget, batch=runner)


def grade(samples: Sequence[Mapping], judge: Judge, sink: SampleSink, *, overwrite: bool = False,
          max_cost: float | None = None, expected_output_tokens: int | None = None,
          batch: BatchSettings | None = None) -> Run:
    """A run grading each sample not already graded in ``sink`` by the same judge settings
    (:func:`~steps_core.grade.grade_fingerprint`); a sample whose synthesis failed is passed on ungraded.
    ``max_cost`` and ``batch`` as in :func:`synthesise` (a judge answer is estimated at
    :data:`JUDGE_OUTPUT_TOKENS` unless ``expected_output_tokens``); with a batch, every round of every text
    goes into one batch (rounds do not depend on each other) and ``grade["batch"]`` names it."""
    skipped = sink.done_ids({s["id"]: grade_fingerprint(s, judge) for s in samples}, overwrite=overwrite)
    todo = [s for s in samples if s["id"] not in skipped]
    budget = _budget(max_cost, judge, expected_output_tokens or JUDGE_OUTPUT_TOKENS, batch)
    clients = _clients(judge)
    if batch is None:
        return Run(todo, skipped, sink, lambda items, workers, progress: _online(
            items, lambda s: grade_sample(s, judge), budget, lambda s: _grade_estimate(s, judge, budget),
            _grade_cost, clients, workers, progress), clients, budget=budget)
    runner = _runner(judge.client, batch, "grade", budget, sink)
    twin = _twin(judge, runner, batch)

    def mark(sample: dict, ids: list[str]) -> None:
        if isinstance(sample.get("grade"), dict):
            sample["grade"]["batch"] = {"ids": ids, "discount": batch.discount}

    return Run(todo, skipped, sink, _with_batches(runner, lambda s: grade_sample(s, twin), mark,
                                                  lambda s: _grade_estimate(s, judge, budget), _grade_cost),
               clients, budget=budget, batch=runner)


def evaluate(draws: Sequence[EvalDraw], student: Backend, judge: Judge, sink: SampleSink, *, generations: int = 1,
             template: PromptTemplate | None = None, seed: int = 0, overwrite: bool = False) -> Run:
    """A Skill-Mix evaluation run: each draw not already done in ``sink`` with the same student, judge and
    settings (:func:`~steps_core.evaluation.eval_fingerprint`)."""
    template = template or load_template("skillmix")
    planned = {d.id: eval_fingerprint(d, student, judge, generations=generations, template=template, seed=seed)
               for d in draws}
    skipped = sink.done_ids(planned, overwrite=overwrite)

    def work(todo: list, workers: int, progress: Progress | None) -> Iterator[dict]:
        return run_eval(todo, student, judge, generations=generations, template=template, seed=seed,
                        workers=workers, progress=progress)

    return Run([d for d in draws if d.id not in skipped], skipped, sink, work, _clients(student, judge))


# ----------------------------------------------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportSettings:
    """How to export: ``fmt`` (:data:`~steps_core.names.EXPORT_FORMATS`), ``include_all`` (every
    ok sample nobody rejected, not only the accepted ones), the ``curriculum`` order (None: as given), the
    ``seed`` of its draws and shuffles, and ``min_grade`` (only samples whose grade passes it; None: all)."""

    fmt: str
    include_all: bool = False
    curriculum: Curriculum | None = DEFAULT_CURRICULUM
    seed: int = 0
    min_grade: GradeFilter | None = None

    def __post_init__(self) -> None:
        if self.fmt not in EXPORT_FORMATS:
            raise InputError(f"unknown format {self.fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}",
                             field="format")

    def chosen(self, samples: Iterable[Mapping]) -> list[dict]:
        """The samples an export writes (:func:`steps_core.export.select_samples`)."""
        return select_samples(samples, include_all=self.include_all, min_grade=self.min_grade)

    def counts(self, samples: Iterable[Mapping]) -> dict:
        """What an export would write, counted as its manifest counts it (nothing is written)."""
        return export_counts(samples, include_all=self.include_all, curriculum=self.curriculum, seed=self.seed,
                             min_grade=self.min_grade)


def export(samples: Iterable[Mapping], out: str | Path, settings: ExportSettings, *, workspace: Any = None,
           manifest_path: str | Path | None = None, inputs: Sequence[str | Path] = (),
           extra: Mapping[str, Any] | None = None, force: bool = False) -> ExportResult:
    """Write the samples ``settings`` choose to ``out`` with their manifest
    (:func:`steps_core.export.export_samples`: never over an input, the workspace, a database or, unless
    ``force``, an earlier export); ``extra`` settings go into the manifest."""
    return export_samples(samples, out, settings.fmt, include_all=settings.include_all,
                          curriculum=settings.curriculum, seed=settings.seed, inputs=inputs,
                          manifest_path=manifest_path, settings=extra, workspace=workspace, force=force,
                          min_grade=settings.min_grade)


def export_workspace(workspace: Any, out: str | Path, settings: ExportSettings, *, tree_version: str | None,
                     manifest_path: str | Path | None = None, inputs: Sequence[str | Path] = (),
                     extra: Mapping[str, Any] | None = None, force: bool = False) -> tuple[ExportResult, bool]:
    """Export a workspace's samples (with the curator's edits) and record the export in it (its absolute path,
    with ``tree_version``); returns the result and whether it was recorded (not in a read-only workspace)."""
    result = export(workspace.samples(), out, settings, workspace=workspace, manifest_path=manifest_path,
                    inputs=inputs, extra=extra, force=force)
    if workspace.read_only:
        return result, False
    workspace.record_export(str(result.path.resolve()), settings.fmt, result.manifest, tree_version=tree_version)
    return result, True


__all__ = ["Endpoint", "Generator", "SynthSettings", "JudgeSettings", "BatchSettings", "JUDGE_OUTPUT_TOKENS",
           "ExportSettings", "price_for", "open_cache",
           "plan_synthesis", "approved_combinations", "Run", "synthesise", "grade", "evaluate", "export",
           "export_workspace"]
