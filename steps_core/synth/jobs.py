"""Jobs: one per sample to make, with its prompts rendered, its seeds and topic chosen (:func:`plan_jobs`),
from the combinations of ``steps select`` (:func:`read_combinations`)."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..corpus import Record, Skill, read_topics
from ..errors import InputError
from ..io import bad_json_value
from .seeds import SeedExample, choose_seeds, collect_seed_pools, seed_examples_text
from .templates import PromptTemplate, check_style, load_template, max_sentences, sentence_limit_words

DATA_KINDS = ("table", "JSON document", "code snippet", "log excerpt")
#: What ``$seed_examples`` says when a job has no seed fragment (an agentic job without corpus or examples).
NO_SEEDS = "(no fragments: invent realistic data and context)"
#: The styles whose prompts show one seed fragment per skill.
SEEDED_STYLES = ("composite", "agentic")



def combination_dict(combo: Any) -> dict:
    """A combination (a ``steps_core.select.Combination`` or a dict) as a plain dict with the known fields."""
    get = combo.get if isinstance(combo, Mapping) else (lambda k, d=None: getattr(combo, k, d))
    skills = [str(s) for s in (get("skills") or [])]
    out = {"skills": skills, "start": [str(s) for s in (get("start") or [])], "gain": get("gain"),
           "step_gains": list(get("step_gains") or []), "lca": get("lca"), "scope": get("scope"),
           "k": get("k") if get("k") is not None else len(skills), "coherence": get("coherence"),
           "lca_label": get("lca_label"), "lca_path": get("lca_path") or "", "tree_version": get("tree_version") or ""}
    if get("agentic_filter") is not None:          # the verdict of the agentic filter (synth/agentic.py)
        out["agentic_filter"] = get("agentic_filter")
    return out


def read_combinations(path: str | Path) -> list[dict]:
    """Read ``combos.jsonl`` (:func:`steps_core.select.read_combos`) as plain dicts (:func:`combination_dict`).

    A value no output could hold (a NaN or infinite gain, a lone surrogate in a name) is an
    :class:`InputError` naming the file, line and field.
    """
    from ..select import read_combos

    combos = [combination_dict(c) for c in read_combos(path)]
    for combo, line in zip(combos, _content_lines(path)):
        bad = bad_json_value(combo)
        if bad is not None:
            raise InputError(bad[1], path=str(path), line=line, field=bad[0].split("[")[0])
    return combos


def _content_lines(path: str | Path) -> Iterator[int]:
    """The numbers of the non-blank lines of a JSONL file (one record each)."""
    with Path(path).open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if raw.strip():
                yield lineno


#: Read topics, one per line: the same function as :func:`steps_core.corpus.read_topics` (kept under this name
#: for callers of :mod:`steps_core.synth`).
read_topic_list = read_topics


@dataclass(frozen=True, slots=True, eq=False)
class SynthJob:
    """Everything needed to produce one sample, with its round-one prompt already rendered.

    ``problem`` is set when the job cannot be run (e.g. no seed record): it becomes a failed sample.
    """

    id: str
    style: str
    combination: dict
    skills: tuple[Skill, ...]
    template: PromptTemplate
    prompt: tuple[dict, ...]
    seed: int = 0
    index: int = 0
    seeds: tuple[SeedExample, ...] = ()
    topic: str | None = None
    data_kind: str | None = None
    improve: str | None = None
    task: str | None = None
    problem: str | None = None

    @property
    def k(self) -> int:
        return len(self.skills)

    @property
    def skill_names(self) -> list[str]:
        return [s.name for s in self.skills]

    @property
    def request_seed(self) -> int:
        """The ``seed`` sent with each request: the run seed plus the sample's index."""
        return self.seed + self.index


def sample_id(skills: Sequence[str], style: str, seed: int, index: int, topic: str | None = None) -> str:
    """A stable sample id from the skills (in order), style, seed, index and (if given) topic.

    >>> sample_id(["a", "b"], "composite", 0, 0) == sample_id(["a", "b"], "composite", 0, 0)
    True
    """
    blob = json.dumps([list(skills), style, seed, index, topic], ensure_ascii=False)
    return f"{style}-{hashlib.sha256(blob.encode('utf-8')).hexdigest()[:12]}"


def skill_list_text(skills: Sequence[Skill]) -> str:
    """One numbered entry per skill: ``1. name: definition`` and an indented example line if known."""
    lines = []
    for i, s in enumerate(skills, start=1):
        head = f"{i}. {s.name}" + (f": {s.definition}" if s.definition else "")
        lines.append(head)
        if s.example:
            lines.append(f"   Example: {s.example}")
    return "\n".join(lines)


def build_job(skills: Sequence[Skill], *, style: str, template: PromptTemplate, combination: Mapping | None = None,
              seeds: Sequence[SeedExample] = (), topic: str | None = None, topics: Sequence[str] = (),
              seed: int = 0, index: int = 0, problem: str | None = None, id: str | None = None) -> SynthJob:
    """Build one job: choose its topic (from ``topics``, unless ``topic`` is given) and data kind
    deterministically from its id, and render its prompts."""
    check_style(style)
    names = [s.name for s in skills]
    job_id = id or sample_id(names, style, seed, index, topic)
    rng = random.Random(job_id)
    if topic is None and topics:
        topic = topics[rng.randrange(len(topics))]
    data_kind = DATA_KINDS[rng.randrange(len(DATA_KINDS))] if style == "agentic" else None
    combo = dict(combination) if combination is not None else combination_dict({"skills": names})
    variables = {"k": len(skills), "skills": ", ".join(names), "skill_list": skill_list_text(skills),
                 "seed_examples": seed_examples_text(seeds) if seeds else NO_SEEDS, "topic": topic or "",
                 "data_kind": data_kind or "", "max_sentences": max_sentences(len(skills)),
                 "sentence_limit": sentence_limit_words(len(skills))}
    prompt = template.messages(variables)
    improve = template.render("improve", variables) if style == "skillmix" else None
    task = template.render("task", variables) if style == "skillmix" else None
    return SynthJob(id=job_id, style=style, combination=combo, skills=tuple(skills), template=template,
                    prompt=prompt, seed=seed, index=index, seeds=tuple(seeds), topic=topic, data_kind=data_kind,
                    improve=improve, task=task, problem=problem)


def plan_jobs(combinations: Iterable[Any], *, style: str, template: PromptTemplate | None = None,
              catalog: Iterable[Skill] = (), records: Iterable[Record] | None = None,
              topics: Sequence[str] = (), seed: int = 0, samples_per_combo: int = 1,
              seed_pool_size: int = 64, max_seed_chars: int = 1500) -> list[SynthJob]:
    """One job per (combination, sample index): the prompts rendered, seeds and topics chosen.

    ``composite`` needs ``records`` (streamed once; only skills that appear in a combination are kept);
    ``skillmix`` needs ``topics``. ``agentic`` shows one seed fragment per skill, as the STEPS reference
    does: a distinct corpus record tagged with it when ``records`` are given (a skill without one falls back
    to its catalogue example, else the job cannot run), else the skills' catalogue examples (skills without
    one get no fragment). Skill definitions and examples come from ``catalog`` (a skill missing from it is
    used by name only). Deterministic for a given ``seed``.
    """
    check_style(style)
    if samples_per_combo < 1:
        raise InputError("samples_per_combo must be >= 1", field="samples_per_combo")
    template = template or load_template(style)
    combos = [combination_dict(c) for c in combinations]
    by_name = {s.name: s for s in catalog}
    if style == "skillmix" and not topics:
        raise InputError("the skillmix style needs topics (one per line): pass --topics FILE", field="topics")
    pools: dict[str, list[SeedExample]] = {}
    if style == "composite" and records is None:
        raise InputError("the composite style needs a corpus for its seed examples: pass --corpus FILE",
                         field="corpus")
    if style in SEEDED_STYLES and records is not None:
        wanted = {s for c in combos for s in c["skills"]}
        pools = collect_seed_pools(records, wanted, pool_size=seed_pool_size, seed=seed, max_chars=max_seed_chars)
    jobs = []
    for combo in combos:
        skills = [by_name.get(name, Skill(name)) for name in combo["skills"]]
        for index in range(samples_per_combo):
            job_id = sample_id(combo["skills"], style, seed, index)
            seeds: tuple[SeedExample, ...] = ()
            problem = None
            if style in SEEDED_STYLES and records is not None:
                seeds, problem = choose_seeds(combo["skills"], pools, rng=random.Random(f"seeds|{job_id}"),
                                              catalog=by_name)
            elif style == "agentic":
                seeds = tuple(SeedExample(s.name, f"catalog:{s.name}", s.example) for s in skills if s.example)
            jobs.append(build_job(skills, style=style, template=template, combination=combo, seeds=seeds,
                                  topics=topics, seed=seed, index=index, problem=problem, id=job_id))
    return jobs


def format_prompt(messages: Sequence[Mapping]) -> str:
    """A prompt as readable text: each message under a ``--- role ---`` line."""
    return "\n".join(f"--- {m['role']} ---\n{m['content']}" for m in messages)
