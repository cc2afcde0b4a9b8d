"""The dataset card: a Markdown file written beside every export (``<name>.README.md``) that says, for a person,
what the data file holds and how it was made: counts per number of skills k, per community and per style, the
models that wrote the samples (and how many are template placeholders), the taxonomy's version, which samples
were chosen and which left out, why samples were rejected in review, and the curriculum order.

Everything on the card comes from the export's manifest (:func:`card_text`), whose review figures
:func:`manifest_review` counts; :func:`steps_core.export.export_samples` writes both. Text from the data (skill
names, community labels, model names, file names, reasons) is escaped: it shows exactly as written and never
turns into links, images or formatting.

>>> print(card_text({"format": "openai", "output": {"path": "t.jsonl", "rows": 1}, "counts": {"total": 1,
...     "per_k": {"2": 1}, "per_community": {}, "per_style": {}, "per_epoch": None}}).splitlines()[0])
# Dataset card: t.jsonl
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .io import guarded_output
from .review import NO_REASON, REJECT_REASONS, is_placeholder, reason_counts

#: What the card file is called beside a data file ``<name>.<ext>``: ``<name>`` + this.
CARD_SUFFIX = ".README.md"

#: Characters that can start formatting, a link, an image, HTML, an entity, a table cell or an autolink inline.
#: Data never starts a line on the card, so the characters that matter only there (``#``, ``-``, ``+``, ``1.``)
#: need no escape, and names stay readable in the raw file.
_MD_SPECIAL = set("\\`*_[]<>|~&:")


def md(text: Any) -> str:
    """``text`` safe inside a line of Markdown (and in a table cell): characters that could format, link or
    embed backslash-escaped, line breaks as spaces.

    >>> print(md("a_b | ![x](http://y) gpt-4o.mini"))
    a\\_b \\| !\\[x\\](http\\://y) gpt-4o.mini
    """
    flat = " ".join(str(text).split())
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in flat)


def card_path(data_file: str | Path) -> Path:
    """The card's path beside ``data_file``: ``train.jsonl`` -> ``train.README.md``."""
    data_file = Path(data_file)
    return data_file.with_name(data_file.stem + CARD_SUFFIX)


def _model_of(sample: Mapping) -> str:
    prov = sample.get("provenance") or {}
    if prov.get("backend") == "template" or is_placeholder(sample):
        return "template"
    return str(prov.get("model") or "unknown")


def manifest_review(samples: Sequence[Mapping], exported: Sequence[Mapping], *, include_all: bool) -> dict:
    """The review figures an export's manifest records: ``models`` (exported samples per model that wrote them;
    ``template`` for the offline backend), ``placeholders`` (exported samples holding template text),
    ``reject_reasons`` (rejected samples per reason among all ``samples`` offered) and ``selection`` (how many
    were offered, and left out as rejected, unreviewed, failed, or by another filter such as a least grade)."""
    exported_ids = {s.get("id") for s in exported}
    left = Counter()
    for s in samples:
        if s.get("id") in exported_ids:
            continue
        if s.get("status") != "ok":
            left["failed"] += 1
        elif s.get("accepted") is False:
            left["rejected"] += 1
        elif s.get("accepted") is None and not include_all:
            left["unreviewed"] += 1
        else:
            left["filtered"] += 1
    models = Counter(_model_of(s) for s in exported)
    return {
        "models": dict(sorted(models.items(), key=lambda kv: (-kv[1], kv[0]))),
        "placeholders": sum(1 for s in exported if is_placeholder(s)),
        "reject_reasons": reason_counts(samples),
        "selection": {"offered": len(samples), "exported": len(exported_ids),
                      "rule": "ok samples nobody rejected" if include_all else "ok samples a person accepted",
                      "left_out": {k: left.get(k, 0) for k in ("rejected", "unreviewed", "failed", "filtered")}},
    }


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], align: str) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


def _n(n: Any) -> str:
    return f"{n:,}" if isinstance(n, int) else md(n)


def card_text(manifest: Mapping[str, Any]) -> str:
    """The dataset card of an export, as Markdown, from its manifest (see the module docstring)."""
    out = manifest.get("output") or {}
    counts = manifest.get("counts") or {}
    settings = manifest.get("settings") or {}
    taxonomy = manifest.get("taxonomy") or {}
    name = md(out.get("path") or "the data file")
    lines = [f"# Dataset card: {name}", ""]
    lines.append(f"**{_n(counts.get('total', out.get('rows', 0)))} samples** in the **{md(manifest.get('format'))}** "
                 f"format ({name}" + (f", {out['bytes']:,} bytes" if isinstance(out.get("bytes"), int) else "")
                 + (f", SHA-256 `{md(out['sha256'])}`" if out.get("sha256") else "") + ")"
                 + (f", exported {manifest['created_at']}" if manifest.get("created_at") else "")
                 + (f" by {md(manifest.get('tool'))} {md(manifest.get('version'))}" if manifest.get("tool") else "")
                 + ". The manifest beside it lists every sample id and the hashes of the files it came from.")
    lines.append("")
    lines += ["## What it holds", "", "### Per number of skills k", ""]
    lines += _table(["k (skills per sample)", "samples"], [(md(k), _n(n)) for k, n in
                                                          (counts.get("per_k") or {}).items()], "rr")
    communities = taxonomy.get("communities") or {}
    if counts.get("per_community"):
        lines += ["### Per community (where a combination's skills meet in the taxonomy)", ""]
        rows = sorted((counts["per_community"]).items(), key=lambda kv: (-kv[1], kv[0]))
        lines += _table(["community", "labels", "samples"],
                        [(md(c if c != "root" else "— (across top-level communities)"), md(communities.get(c, "")),
                          _n(n)) for c, n in rows], "llr")
    if counts.get("per_style"):
        lines += ["### Per prompt style", ""]
        lines += _table(["style", "samples"], [(md(s), _n(n)) for s, n in counts["per_style"].items()], "lr")

    lines += ["## How it was made", ""]
    models = manifest.get("models") or {}
    if models:
        lines.append("- **Written by:** " + ", ".join(
            (f"the offline template backend ({_n(n)}: placeholder text, not model output)" if m == "template"
             else f"{md(m)} ({_n(n)})") for m, n in models.items()) + ".")
    versions = [v for v in [settings.get("tree_version"), *(settings.get("tree_versions") or [])] if v]
    chosen_in = taxonomy.get("tree_versions") or []
    lines.append("- **Taxonomy version:** " + (", ".join(md(v) for v in dict.fromkeys(versions)) or "not recorded")
                 + (f" (the combinations were chosen in: {', '.join(md(v) for v in chosen_in)})" if chosen_in else "")
                 + ".")
    selection = manifest.get("selection") or {}
    rule = selection.get("rule") or ("ok samples nobody rejected" if settings.get("include_all")
                                     else "ok samples a person accepted")
    left = selection.get("left_out") or {}
    if settings.get("min_grade"):
        rule = f"{rule}, graded at least {settings['min_grade']}"
    lines.append(f"- **Filters:** {md(rule)}"
                 + (f"; left out: {_n(left.get('rejected', 0))} rejected, {_n(left.get('unreviewed', 0))} not "
                    f"reviewed, {_n(left.get('failed', 0))} failed"
                    + (f", {_n(left['filtered'])} by the grade or another filter" if left.get("filtered") else "")
                    if left else "") + ".")
    source = settings.get("source")
    if isinstance(source, Mapping) and source.get("name"):
        lines.append(f"- **Data source:** {md(source['name'])}.")
    curriculum = settings.get("curriculum")
    per_epoch = counts.get("per_epoch")
    if curriculum:
        lines.append(f"- **Curriculum:** ordered from fewer to more skills per sample over "
                     f"{len(curriculum.get('epochs') or [])} epochs"
                     + (" (" + ", ".join(f"epoch {md(e)}: {_n(n)}" for e, n in per_epoch.items()) + ")"
                        if per_epoch else "")
                     + f", seed {md(settings.get('seed', 0))}: train on the file in order, so that each sample is "
                       "seen after simpler ones.")
    else:
        lines.append("- **Curriculum:** none; the samples are in the order they were made.")
    lines += [f"- Note: {md(note)}" for note in manifest.get("notes") or []]
    lines.append("")

    reasons = manifest.get("reject_reasons") or {}
    lines += ["## Rejected in review", ""]
    if reasons:
        lines += _table(["reason", "what it means", "samples"],
                        [(md(r), md(REJECT_REASONS.get(r, "no reason given" if r == NO_REASON else "")), _n(n))
                         for r, n in reasons.items()], "llr")
    else:
        lines += ["None.", ""]
    placeholders = manifest.get("placeholders") or 0
    if placeholders:
        lines += ["## Warning", "",
                  f"{_n(placeholders)} sample(s) hold template placeholder text (\"[template sample — not model "
                  "output]\"): they show the pipeline, not training data. Leave them out before training.", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_card(path: str | Path, manifest: Mapping[str, Any], *, inputs: Sequence[str | Path] = (),
               replace: bool = False) -> Path:
    """Write the card of ``manifest`` to ``path`` (atomically, through :func:`steps_core.io.guarded_output`:
    never over one of ``inputs``, a database or a special file, nor, unless ``replace``, an existing file)."""
    text = card_text(manifest)
    with guarded_output(path, inputs=list(inputs), replace=replace) as fh:
        fh.write(text)
    return Path(path)


__all__ = ["CARD_SUFFIX", "md", "card_path", "manifest_review", "card_text", "write_card"]
