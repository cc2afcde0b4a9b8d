"""Embeddings (real MiniLM, offline), the embedding cache, taggers, tag normalisation and mapping files."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from fake_openai import FakeOpenAI
from steps_core import embed
from steps_core.corpus import Record, Skill
from steps_core.errors import InputError, StepsError
from steps_core.tag_mapping import (TagMapping, apply_tag_mapping, build_tag_mapping, leader_clusters,
                                    normalize_records, normalize_tag, read_tag_mapping, write_tag_mapping)
from steps_core.tagging import (EmbeddingTagger, LLMTagger, Tagger, TagResult, TagSummary, parse_llm_skills,
                                tag_records, top_skills)

CATALOG = (
    Skill("python debugging", "programming", "finding and fixing bugs in Python code"),
    Skill("metaphor", "rhetorical", "a figure of speech that describes one thing as another"),
    Skill("red herring", "rhetorical", "introducing irrelevant points to distract from the question"),
    Skill("spatial reasoning", "logical", "reasoning about where objects are relative to each other"),
)


# ----------------------------------------------------------------------------------------------- embeddings
def test_embeddings_are_unit_rows_in_input_order():
    texts = ["fix this python bug", "use a metaphor", "fix this python bug"]
    v = embed.embed_texts(texts)
    assert v.shape == (3, embed.DIM) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(v[0], v[2])
    assert embed.load_model() is embed.load_model()              # cached per process
    assert embed.embed_texts([]).shape == (0, embed.DIM)


def test_embedding_cache_is_a_plain_blob_store(tmp_path, monkeypatch):
    texts = ["debug the code", "write a poem", "debug the code"]
    first = embed.embed_texts(texts, cache_dir=tmp_path)
    db = tmp_path / embed.CACHE_FILE
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT model, hash, vector FROM embedding").fetchall()
    assert len(rows) == 2                                          # one per distinct text
    by_hash = {bytes(h): np.frombuffer(v, "<f4") for _, h, v in rows}
    assert {m for m, _, _ in rows} == {embed.model_id()}
    assert np.array_equal(by_hash[embed.text_hash("write a poem")], first[1])
    # a second call is answered from the cache alone: the model is not touched
    monkeypatch.setattr(embed, "load_model", lambda: (_ for _ in ()).throw(AssertionError("model used")))
    again = embed.embed_texts(texts, cache_dir=tmp_path)
    assert np.array_equal(first, again)
    calls = []
    embed.embed_texts(texts, cache_dir=tmp_path, progress=lambda d, t: calls.append((d, t)))
    assert calls == []                                              # nothing to encode


def test_embed_texts_opens_one_cache_connection_per_call(tmp_path, monkeypatch):
    opened = []
    real = embed.connect_sqlite

    def counting(*args, **kw):
        con = real(*args, **kw)
        opened.append(con)
        return con

    monkeypatch.setattr(embed, "connect_sqlite", counting)
    embed.embed_texts([f"text number {i}" for i in range(7)], batch_size=2, cache_dir=tmp_path)  # 4 puts, 1 get
    assert len(opened) == 1
    embed.embed_texts([f"text number {i}" for i in range(9)], batch_size=2, cache_dir=tmp_path)
    assert len(opened) == 2
    for con in opened:                                              # closed when the call returns
        with pytest.raises(sqlite3.ProgrammingError):
            con.execute("SELECT 1")


def test_progress_counts_encoded_texts(tmp_path):
    calls = []
    embed.embed_texts([f"text {i}" for i in range(5)], batch_size=2, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_skill_texts():
    assert embed.skill_texts(CATALOG[:1]) == ["python debugging: finding and fixing bugs in Python code"]


# ----------------------------------------------------------------------------------------------- taggers
def test_embedding_tagger_ranks_obvious_skills_first():
    tagger = EmbeddingTagger(CATALOG, top_m=4, threshold=-1.0)
    assert isinstance(tagger, Tagger)
    texts = ["My Python function crashes with an IndexError on an empty list; please fix the bug.",
             "Write a line comparing life to a journey, one thing described as another.",
             "The cup is on the table and the table is left of the door. Where is the cup relative to the door?"]
    sims = tagger.similarities(texts)
    names = [s.name for s in CATALOG]
    assert sims.shape == (3, 4)
    bug, meta, space = names.index("python debugging"), names.index("metaphor"), names.index("spatial reasoning")
    assert sims[0, bug] > sims[0, names.index("red herring")] and sims[0, bug] > sims[0, meta]
    assert int(np.argmax(sims[0])) == bug
    assert int(np.argmax(sims[1])) == meta
    assert int(np.argmax(sims[2])) == space
    results = tagger.tag(texts)
    assert [r.skills[0] for r in results] == ["python debugging", "metaphor", "spatial reasoning"]
    assert all(list(r.scores) == sorted(r.scores, reverse=True) for r in results)


def test_top_skills_threshold_and_ties():
    sims = np.array([[0.3, 0.3, 0.1], [0.05, 0.0, 0.0]])
    got = top_skills(sims, ["a", "b", "c"], top_m=2, threshold=0.2)
    assert [r.skills for r in got] == [("a", "b"), ()]
    # ties straddling the cut go to the earliest skills
    got = top_skills(np.array([[0.1, 0.5, 0.5, 0.5, 0.2]]), list("abcde"), top_m=2, threshold=0.0)
    assert got[0].skills == ("b", "c")
    assert top_skills(np.zeros((0, 3)), ["a", "b", "c"], top_m=2, threshold=0.0) == []


def test_top_skills_matches_a_per_row_sort():
    rng = np.random.default_rng(5)
    names = [f"s{i}" for i in range(9)]
    sims = rng.integers(0, 6, size=(300, 9)) / 5.0          # many ties
    for top_m in (1, 3, 9, 12):
        got = top_skills(sims, names, top_m=top_m, threshold=0.4)
        for row, res in zip(sims, got):
            order = sorted(range(9), key=lambda i: (-row[i], i))[:top_m]
            want = [i for i in order if row[i] >= 0.4]
            assert res.skills == tuple(names[i] for i in want)
            assert res.scores == tuple(round(float(row[i]), 4) for i in want)
    with pytest.raises(InputError, match="top_m"):
        EmbeddingTagger(CATALOG, top_m=0)
    with pytest.raises(InputError, match="empty"):
        EmbeddingTagger([])


class FixedTagger:
    """A Tagger that always answers the same skill: lets tag_records be checked by hand."""

    name = "fixed"

    def __init__(self, skill: str):
        self.skill, self.seen = skill, []

    def tag(self, texts, *, progress=None):
        from steps_core.tagging import TagResult

        self.seen.extend(texts)
        return [TagResult((self.skill,), (0.5,)) if "tag me" in t else TagResult() for t in texts]


def test_tag_records_keeps_fields_order_and_catalogue_only():
    recs = [Record("1", ("Metaphor", "made-up"), text="x", raw={"id": "1", "other": 1}),
            Record("2", (), text="tag me please", raw={"id": "2"}),
            Record("3", ("unknown",), text="nothing here", raw={"id": "3"}),
            Record("4", ("metaphor",), text="tag me", raw={"id": "4"})]
    tagger = FixedTagger("red herring")
    summary = TagSummary()
    out = list(tag_records(recs, tagger, catalog=CATALOG, batch_size=2, summary=summary))
    assert [o["id"] for o in out] == ["1", "2", "3", "4"]
    assert out[0] == {"id": "1", "other": 1, "skills": ["metaphor"], "skill_scores": [None]}
    assert out[1]["skills"] == ["red herring"] and out[1]["skill_scores"] == [0.5]
    assert out[2]["skills"] == [] and out[2]["skill_scores"] == []
    assert tagger.seen == ["tag me please", "nothing here"]          # only records without catalogue skills
    assert (summary.n_kept, summary.n_tagged, summary.n_without, summary.n_tags_dropped) == (2, 1, 1, 2)
    retagged = list(tag_records(recs, FixedTagger("red herring"), catalog=CATALOG, retag=True))
    assert [o["skills"] for o in retagged] == [[], ["red herring"], [], ["red herring"]]


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_tag_records_output_is_a_corpus_whose_untagged_records_are_skipped_and_counted(tmp_path, engine):
    from steps_core.corpus import ReadReport, iter_json_lines, load_cooccurrence

    recs = [Record("1", ("Metaphor", "made-up"), text="x", raw={"id": "1"}),
            Record("2", (), text="tag me please", raw={"id": "2"}),
            Record("3", ("unknown",), text="nothing here", raw={"id": "3"}),
            Record("4", ("metaphor", "Red Herring"), text="y", raw={"id": "4"})]
    out = list(tag_records(recs, FixedTagger("red herring"), catalog=CATALOG))
    assert [o["skills"] for o in out] == [["metaphor"], ["red herring"], [], ["metaphor", "red herring"]]
    path = tmp_path / "tagged.jsonl"
    path.write_bytes(b"".join(iter_json_lines(out)))
    report = ReadReport()
    c = load_cooccurrence(path, engine=engine, report=report)
    assert (c.n_records, report.n_untagged, report.n_skipped) == (3, 1, 0)
    assert c.skills == ("metaphor", "red herring") and c.counts.tolist() == [2, 2]
    assert c.pairs.toarray().tolist() == [[0, 1], [1, 0]]


def test_tag_records_without_text():
    recs = [Record("1", (), text="  ", source="c.jsonl:4", raw={})]
    with pytest.raises(InputError, match="no text to tag") as e:
        list(tag_records(recs, FixedTagger("metaphor"), catalog=CATALOG))
    assert (e.value.path, e.value.line) == ("c.jsonl", 4)
    summary = TagSummary()
    assert list(tag_records(recs, FixedTagger("metaphor"), catalog=CATALOG, skip_bad=True, summary=summary)) == []
    assert summary.n_skipped == 1


def test_llm_tagger_over_http():
    def responder(body):
        prompt = body["messages"][-1]["content"]
        if "Python" in prompt.split("Instruction:")[1]:
            return 'Here you go: {"skills": ["Python Debugging", "not in the list"]}'
        return '{"skills": ["metaphor"]}'

    with FakeOpenAI(responder) as server:
        from steps_core.llm import LLMClient, RetryPolicy

        client = LLMClient(base_url=server.base_url, api_key="sk-test", retry=RetryPolicy(max_attempts=2,
                                                                                           base_delay=0.01))
        tagger = LLMTagger(CATALOG, client, model="m", top_m=2, shortlist=3, workers=2)
        assert isinstance(tagger, Tagger)
        got = tagger.tag(["Fix my Python bug", "Compare love to a rose"])
        assert [r.skills for r in got] == [("python debugging",), ("metaphor",)]
        assert all(s == 1.0 for r in got for s in r.scores)
        prompts = [b["messages"][-1]["content"] for b in server.requests]
        assert len(prompts) == 2 and all(p.count("\n- ") == 3 for p in prompts)   # a shortlist of 3 skills
        server.inject("401")
        with pytest.raises(StepsError, match="401"):
            tagger.tag(["something new"])
        client.close()


def test_parse_llm_skills():
    names = ["metaphor", "red herring"]
    assert parse_llm_skills('["Red Herring", "metaphor"]', names) == ("red herring", "metaphor")
    assert parse_llm_skills("no json at all", names) == ()
    # B15: braces after the JSON no longer hide it
    assert parse_llm_skills('{"skills": ["metaphor"]}\nI left out {irony}.', names) == ("metaphor",)
    assert parse_llm_skills('```json\n{"skills": ["red herring"]}\n```\n[note]', names) == ("red herring",)
    assert parse_llm_skills('{"skills": []}', names, strict=True) == ()
    from steps_core.synth import ParseError
    with pytest.raises(ParseError):
        parse_llm_skills("I would say metaphor.", names, strict=True)


def test_llm_tagger_counts_unparseable_answers_as_failures(tmp_path):
    from steps_core.llm import LLMClient, ResponseCache, RetryPolicy

    answers = {"n": 0}

    def responder(body):
        answers["n"] += 1
        return "Metaphor, clearly." if answers["n"] == 1 else '{"skills": ["metaphor"]}'

    with FakeOpenAI(responder) as server, ResponseCache(tmp_path / "c.sqlite") as cache:
        client = LLMClient(base_url=server.base_url, api_key="sk-test", cache=cache,
                           retry=RetryPolicy(max_attempts=2, base_delay=0.01))
        tagger = LLMTagger(CATALOG, client, model="m", shortlist=0, workers=1)
        assert tagger.tag(["Compare love to a rose"]) == [TagResult()]
        assert tagger.failures == 1 and "unparseable" in tagger.errors[0] and len(cache) == 0
        assert [r.skills for r in tagger.tag(["Compare love to a rose"])] == [("metaphor",)]
        assert server.n_requests == 2 and tagger.failures == 1


# ----------------------------------------------------------------------------------------------- normalising
@pytest.mark.parametrize("raw, folded", [
    ("Python  Programming", "python programming"),
    ("python_programming!", "python programming"),
    ("Question-Answering", "question answering"),
    ("C++", "c++"), ("C#", "c#"),
    ("Writer's block", "writers block"),
    ("ＦＵＬＬ　ｗｉｄｔｈ", "full width"),
    ("数学，推理", "数学 推理"),
    ("!!!", ""),
])
def test_normalize_tag(raw, folded):
    assert normalize_tag(raw) == folded


def naive_leaders(vecs, threshold):
    leaders, leader, sim = [], [], []
    for i, v in enumerate(vecs):
        best, best_sim = -1, -np.inf
        for j in leaders:
            s = float(vecs[j] @ v)
            if s > best_sim:
                best, best_sim = j, s
        if best >= 0 and best_sim >= threshold:
            leader.append(best)
            sim.append(best_sim)
        else:
            leaders.append(i)
            leader.append(i)
            sim.append(1.0)
    return leader, sim


@pytest.mark.parametrize("block", [1, 3, 7, 1024])
def test_leader_clusters_match_the_sequential_definition(block):
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(5, 8))
    vecs = np.repeat(centres, 8, axis=0) + 0.3 * rng.normal(size=(40, 8))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    vecs = vecs[rng.permutation(40)]
    leader, sim = leader_clusters(vecs, threshold=0.8, block=block)
    want_leader, want_sim = naive_leaders(vecs, 0.8)
    assert leader.tolist() == want_leader
    assert np.allclose(sim, want_sim, atol=1e-5)


def test_leader_clusters_never_chain():
    a = np.array([1.0, 0.0])
    b = np.array([np.cos(0.4), np.sin(0.4)])        # cos(a, b) = 0.921
    c = np.array([np.cos(0.8), np.sin(0.8)])        # cos(b, c) = 0.921, cos(a, c) = 0.697
    leader, _ = leader_clusters(np.array([a, b, c]), threshold=0.9)
    assert leader.tolist() == [0, 0, 2]             # c does not join a through b


def test_build_tag_mapping_surface_and_similarity():
    counts = {"Python Programming": 5, "python_programming": 2, "python coding": 3, "Mathematics": 4, "math": 2,
              "reasoning": 3, "Logical Reasoning": 6, "!!!": 1}
    m = build_tag_mapping(counts, threshold=0.88)
    assert m.mapping["python_programming"] == "python programming"
    assert m.mapping["python coding"] == "python programming"        # near-duplicate merged into the larger
    assert m.mapping["math"] == "mathematics"
    assert m.mapping["reasoning"] == "reasoning"                     # related, not a duplicate
    assert m.mapping["Logical Reasoning"] == "logical reasoning"
    assert m.mapping["!!!"] == ""                                     # nothing left: dropped
    assert m.similarity["python_programming"] == 1.0 and 0.88 <= m.similarity["python coding"] < 1.0
    surface = build_tag_mapping(counts, use_embeddings=False)
    assert surface.mapping["python coding"] == "python coding" and surface.mapping["math"] == "math"
    with pytest.raises(InputError, match="threshold"):
        build_tag_mapping(counts, threshold=0)


def test_mapping_file_round_trip_edit_and_apply(tmp_path):
    m = TagMapping({"Python": "python", "python!": "python", "Java": "java", "junk": "junk"},
                   {"Python": 3, "python!": 1, "Java": 2, "junk": 1}, {"Python": 1.0, "python!": 1.0, "Java": 1.0,
                                                                         "junk": 1.0})
    path = write_tag_mapping(m, tmp_path / "map.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "old,new,count,similarity"
    assert [ln.split(",")[0] for ln in lines[1:]] == ["Python", "python!", "Java", "junk"]   # grouped, big first
    assert read_tag_mapping(path) == m.mapping
    # a person edits it: rename java, drop junk
    path.write_text("old,new\nPython,python\npython!,python\nJava,java programming\njunk,\n", encoding="utf-8")
    edited = read_tag_mapping(path)
    assert apply_tag_mapping(["Python", "junk", "python!", "Java", "Other"], edited) == \
        ("python", "java programming", "Other")
    recs = [Record("1", ("junk", "Python"), raw={"id": "1", "skills": ["junk", "Python"], "x": 2})]
    assert list(normalize_records(recs, edited)) == [{"id": "1", "skills": ["python"], "x": 2}]


def test_mapping_file_errors(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("from,to\na,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_tag_mapping(p)
    p.write_text("old,new\na,b\nc,d\na,e\n", encoding="utf-8")
    with pytest.raises(InputError, match="mapped twice \\(first on line 2\\)") as e:
        read_tag_mapping(p)
    assert (e.value.line, e.value.field) == (4, "old")
    p.write_text("old,new\n,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty old tag"):
        read_tag_mapping(p)


def test_shared_self_instruct_tags_with_skillmix_catalogue(tmp_path):
    from pathlib import Path

    from steps_core.corpus import iter_records, read_catalog

    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (shared / "skillmix" / "skills.csv").exists() or not (shared / "self-instruct").exists():
        pytest.skip("shared data not present")
    catalog = read_catalog(shared / "skillmix" / "skills.csv")
    recs = list(iter_records(shared / "self-instruct" / "seed_tasks.jsonl", require_skills=False))[:20]
    out = list(tag_records(recs, EmbeddingTagger(catalog, top_m=2, threshold=0.2), catalog=catalog))
    names = {s.name for s in catalog}
    assert len(out) == 20 and [o["id"] for o in out] == [r.id for r in recs]
    assert all(set(o["skills"]) <= names and len(o["skills"]) <= 2 for o in out)
    assert all(all(s >= 0.2 for s in o["skill_scores"]) for o in out)
    assert all(json.dumps(o) for o in out)


def test_a_new_embedding_cache_opens_while_another_process_holds_a_lock(tmp_path):
    # B13: the WAL switch is retried (SQLite itself fails at once with 'database is locked')
    from test_io import _hold_reserved_lock

    t = _hold_reserved_lock(tmp_path / embed.CACHE_FILE, 0.3)
    try:
        cache = embed.EmbeddingCache(tmp_path)
        assert len(cache) == 0
    finally:
        t.join()


def test_skill_embeddings_use_catalogue_definitions():
    from steps_core.corpus import Skill
    from steps_core.embed import embed_texts, skill_embeddings

    emb = skill_embeddings(["metaphor", "debugging"], [Skill("metaphor", definition="a figure of speech")])
    ref = embed_texts(["metaphor: a figure of speech", "debugging"])
    assert np.allclose(emb, ref)
