"""The data a session works on: where it comes from (the demo, an upload, a path), its catalogue and topics,
and what is cached from reading it (co-occurrence counts, the support index)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steps_core.corpus import ReadReport, Skill, load_cooccurrence, read_catalog, read_topics
from steps_core.formats import EXTENSIONS, name_format
from steps_core.errors import InputError
from steps_core.pipeline import demo_files

from steps_core.graph import build_graph

from .state import cache_key, memo, memo_ready, progress_bar, setting, workspace, workspace_folder
from .text import shown_errors

#: Data files a user may upload as a corpus.
UPLOAD_TYPES = sorted({x.lstrip(".") for x in EXTENSIONS} | {"gz"})

# ------------------------------------------------------------------------------------------------ data source
@dataclass(frozen=True)
class DataSource:
    """Where the data comes from: ``kind`` (demo / upload / path), the corpus and the optional skill
    catalogue and topic list, and a name for people."""

    kind: str
    corpus: Path
    catalog: Path | None = None
    topics: Path | None = None
    name: str = ""

    def to_setting(self) -> dict:
        return {"kind": self.kind, "corpus": str(self.corpus), "catalog": str(self.catalog) if self.catalog else None,
                "topics": str(self.topics) if self.topics else None, "name": self.name}


def fingerprint(path: Path | None) -> list:
    """Size and modification time (ns) of a file, or of every file in a folder: what the caches key on."""
    if path is None:
        return []
    p = Path(path)
    try:
        if p.is_dir():
            return [[str(f.relative_to(p)), f.stat().st_size, f.stat().st_mtime_ns]
                    for f in sorted(p.rglob("*")) if f.is_file()]
        st_ = p.stat()
        return [st_.st_size, st_.st_mtime_ns]
    except OSError:
        return ["missing"]


def content_key(path: Path | None) -> str | None:
    """SHA-256 of a small file's bytes (a skill catalogue, a topic list), None without a file: caches keyed on
    it read a file edited in place again, whatever its size and modification time."""
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def demo_source() -> DataSource:
    files = demo_files()
    return DataSource("demo", files.corpus, files.catalog, files.topics, "embedded demo")


def current_source() -> DataSource:
    """The data source stored in the workspace (the demo when none was chosen yet)."""
    value = workspace().get_setting("source")
    if not isinstance(value, dict) or value.get("kind") not in ("upload", "path") or not value.get("corpus"):
        return demo_source()

    def opt(k: str) -> Path | None:
        return Path(value[k]) if value.get(k) else None

    return DataSource(value["kind"], Path(value["corpus"]), opt("catalog"), opt("topics"),
                      str(value.get("name") or Path(value["corpus"]).name))


def use_source(source: DataSource) -> None:
    """Make ``source`` the workspace's data source, after checking that its corpus reads (raises if not)."""
    for label, p in (("corpus", source.corpus), ("catalogue", source.catalog), ("topic list", source.topics)):
        if p is not None and not Path(p).exists():
            raise InputError(f"{label} not found", path=str(p))
    counts = cooccurrence(source, skip_bad())    # raises InputError naming file, line and field
    build_graph(counts.cooc)                     # e.g. "the corpus has no records", "the skill graph has no edges"
    if source.catalog is not None:
        catalog(source)
    if source.topics is not None:
        topics(source)
    workspace().set_setting("source", source.to_setting())


def save_upload(data: bytes, filename: str) -> Path:
    """Keep uploaded bytes under the workspace folder (``uploads/<sha256 prefix>.<ext>``); returns the path.

    The same content always lands in the same file, so uploading it again costs nothing.
    """


    suffixes = [x.lower() for x in Path(filename).suffixes[-2:]]
    ext = "".join(suffixes) if suffixes[-1:] == [".gz"] else Path(filename).suffix.lower()
    if name_format(filename) is None and ext not in (".txt", ".csv"):
        raise InputError(f"unsupported file type {ext or '(none)'}; use JSONL, JSON, CSV, TSV or Parquet "
                         "(JSONL, JSON, CSV and TSV may be gzipped: .jsonl.gz)", path=filename)
    digest = hashlib.sha256(data).hexdigest()[:20]
    folder = workspace_folder() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{ext}"
    if not path.exists():
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


@dataclass(frozen=True)
class Counts:
    """Co-occurrence counts of a corpus and what reading it saw."""

    cooc: Any
    report: str
    n_skipped: int


def skip_bad() -> bool:
    """The reading setting: skip bad records (and report them) instead of stopping at the first."""
    return setting("skip_bad", False) is True


def corpus_key(source: DataSource, skip_bad: bool = False) -> str:
    """The key of what is cached from reading the corpus (counts, support index)."""
    return cache_key(str(source.corpus), fingerprint(source.corpus), skip_bad)


def read_report(source: DataSource, skip_bad: bool) -> str | None:
    """What reading the corpus saw (records, skipped bad ones), if it was read in this server's life."""
    key = corpus_key(source, skip_bad)
    if not memo_ready("cooc", key):
        return None
    try:
        return memo("cooc", key, lambda: None).report
    except InputError:
        return None


def cooccurrence(source: DataSource, skip_bad: bool = False) -> Counts:
    """Skill and pair counts of the source's corpus (cached by path, size, mtime and ``skip_bad``)."""
    key = corpus_key(source, skip_bad)

    def compute() -> Counts:
        report = ReadReport()
        bar, update = progress_bar("Reading the corpus (records)")
        try:
            cooc = load_cooccurrence(source.corpus, skip_bad=skip_bad, report=report, progress=update)
        finally:
            bar.empty()
        return Counts(cooc, report.summary(), report.n_skipped)

    return memo("cooc", key, compute)


def support_index(source: DataSource, skip_bad: bool = False):
    """The corpus's inverted index skill -> records (:class:`steps_core.novelty.SupportIndex`), cached like
    the counts: how many records are tagged with every skill of a combination."""
    from steps_core.corpus import iter_skill_lists
    from steps_core.novelty import SupportIndex

    def compute():
        bar, update = progress_bar("Indexing the corpus (records)")
        try:
            return SupportIndex.from_skill_lists(iter_skill_lists(source.corpus, skip_bad=skip_bad, progress=update))
        finally:
            bar.empty()

    return memo("support", corpus_key(source, skip_bad), compute)


def novelty_of(combos, source: DataSource, skip_bad: bool = False) -> list:
    """:func:`steps_core.novelty.novelty` of every combination (support and smallest pair count)."""
    from steps_core.novelty import novelty

    index = support_index(source, skip_bad)
    cooc = cooccurrence(source, skip_bad).cooc
    return [novelty(c.skills, index=index, cooc=cooc) for c in combos]


def record_index(source: DataSource, skip_bad: bool = False):
    """Where each record of the corpus is (:class:`steps_core.record_index.RecordIndex`), cached like the counts:
    read once (0.4 s on Ask Ubuntu), then a few records cost milliseconds wherever they are."""
    from steps_core.record_index import RecordIndex

    def compute():
        bar, update = progress_bar("Indexing the corpus's records")
        try:
            return RecordIndex.build(source.corpus, skip_bad=skip_bad, progress=update)
        finally:
            bar.empty()

    return memo("records", corpus_key(source, skip_bad), compute)


def example_records(source: DataSource, positions: tuple[int, ...]) -> list:
    """The corpus records at ``positions`` (numbered as the support index numbers them), cached: what
    :func:`steps_core.corpus.records_at` gives, read through the record index instead of the corpus."""
    flag = skip_bad()
    return memo("examples", cache_key(corpus_key(source, flag), positions),
                lambda: record_index(source, flag).records_at(positions))


def accepted_skill_lists() -> list[list[str]]:
    """The skills of every accepted sample in the workspace: what the curated data covers."""
    return [list(s["skills"]) for s in workspace().samples(accepted=True, with_provenance=False)]


def catalog(source: DataSource) -> tuple[Skill, ...]:
    """The source's skill catalogue (empty without one)."""
    if source.catalog is None:
        return ()
    return memo("catalog", cache_key(str(source.catalog), content_key(source.catalog)),
                lambda: read_catalog(source.catalog))


def topics(source: DataSource) -> tuple[str, ...]:
    """The source's topic list (empty without one)."""
    if source.topics is None:
        return ()
    return memo("topics", cache_key(str(source.topics), content_key(source.topics)),
                lambda: read_topics(source.topics))


def catalog_by_name(source: DataSource) -> dict[str, Skill]:
    """The catalogue as a dict by skill name (empty on a bad or missing catalogue, with the error shown)."""
    with shown_errors("Skill catalogue: "):
        return {s.name: s for s in catalog(source)}
    return {}


