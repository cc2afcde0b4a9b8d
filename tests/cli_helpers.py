"""Helpers for the CLI tests: run `steps` in-process with click's runner, write small corpora."""

from __future__ import annotations

import json

from click.testing import CliRunner

from steps_core.cli import cli


def run(*args: str, ok: bool = True):
    """Run ``steps ARGS``; assert success (or failure with exit code 2 when ``ok`` is False)."""
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 2, result.output
    return result


def write_corpus(path, records) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        for i, skills in enumerate(records):
            fh.write(json.dumps({"id": f"r{i}", "skills": skills}) + "\n")
    return str(path)


BUNDLES = [["python", "debugging", "explaining to a novice", "unit testing"],
           ["persuasion", "metaphor", "audience awareness", "rhetorical question"],
           ["descriptive statistics", "data cleaning", "charting", "spreadsheet formulas"]]


def bundled_records(n: int = 400, seed: int = 0) -> list[list[str]]:
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        b = rng.choice(BUNDLES)
        rec = rng.sample(b, rng.randint(2, 4))
        if rng.random() < 0.15:
            rec.append(rng.choice(rng.choice(BUNDLES)))
        out.append(rec)
    return out


def chain_records(n_skills: int, n: int, seed: int = 0, width: int = 2) -> list[list[str]]:
    """Records tagged with two skills at most ``width - 1`` apart on a ring of skills ``s00, s01, ...``: those
    pairs are common, no other pair is ever seen, and no record holds three skills. With width 2 every path of
    three neighbours is attested and new; with width 3, every run of four."""
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        i = rng.randrange(n_skills)
        j = i + rng.randrange(1, width)
        out.append([f"s{i:02d}", f"s{j % n_skills:02d}"])
    return out
