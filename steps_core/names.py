"""One source of truth for the names, choices, ranges and defaults that the command line, the app and the core
share (docs/architecture.md). Plain Python, no heavy import: the CLI builds its options and ``--help`` from here
without loading numpy.

Each choice is a dict from its name to a one-line description; front ends build ``click.Choice(list(X))`` and
their help from it, and the core validates against it.
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
           "counts with a Ray Data groupby; also reads globs and fsspec/pyarrow URIs (s3://...); needs pip "
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
