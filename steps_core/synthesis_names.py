"""The names of the synthesis half's choices, once: prompt styles, backends, evaluation splits and export
formats, each a dict from its name to a one-line description, and the defaults both front ends use.

Plain Python, no heavy import (like :mod:`steps_core.names` for the taxonomy half): the command line builds
``click.Choice(list(STYLES))`` and its ``--help`` from here without loading numpy, the app builds its radio
and select help from here, and the core validates against these dicts.

>>> list(STYLES)
['composite', 'skillmix', 'agentic']
>>> "parquet" in EXPORT_FORMATS
True
"""

from __future__ import annotations

#: Prompt styles of ``steps synth`` (docs/synthesis.md).
STYLES = {
    "composite": "a new multi-turn conversation that fuses one real example per skill from your corpus",
    "skillmix": "a short text on a topic that shows every skill, written then improved (Skill-Mix)",
    "agentic": "a task on concrete data (a table, JSON, code or a log) solved step by step with every skill",
}

#: Who writes the samples.
BACKENDS = {
    "openai": "any OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, ...)",
    "template": "offline, no model: deterministic samples labelled as template output (for demos and tests)",
}

#: Which skills and topics a Skill-Mix evaluation draws from (skills split within each category, topics at
#: random).
EVAL_SPLITS = {
    "all": "every skill and topic",
    "train": "only the training part of the skills and topics",
    "heldout": "only the held-out part of the skills and topics",
}

#: Formats of a training export (docs/synthesis.md, "Export").
EXPORT_FORMATS = {
    "openai": 'JSONL, one {"messages": [...]} per line (OpenAI chat fine-tuning)',
    "sharegpt": 'JSONL, one {"conversations": [{"from", "value"}]} per line',
    "alpaca": "JSONL with instruction / input / output / history",
    "parquet": "one Parquet file: id, skills, k, style, community, epoch, messages, provenance",
}

#: Defaults shared by the command line and the app.
TEMPERATURE = 0.7                #: sampling temperature of the model that writes samples
JUDGE_TEMPERATURE = 0.3          #: sampling temperature of the judge
JUDGE_ROUNDS = 3                 #: judge answers per text; each point is their majority
WORKERS = 4                      #: requests in flight at once
TIMEOUT = 120.0                  #: seconds to wait for one answer
MAX_RETRIES = 5                  #: retries per request after a transient fault
BACKOFF = 1.0                    #: seconds of the first retry wait (it doubles)
API_KEY_ENV = "OPENAI_API_KEY"   #: the environment variable holding the API key
