"""Checks on the embedded demo data set (assets/demo): catalogue, corpus, topics, regeneration, structure.

The demo is what the app and ``steps demo`` open with no download, so it has to be well formed and has to
carry a real community structure. Everything here reads the checked-in files with the standard library;
one test also reads them through :mod:`steps_core.corpus` to make sure the product's own readers accept them.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "assets" / "demo"
SCRIPT = DEMO / "build_demo.py"
FILES = ("skills.csv", "topics.txt", "corpus.jsonl")

# Skills per record: allowed share ranges around the target 10 / 30 / 30 / 18 / 12 (5 and 6 together).
SHARE_RANGES = {1: (0.07, 0.13), 2: (0.25, 0.35), 3: (0.25, 0.35), 4: (0.14, 0.22), "5-6": (0.09, 0.15)}

# A sentence boundary: terminal punctuation, optional closing quote/bracket, whitespace, then a capital.
SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]*\s+[A-Z]")


# --------------------------------------------------------------------------------------------------------
# loading (plain standard library)
# --------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    with (DEMO / "skills.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["skill", "category", "definition", "example"]
        return list(reader)


@pytest.fixture(scope="module")
def records() -> list[dict]:
    out = []
    with (DEMO / "corpus.jsonl").open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            assert line.strip(), f"blank line {lineno} in corpus.jsonl"
            out.append(json.loads(line))
    return out


@pytest.fixture(scope="module")
def topics() -> list[str]:
    return (DEMO / "topics.txt").read_text(encoding="utf-8").splitlines()


def pair_counts(records) -> Counter:
    """c_ij: number of records tagged with both skills (unordered pairs)."""
    c = Counter()
    for r in records:
        for a, b in combinations(sorted(r["skills"]), 2):
            c[(a, b)] += 1
    return c


# --------------------------------------------------------------------------------------------------------
# catalogue
# --------------------------------------------------------------------------------------------------------

def test_catalogue_size_categories_and_unique_names(catalogue):
    names = [r["skill"] for r in catalogue]
    cats = Counter(r["category"] for r in catalogue)
    assert len(catalogue) >= 130
    assert len(cats) >= 10
    assert min(cats.values()) >= 5, cats
    assert len(set(names)) == len(names), [n for n, c in Counter(names).items() if c > 1]
    assert len({n.lower() for n in names}) == len(names), "names differing only in case"


def test_catalogue_names_are_short_natural_names(catalogue):
    for r in catalogue:
        name = r["skill"]
        assert name == name.strip() and name, repr(name)
        assert "," not in name and "\n" not in name, name
        assert name[0].islower(), f"{name!r} should start lower-case"
        assert len(name.split()) <= 5 and len(name) <= 40, name
        assert r["category"] == r["category"].strip() and r["category"], name


def test_definitions_and_examples_are_single_sentences(catalogue):
    for r in catalogue:
        for field in ("definition", "example"):
            text = r[field]
            assert text == text.strip() and len(text) >= 15, (r["skill"], field, text)
            assert text[-1] in ".?!'\"}", (r["skill"], field, text)
            assert not SENTENCE_BREAK.search(text), (r["skill"], field, text)
        assert r["definition"].endswith("."), r["skill"]
        assert r["definition"] != r["example"], r["skill"]


def test_catalogue_is_valid_csv_round_trip(catalogue):
    """Quoting is done by the csv module: re-writing the rows reproduces the file byte for byte."""
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["skill", "category", "definition", "example"])
    for r in catalogue:
        w.writerow([r["skill"], r["category"], r["definition"], r["example"]])
    assert buf.getvalue() == (DEMO / "skills.csv").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------------
# corpus
# --------------------------------------------------------------------------------------------------------

def test_corpus_size_ids_and_shape(records):
    assert len(records) >= 1200
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"demo-\d{5}", i) for i in ids)
    for r in records:
        assert set(r) == {"id", "messages", "skills"}, r["id"]
        msgs = r["messages"]
        assert [m["role"] for m in msgs] == ["user", "assistant"], r["id"]
        for m in msgs:
            assert set(m) == {"role", "content"}, r["id"]
            assert isinstance(m["content"], str) and m["content"].strip() == m["content"] and m["content"], r["id"]


def test_record_skills_are_known_distinct_and_between_1_and_6(records, catalogue):
    names = {r["skill"] for r in catalogue}
    for r in records:
        sk = r["skills"]
        assert isinstance(sk, list) and 1 <= len(sk) <= 6, r["id"]
        assert len(set(sk)) == len(sk), (r["id"], sk)
        assert set(sk) <= names, (r["id"], set(sk) - names)


def test_every_skill_is_used_at_least_three_times(records, catalogue):
    uses = Counter(s for r in records for s in r["skills"])
    rare = {r["skill"]: uses[r["skill"]] for r in catalogue if uses[r["skill"]] < 3}
    assert not rare, rare
    # A long tail exists, but it is a handful of skills, not a large part of the catalogue.
    tail = [s for s in uses if uses[s] <= 5]
    assert 1 <= len(tail) <= 10, tail


def test_skill_count_distribution(records):
    n = len(records)
    sizes = Counter(len(r["skills"]) for r in records)
    shares = {k: sizes[k] / n for k in (1, 2, 3, 4)}
    shares["5-6"] = (sizes[5] + sizes[6]) / n
    for key, (lo, hi) in SHARE_RANGES.items():
        assert lo <= shares[key] <= hi, (key, shares[key])
    assert sizes[6] > 0, "no record with six skills"


def test_no_repeated_requests_or_answers(records):
    users = Counter(r["messages"][0]["content"] for r in records)
    answers = Counter(r["messages"][1]["content"] for r in records)
    assert max(users.values()) == 1, users.most_common(1)
    assert max(answers.values()) == 1, answers.most_common(1)


def test_texts_are_short_requests_and_brief_answers(records):
    for r in records:
        user, answer = (m["content"] for m in r["messages"])
        assert 20 <= len(user) <= 1000, r["id"]
        assert 15 <= len(answer) <= 1200, r["id"]


# --------------------------------------------------------------------------------------------------------
# topics
# --------------------------------------------------------------------------------------------------------

def test_topics(topics):
    assert len(topics) >= 60
    assert len(set(topics)) == len(topics)
    assert all(t and t == t.strip() for t in topics)
    assert (DEMO / "topics.txt").read_text(encoding="utf-8").endswith("\n")


# --------------------------------------------------------------------------------------------------------
# regeneration
# --------------------------------------------------------------------------------------------------------

def _run_build(out: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_build_script_regenerates_the_checked_in_files_byte_for_byte(tmp_path):
    _run_build(tmp_path / "a")
    _run_build(tmp_path / "b")
    for name in FILES:
        checked_in = (DEMO / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() == checked_in, f"{name} differs from the checked-in file"
        assert (tmp_path / "b" / name).read_bytes() == checked_in, f"{name} differs between two runs"


def test_build_script_uses_only_the_standard_library():
    src = SCRIPT.read_text(encoding="utf-8")
    imported = set(re.findall(r"^\s*(?:from|import)\s+([A-Za-z_][\w]*)", src, flags=re.M))
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    assert imported <= allowed, imported - allowed


# --------------------------------------------------------------------------------------------------------
# structure: communities, bridges, long tail
# --------------------------------------------------------------------------------------------------------

def random_within_share(sizes: Counter, category: str) -> float:
    """Under random tagging (every unordered pair of distinct skills equally likely), the probability that a pair
    touching ``category`` lies entirely inside it: P(both in c) / P(at least one in c)."""
    n = sum(sizes.values())
    m = sizes[category]
    both = m * (m - 1) / (n * (n - 1))
    neither = (n - m) * (n - m - 1) / (n * (n - 1))
    return both / (1 - neither)


def test_random_baseline_formula_on_a_hand_computed_case():
    # 2 skills in A, 2 in B: 6 pairs, 1 inside A, 5 touching A -> 1/5.
    assert random_within_share(Counter({"A": 2, "B": 2}), "A") == pytest.approx(1 / 5)
    # 3 in A, 1 in B: 6 pairs, 3 inside A, all 6 touch A -> 1/2.
    assert random_within_share(Counter({"A": 3, "B": 1}), "A") == pytest.approx(1 / 2)


def within_ratios(pairs: Counter, cat: dict[str, str]) -> dict[str, float]:
    """For each category: observed share of co-occurrences (touching it) that stay inside it, over the random
    baseline."""
    sizes = Counter(cat.values())
    out = {}
    for c in sizes:
        touching = sum(v for (a, b), v in pairs.items() if c in (cat[a], cat[b]))
        inside = sum(v for (a, b), v in pairs.items() if cat[a] == cat[b] == c)
        assert touching > 0, c
        out[c] = (inside / touching) / random_within_share(sizes, c)
    return out


def test_categories_cluster_well_above_random_tagging(records, catalogue):
    cat = {r["skill"]: r["category"] for r in catalogue}
    ratios = within_ratios(pair_counts(records), cat)
    weak = {c: round(r, 2) for c, r in ratios.items() if r < 3}
    assert not weak, weak


def test_the_clustering_check_rejects_random_category_labels(records, catalogue):
    """The same check on the same corpus with the category labels shuffled among skills lands near 1."""
    import random

    pairs = pair_counts(records)
    names = [r["skill"] for r in catalogue]
    for seed in range(3):
        labels = [r["category"] for r in catalogue]
        random.Random(seed).shuffle(labels)
        ratios = within_ratios(pairs, dict(zip(names, labels)))
        assert sum(ratios.values()) / len(ratios) < 2, ratios
        assert sum(r >= 3 for r in ratios.values()) <= 2, ratios


def test_bridges_and_long_tail_of_combinations(records, catalogue):
    cat = {r["skill"]: r["category"] for r in catalogue}
    pairs = pair_counts(records)
    total = sum(pairs.values())
    cross = sum(v for (a, b), v in pairs.items() if cat[a] != cat[b])
    # a minority of cross-category co-occurrences: bridges exist but do not dominate
    assert 0.2 <= cross / total <= 0.6, cross / total
    # every category is linked to at least two others
    links = {c: set() for c in cat.values()}
    for a, b in pairs:
        if cat[a] != cat[b]:
            links[cat[a]].add(cat[b])
            links[cat[b]].add(cat[a])
    assert all(len(v) >= 2 for v in links.values()), links
    # a long tail of rare combinations: many pairs seen only once
    once = sum(1 for v in pairs.values() if v == 1)
    assert once >= 50, once
    assert len(pairs) >= 500, len(pairs)


# --------------------------------------------------------------------------------------------------------
# the product's own readers accept the files
# --------------------------------------------------------------------------------------------------------

def test_steps_core_reads_the_demo(records, catalogue):
    corpus = pytest.importorskip("steps_core.corpus")
    skills = corpus.read_catalog(DEMO / "skills.csv")
    assert [s.name for s in skills] == [r["skill"] for r in catalogue]
    recs = list(corpus.iter_records(DEMO / "corpus.jsonl"))
    assert len(recs) == len(records)
    assert [r.id for r in recs[:3]] == [r["id"] for r in records[:3]]
    assert all(tuple(r.skills) == tuple(raw["skills"]) for r, raw in zip(recs, records))
