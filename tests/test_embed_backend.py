"""The ONNX Runtime backends of the embedder (``steps tag --backend``), against the torch model, offline.

* ``onnx`` (fp32, exported from the package's own weights) gives torch's vectors: cosine > 0.9999 on every
  text, and the top-1 skill of the segment scorer identical on a fixed demo sample;
* ``onnx-int8`` stays close (cosine > 0.97) but is keyed apart in the cache, since its vectors move;
* without onnxruntime (simulated) an ONNX backend falls back to torch with a warning, and never crashes;
* unknown names are refused, ``$STEPS_EMBED_BACKEND`` chooses the default, the CLI passes ``--backend`` on.

The first test exports the graphs into a temporary cache folder (~10-20 s on 2 cores).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from steps_core import embed
from steps_core.corpus import iter_records, read_catalog
from steps_core.tagging import EmbeddingTagger

ROOT = Path(__file__).resolve().parents[1]
DEMO_CORPUS = ROOT / "assets" / "demo" / "corpus.jsonl"
DEMO_SKILLS = ROOT / "assets" / "demo" / "skills.csv"
TEXTS = ["fix this python bug", "Write a poem about bees. Use alliteration!",
         "  leading and trailing spaces  ", "Explain why the sky is blue to a five-year-old, then give a quiz.",
         " ".join(["a long text"] * 150)]              # past max_seq_length: truncated the same way


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    folder = tmp_path_factory.mktemp("embed-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("STEPS_EMBED_CACHE", str(folder))
    embed._onnx_session.cache_clear()                  # sessions from another folder must not be reused
    yield folder
    embed._onnx_session.cache_clear()
    mp.undo()


def demo_texts(n: int = 48) -> list[str]:
    recs = list(iter_records(DEMO_CORPUS, require_skills=False))
    return [r.text for r in recs[:: len(recs) // n][:n]]


@pytest.mark.slow
def test_onnx_fp32_gives_torch_vectors_and_the_same_top1(onnx_cache):
    ref = embed.embed_texts(TEXTS, backend="torch", threads=1)
    got = embed.embed_texts(TEXTS, backend="onnx", threads=1)
    assert embed.usable_backend("onnx") == "onnx"                  # no fallback happened
    assert list((onnx_cache / "onnx").glob("*-fp32.onnx"))          # exported into the cache folder
    assert (ref * got).sum(axis=1).min() > 0.9999
    assert np.abs(ref - got).max() < 1e-4
    two = embed.embed_texts(TEXTS, backend="onnx", threads=2, batch_size=2)   # threads and batching: same
    assert np.abs(two - got).max() < 1e-5
    catalog = read_catalog(DEMO_SKILLS)
    texts = demo_texts()
    torch_sims = EmbeddingTagger(catalog, backend="torch").similarities(texts)
    onnx_sims = EmbeddingTagger(catalog, backend="onnx").similarities(texts)
    assert (torch_sims.argmax(axis=1) == onnx_sims.argmax(axis=1)).all()
    assert np.abs(torch_sims - onnx_sims).max() < 1e-4


@pytest.mark.slow
def test_onnx_int8_is_close_and_cached_apart(onnx_cache, tmp_path):
    ref = embed.embed_texts(TEXTS, backend="torch")
    got = embed.embed_texts(TEXTS, backend="onnx-int8", cache_dir=tmp_path)
    cos = (ref * got).sum(axis=1)
    assert cos.min() > 0.97 and cos.max() < 0.99999               # close, but not torch's vectors
    assert embed.model_id("onnx-int8") != embed.model_id("torch") == embed.model_id("onnx")
    with embed.EmbeddingCache(tmp_path) as cache:
        assert len(cache.get(embed.model_id("onnx-int8"), [embed.text_hash(t) for t in TEXTS])) == len(TEXTS)
        assert not cache.get(embed.model_id("torch"), [embed.text_hash(t) for t in TEXTS])


def test_missing_onnxruntime_falls_back_to_torch_with_a_warning(monkeypatch, tmp_path):
    def no_ort(*args):
        raise ImportError("No module named 'onnxruntime'")

    monkeypatch.setattr(embed, "_onnx_session", no_ort)
    monkeypatch.setattr(embed, "_FALLBACK_WARNED", set())
    with pytest.warns(RuntimeWarning, match="unavailable, using torch: onnxruntime is not installed"):
        got = embed.embed_texts(TEXTS[:3], backend="onnx-int8", cache_dir=tmp_path)
    ref = embed.embed_texts(TEXTS[:3], backend="torch")
    assert np.abs(got - ref).max() < 1e-5
    with embed.EmbeddingCache(tmp_path) as cache:                 # stored as torch's vectors, not as int8 ones
        hashes = [embed.text_hash(t) for t in TEXTS[:3]]
        assert len(cache.get(embed.model_id("torch"), hashes)) == 3
        assert not cache.get(embed.model_id("onnx-int8"), hashes)
    tagger = EmbeddingTagger(read_catalog(DEMO_SKILLS), backend="onnx")
    with pytest.warns(RuntimeWarning, match="'onnx' unavailable"):
        assert tagger.tag(["Write a poem about bees"])[0].skills      # tags all the same


def test_backend_names_and_environment(monkeypatch):
    monkeypatch.delenv("STEPS_EMBED_BACKEND", raising=False)
    assert embed.check_backend(None) == "torch"
    monkeypatch.setenv("STEPS_EMBED_BACKEND", "onnx")
    assert embed.check_backend(None) == "onnx"
    assert EmbeddingTagger(read_catalog(DEMO_SKILLS)).backend == "onnx"
    assert embed.check_backend("torch") == "torch"
    with pytest.raises(Exception, match="unknown embedding backend 'gpu'"):
        embed.check_backend("gpu")
    monkeypatch.setenv("STEPS_EMBED_BACKEND", "int4")
    with pytest.raises(Exception, match="int4"):
        EmbeddingTagger(read_catalog(DEMO_SKILLS))


def test_cli_backend_option(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from steps_core.cli import cli, data_cmds

    import steps_core.tagging as tagging

    seen = []

    class Spy(tagging.EmbeddingTagger):
        def __init__(self, *args, **kwargs):
            seen.append(kwargs.get("backend"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tagging, "EmbeddingTagger", Spy)
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": 1, "instruction": "Write a poem about bees"}) + "\n", encoding="utf-8")
    args = ["tag", str(corpus), "--catalog", str(DEMO_SKILLS), "-o", str(tmp_path / "out.jsonl"),
            "--cache-dir", str(tmp_path / "cache"), "--backend", "torch"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert seen == ["torch"]
    res = CliRunner().invoke(cli, args[:-1] + ["int4"])
    assert res.exit_code == 2 and "int4" in res.output
    choices = next(p for p in data_cmds.tag_cmd.params if p.name == "backend").type.choices
    assert tuple(choices) == embed.BACKENDS
