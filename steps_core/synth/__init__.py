"""Synthesis: render a prompt per skill combination, ask a backend, parse the answer, keep the provenance.

Three prompt styles (:data:`~steps_core.names.STYLES`, docs/method.md §8, docs/synthesis.md):

- ``composite``: one distinct seed record per skill from the corpus, each introduced by its skill name; the
  model fuses them into one new multi-turn conversation returned as a JSON list of messages.
- ``skillmix``: a short text on a topic illustrating all k skills, in two rounds (generate, then improve)
  within ``max(1, k-1)`` sentences; the text after the last ``Answer:`` and before ``Explanation`` is kept.
  The training sample is the task (template section ``task``) as the user turn and that text as the answer.
- ``agentic``: one user turn with concrete data (table, JSON, code or log) and an assistant turn that plans
  and solves the request with every skill, from one seed fragment per skill (a corpus record, else the
  catalogue example); :mod:`~steps_core.synth.agentic` first asks a model whether each combination suits
  an agent workflow and drops those it rejects.

One module per reason to change:

- :mod:`~steps_core.synth.templates`: prompt template files, their sections and placeholders;
- :mod:`~steps_core.synth.agentic`: the yes/no filter of combinations for agentic data;
- :mod:`~steps_core.synth.seeds`: the seed records of composite prompts, chosen one distinct record per skill;
- :mod:`~steps_core.synth.jobs`: combinations in, one job per sample out, its prompts rendered;
- :mod:`~steps_core.synth.parsing`: reading model answers (never evaluated as code);
- :mod:`~steps_core.synth.backends`: who answers (an OpenAI-compatible endpoint, or the offline template);
- :mod:`~steps_core.synth.run`: one sample per job with its provenance, many on threads, estimates, totals;
- :mod:`~steps_core.synth.samples_file`: ``samples.jsonl``, written line by line and read back.

The flow for a caller (the application layer, :mod:`steps_core.synthesis`, does this for the CLI and the app)::

    jobs = plan_jobs(combos, style="composite", records=iter_records(corpus), catalog=read_catalog(csv))
    for sample in synthesize(jobs, backend, workers=8, progress=cb):
        writer.write(sample)          # each sample the moment it is answered

A sample is a plain dict (one JSON line of ``samples.jsonl``, typed as
:class:`~steps_core.sample_types.Sample`), see :func:`run_job`. Every name below is importable from
``steps_core.synth`` directly.
"""

from __future__ import annotations

from ..io import atomic_output
from ..names import STYLES
from .agentic import AgenticFilterResult, filter_agentic, filter_request, says_yes
from .backends import TEMPLATE_LABEL, Backend, OpenAIBackend, TemplateBackend, template_answer
from .jobs import (DATA_KINDS, SynthJob, build_job, combination_dict, format_prompt, plan_jobs, read_combinations,
                   read_topic_list, sample_id, skill_list_text)
from .parsing import ParseError, as_messages, extract_answer, has_explanation, iter_json_values, parse_messages
from .run import (EXPECTED_OUTPUT_TOKENS, Estimate, RunSummary, estimate_run, fingerprint, job_fingerprint, run_job,
                  summarize, synthesize)
from .samples_file import SampleWriter, compact_samples, completed_ids, read_samples, write_samples
from .seeds import SeedExample, choose_seeds, collect_seed_pools, fence_text, record_text, seed_examples_text
from .templates import (BUILTIN_VARIANTS, PROMPTS_DIR, PromptTemplate, check_style, load_template, max_sentences,
                        parse_template, sentence_limit_words)

__all__ = [
    "STYLES", "DATA_KINDS", "TEMPLATE_LABEL", "PROMPTS_DIR", "PromptTemplate", "parse_template", "load_template",
    "check_style", "combination_dict", "read_combinations", "read_topic_list", "SeedExample", "record_text",
    "collect_seed_pools", "choose_seeds", "seed_examples_text", "SynthJob", "sample_id", "skill_list_text",
    "build_job", "plan_jobs", "ParseError", "iter_json_values", "as_messages", "parse_messages", "extract_answer",
    "has_explanation", "Backend", "OpenAIBackend", "TemplateBackend", "template_answer", "run_job", "synthesize",
    "EXPECTED_OUTPUT_TOKENS", "Estimate", "estimate_run", "RunSummary", "summarize", "atomic_output",
    "read_samples", "completed_ids", "SampleWriter", "write_samples", "compact_samples", "format_prompt",
    "max_sentences", "fingerprint", "job_fingerprint", "fence_text", "BUILTIN_VARIANTS", "sentence_limit_words",
    "AgenticFilterResult", "filter_agentic", "filter_request", "says_yes",
]
