"""The dataset card written beside every export (steps_core.dataset_card) and the review figures of the manifest:
counts per k, community and style read back against the samples, the models and placeholders, the rejected
samples per reason, what was left out, the curriculum note; text from data escaped (rendered with markdown-it:
no link, image or bold type comes from data); the card guarded like the data (never over an earlier export
without force, nothing written when it is refused); `steps export` writes it too."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from markdown_it import MarkdownIt

from steps_core.dataset_card import card_path, card_text, manifest_review, md
from steps_core.errors import InputError
from steps_core.export import export_samples
from steps_core.review import NO_REASON
from steps_core.synth import TEMPLATE_LABEL, write_samples

HOSTILE_MODEL = "![i](http://127.0.0.1:9/leak.png) **bold** <img src=x onerror=alert(1)>"


def samples() -> list[dict]:
    """Ten samples: k = 2 and 3, two communities, two models and a template placeholder; accepted, rejected for
    reasons (one without), undecided and failed ones."""
    out = []
    spec = [  # (k, community, model, accepted, reason)
        (2, "1", "model-a", True, None), (2, "1", "model-a", True, None), (3, "2", HOSTILE_MODEL, True, None),
        (3, "root", "model-a", True, None), (2, "1", "template", True, None), (2, "2", "model-a", False, "off-topic"),
        (3, "2", "model-a", False, "off-topic"), (2, "1", "model-a", False, None), (3, "1", "model-a", None, None),
    ]
    for i, (k, lca, model, accepted, reason) in enumerate(spec):
        text = f"{TEMPLATE_LABEL} placeholder" if model == "template" else f"answer {i}"
        prov = {"backend": "template"} if model == "template" else {"backend": "openai", "model": model}
        prov["combination"] = {"lca": lca, "lca_path": {"1": "code › tests", "2": "rhetoric **x**"}.get(lca, ""),
                               "tree_version": "t" * 12}
        out.append({"id": f"s{i}", "skills": [f"skill{j}" for j in range(k)], "k": k, "style": "agentic",
                    "status": "ok", "accepted": accepted, "reject_reason": reason, "provenance": prov,
                    "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": text}]})
    out.append({"id": "failed", "skills": ["a", "b"], "k": 2, "style": "agentic", "status": "failed",
                "accepted": None, "messages": [], "provenance": {}})
    return out


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_the_card_and_the_manifest_count_what_was_written(tmp_path):
    data = samples()
    out = tmp_path / "train.jsonl"
    result = export_samples(data, out, "openai", curriculum=None, manifest_path=tmp_path / "train.manifest.json",
                            settings={"tree_version": "abc123def456"})
    assert result.card_path == card_path(out) == tmp_path / "train.README.md" and result.card_path.exists()
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    accepted = [s for s in data if s["accepted"] is True and s["status"] == "ok"]
    # the manifest's review figures, by brute force over the samples
    assert manifest["reject_reasons"] == {"off-topic": 2, NO_REASON: 1}
    assert manifest["models"] == dict(Counter(
        "template" if s["provenance"]["backend"] == "template" else s["provenance"]["model"] for s in accepted))
    assert manifest["placeholders"] == 1 and manifest["card"] == "train.README.md"
    assert manifest["selection"]["left_out"] == {"rejected": 3, "unreviewed": 1, "failed": 1, "filtered": 0}
    assert manifest["selection"]["offered"] == len(data) and manifest["selection"]["exported"] == len(accepted)

    card = result.card_path.read_text(encoding="utf-8")
    assert card == card_text(manifest)
    html = rendered(card)
    per_k = Counter(s["k"] for s in accepted)
    for k, n in per_k.items():                                    # one table row per k, with its count
        assert f"<td style=\"text-align:right\">{k}</td>\n<td style=\"text-align:right\">{n}</td>" in html
    assert "off-topic" in card and f"| {md(NO_REASON)} | no reason given | 1 |" in card
    assert "abc123def456" in card and "1 sample(s) hold template placeholder text" in card
    assert "code › tests" in card and "the order they were made" in card
    assert "left out: 3 rejected, 1 not reviewed, 1 failed" in card
    # text from data shows as written: no image, link or bold type from it, no raw HTML
    assert "<img" not in html and "<a " not in html and "<strong>bold" not in html and "<strong>x" not in html
    assert "![i](http://127.0.0.1:9/leak.png) **bold** &lt;img src=x onerror=alert(1)&gt;" in html
    assert "rhetoric **x**" in html


def test_curriculum_note_and_epochs_on_the_card(tmp_path):
    data = [s for s in samples() if s["accepted"] is not False]
    result = export_samples(data, tmp_path / "t.jsonl", "sharegpt", include_all=True,
                            manifest_path=tmp_path / "t.manifest.json")
    manifest = result.manifest
    card = result.card_path.read_text(encoding="utf-8")
    epochs = manifest["counts"]["per_epoch"]
    assert epochs and "Curriculum:** ordered from fewer to more skills" in card
    assert ", ".join(f"epoch {e}: {n:,}" for e, n in epochs.items()) in card
    assert all(md(note) in card for note in manifest["notes"])
    assert "ok samples nobody rejected" in card and manifest["reject_reasons"] == {}


def test_the_card_is_guarded_like_the_data(tmp_path):
    """An existing card (an earlier export) is never replaced without force, and when it is refused nothing is
    written at all (the checks come before the first byte)."""
    out = tmp_path / "train.jsonl"
    card_path(out).write_text("my own notes\n", encoding="utf-8")
    with pytest.raises(InputError, match="already exists"):
        export_samples(samples(), out, "openai", manifest_path=tmp_path / "m.json")
    assert not out.exists() and not (tmp_path / "m.json").exists()
    assert card_path(out).read_text(encoding="utf-8") == "my own notes\n"
    result = export_samples(samples(), out, "openai", manifest_path=tmp_path / "m.json", force=True)
    assert result.card_path.read_text(encoding="utf-8").startswith("# Dataset card: train.jsonl")
    with pytest.raises(InputError, match="dataset card would overwrite the manifest"):
        export_samples(samples(), tmp_path / "x.jsonl", "openai", manifest_path=tmp_path / "x.README.md", force=True)


def test_manifest_review_counts_what_a_filter_left_out():
    data = samples()
    exported = [data[0]]                                       # as if a grade filter kept only one accepted sample
    review = manifest_review(data, exported, include_all=False)
    assert review["selection"]["left_out"] == {"rejected": 3, "unreviewed": 1, "failed": 1, "filtered": 4}
    assert review["models"] == {"model-a": 1} and review["placeholders"] == 0


def test_steps_export_writes_the_card(tmp_path):
    from click.testing import CliRunner

    from steps_core.cli import cli

    path = tmp_path / "samples.jsonl"
    write_samples(path, samples())
    r = CliRunner().invoke(cli, ["export", str(path), "--format", "alpaca", "-o", str(tmp_path / "o" / "a.jsonl")])
    assert r.exit_code == 0, r.output
    card = tmp_path / "o" / "a.README.md"
    assert f"dataset card:  {card}" in r.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert card.read_text(encoding="utf-8") == card_text(manifest)
    assert manifest["reject_reasons"] == {"off-topic": 2, NO_REASON: 1}
