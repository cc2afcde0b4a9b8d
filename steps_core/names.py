"""One source of truth for the names, choices, ranges and defaults that the command line, the app and the core
share (docs/architecture.md). Plain Python, no heavy import: the CLI builds its options and ``--help`` from here
without loading numpy.

Each choice is a dict from its name to a one-line description; front ends build ``click.Choice(list(X))`` and
their help from it, and the core validates against it. The taxonomy half (reading, graph, tree, selection)
comes first, then the synthesis half (prompt styles, backends, evaluation splits and protocols, curricula, grade
filters, export formats).

>>> list(STYLES)
['composite', 'skillmix', 'agentic']
>>> "parquet" in EXPORT_FORMATS
True
"""

from __future__ import annotations

# ------------------------------------------------------------------------------------------------ reading
#: Input formats of a corpus.
INPUT_FORMATS = {
    "jsonl": "one JSON object per line (.jsonl, .ndjson; gzipped too)",
    "json": "a JSON array of objects, or an object holding one (.json; gzipped too)",
    "csv": "comma-separated values with a header row (.csv; gzipped too)",
    "tsv": "tab-separated values with a header row (.tsv, .tab; gzipped too)",
    "parquet": "Apache Parquet (.parquet, .pq)",
}
#: How co-occurrences are counted.
ENGINES = {
    "memory": "stream the records through Python (fast, needs memory for the pair counts only)",
    "duckdb": "let DuckDB read the files and count, spilling to disk, for corpora whose pair counts do not fit "
              "in memory",
    "ray": "count the shard files in parallel on Ray (this machine, or a cluster with --address) and sum the "
           "counts in reducer tasks; also reads globs and fsspec/pyarrow URIs (s3://...); needs pip "
           "install 'steps-studio[ray]'",
}
#: Where ``steps tag`` runs its tagger.
TAG_ENGINES = {
    "memory": "in this process (--threads batches at once)",
    "ray": "in a pool of Ray actors, one model and one CPU each (this machine, or a cluster with --address); "
           "the corpus is read and the output written here; needs pip "
           "install 'steps-studio[ray]'",
}
#: Languages of Infinity-Instruct skill labels.
LANGS = {"en": "label.ability_en", "zh": "label.ability_zh"}

# ------------------------------------------------------------------------------------------------ graph
#: Edge weightings, each a function of the counts n_i, c_ij and the number of records (docs/core.md).
WEIGHTINGS = {
    "lift": "w_ij = (c_ij + 2) / ((n_i + 1) (n_j + 1)); favours pairs that co-occur more than their "
            "frequencies predict (the reference weighting, default)",
    "count": "w_ij = c_ij; raw number of records tagged with both skills",
    "npmi": "w_ij = max(0, log(p_ij / (p_i p_j)) / -log p_ij) with p = counts / records; normalised "
            "pointwise mutual information, clipped at 0",
}

# ------------------------------------------------------------------------------------------------ tree
#: Tree heights (levels of communities + 1; 2 = a flat partition).
MIN_HEIGHT, MAX_HEIGHT = 2, 8
#: How a tree is built.
METHODS = {
    "greedy": "merge and refine each level, and grow levels above or below, whichever lowers the entropy more",
    "topdown": "partition inside each community, level by level (the reference's approach, for comparison)",
}

# ------------------------------------------------------------------------------------------------ selection
#: Skills per combination.
MIN_K, MAX_K = 2, 8
#: Where each step of the search may look.
SCOPES = {
    "local": "step t draws from the t-th ancestor community of the start (local first, widening one level per "
             "step)",
    "global": "any skill at any step (for comparison)",
}
#: How a combination must hang together.
CONNECT = {
    "attested": "every skill is linked to the others through pairs the corpus attests (or semantic links), "
                "every two skills at most two links apart",
    "none": "no coherence requirement (the plain search, for comparison)",
}
#: A pair seen together on this many records (more often than chance) is attested.
MIN_PAIR_COUNT = 2
#: How much a skill already in the list is worth less the next time (docs/core.md, "The list as a whole").
DIVERSITY = 0.5
#: Ways of choosing combinations compared by ``steps compare``.
SAMPLERS = {
    "steps": "STEPS as it ships: every skill a start, searched near the start first, connected through attested "
             "pairs, never seen together, the list chosen with diminishing returns for reused skills",
    "steps-global": "the same with any skill allowed at any step (no locality)",
    "gain-only": "the plain ranking by gain: each start's best combination, no coherence, novelty or diversity "
                 "requirement (what STEPS did before)",
    "uniform": "random k-subsets of the skills (SKILL-MIX style)",
    "pair-extend": "a random pair seen together in the corpus plus random skills (Instruct-SkillMix style)",
    "random-walk": "a walk on the skill graph along co-occurrence edges, collecting k skills",
}


def describe(choices: dict[str, str]) -> str:
    """``name: description; ...`` for a help text.

    >>> describe({"a": "first", "b": "second"})
    'a: first; b: second'
    """
    return "; ".join(f"{k}: {v}" for k, v in choices.items())


# ------------------------------------------------------------------------------------------------ synthesis
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
