"""The names of the synthesis half's choices, once: prompt styles, backends, evaluation splits and protocols,
curricula, grade filters and export formats, each a dict from its name to a one-line description, and the
defaults both front ends use.

Plain Python, no heavy import (like :mod:`steps_core.names` for the taxonomy half): the command line builds
``click.Choice(list(STYLES))`` and its ``--help`` from here without loading numpy, the app builds its radio
and select help from here, and the core validates against these dicts.

>>> list(STYLES)
['composite', 'skillmix', 'agentic']
>>> "parquet" in EXPORT_FORMATS
True
>>> list(EVAL_PROTOCOLS), list(SPLIT_UNITS)
(['steps', 'skillmix'], ['category', 'skill'])
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

#: Which skills and topics a Skill-Mix evaluation (or ``steps mix``) draws from (:mod:`steps_core.splits`).
EVAL_SPLITS = {
    "all": "every skill and topic",
    "train": "only the training part of the skills and topics",
    "heldout": "only the held-out part of the skills and topics",
}

#: How the skills are split into a training and a held-out part (:mod:`steps_core.splits`).
SPLIT_UNITS = {
    "category": "whole categories are held out (Zhao et al.): no held-out skill shares a category with a "
                "training skill",
    "skill": "within each category, a share of its skills is held out",
}

#: How a model is evaluated (``steps eval --protocol``; :mod:`steps_core.evaluation`).
EVAL_PROTOCOLS = {
    "steps": "this tool's own: the sentence limit asked in round 1, judge temperature 0.3, one generation, "
             "the generation with the best total counts",
    "skillmix": "the original Skill-Mix protocol (Yu et al.): 'up to a few lines' in round 1, the sentence "
                "limit in round 2, 3 generations, judge at temperature 1.0, each metric's maximum over the "
                "generations (comparable with published Skill-Mix and Zhao et al. tables)",
}

#: Curricula of ``steps export --curriculum`` (:mod:`steps_core.curriculum`).
CURRICULA = {
    "default": "the STEPS reference schedule: every epoch holds --epoch-size samples at exactly that "
               "epoch's shares of each k, reusing samples where a k has too few; train without shuffling",
    "partition": "the samples split once over the epochs by the same weights, each exported exactly once "
                 "(no reuse)",
    "none": "the samples in their file order, no epochs",
}

#: What ``steps export --min-grade`` keeps besides a number of points (:mod:`steps_core.export`).
MIN_GRADES = {
    "full": "full marks: all k + 3 rubric points",
    "all-skills": "every skill point and at least 2 of the other 3",
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
EPOCH_SIZE = 6000                #: samples per epoch of the reference curriculum (STEPS)
HELDOUT_FRACTION = 0.5           #: share of the categories (or skills) and topics held out
