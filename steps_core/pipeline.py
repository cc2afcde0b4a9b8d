"""The pipeline end to end, and the embedded demo data set.

The demo (``assets/demo/``: ``corpus.jsonl``, ``skills.csv``, ``topics.txt``) ships with the repository;
``STEPS_DEMO_DIR`` points elsewhere. :func:`run_demo` runs graph -> tree -> select -> a few template samples
into a folder, which is what ``steps demo`` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .corpus import iter_records, load_cooccurrence, read_catalog, read_topics
from .errors import StepsError
from .graph import write_graph_csv
from .select import select_combinations, write_combos
from .taxonomy import BuildSettings, build_taxonomy, weighted_graph
from .tree import EncodingTree, write_tree_json

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class DemoFiles:
    """Where the embedded demo data lives."""

    corpus: Path
    catalog: Path
    topics: Path


def demo_files() -> DemoFiles:
    """The demo data set: ``$STEPS_DEMO_DIR`` or ``assets/demo`` beside the package (an editable install)."""
    root = Path(os.environ.get("STEPS_DEMO_DIR") or Path(__file__).resolve().parents[1] / "assets" / "demo")
    files = DemoFiles(root / "corpus.jsonl", root / "skills.csv", root / "topics.txt")
    missing = [str(p) for p in (files.corpus, files.catalog, files.topics) if not p.exists()]
    if missing:
        raise StepsError(f"demo data not found ({', '.join(missing)}): install from a checkout with "
                         "`pip install -e .`, or set STEPS_DEMO_DIR")
    return files


DEMO_OUTPUTS = ("graph.csv", "graph.nodes.csv", "tree.json", "combos.jsonl", "samples.jsonl")


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` made: the files written (by name), the tree, the combinations and the samples."""

    written: dict[str, Path]
    tree: EncodingTree
    combos: list
    n_samples: int


def run_demo(out_dir: str | Path = "steps-demo", *, height: int = 3, k: int = 3, n_combos: int = 20,
             n_samples: int = 5, force: bool = False, progress: Progress | None = None) -> DemoResult:
    """Build the demo's graph, tree, combinations and a few template-backend samples into ``out_dir``.

    Refuses to replace existing files unless ``force``. ``progress(step, total)`` counts the five steps.
    """
    from .errors import InputError
    from .synth import SampleWriter, TemplateBackend, plan_jobs, synthesize

    files = demo_files()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("is not a folder; give a folder to write the demo's files into", path=str(out))
    existing = [name for name in DEMO_OUTPUTS if (out / name).exists()]
    if existing and not force:
        raise InputError(f"would replace {', '.join(existing)}; choose another folder or pass --force",
                         path=str(out))
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    def step(i: int) -> None:
        if progress is not None:
            progress(i, 5)

    settings = BuildSettings(height=height)
    graph = weighted_graph(load_cooccurrence(files.corpus), settings)
    edges, nodes = write_graph_csv(graph, out / "graph.csv")
    written.update(graph=edges, nodes=nodes)
    step(1)
    tree = build_taxonomy(graph, settings)
    written["tree"] = write_tree_json(tree, out / "tree.json")
    step(2)
    combos = select_combinations(tree, k=k, top=n_combos)
    written["combos"] = write_combos(out / "combos.jsonl", combos)
    step(3)
    catalog = read_catalog(files.catalog)
    topics = read_topics(files.topics)
    jobs = plan_jobs(combos[:n_samples], style="composite", catalog=catalog, records=iter_records(files.corpus),
                     topics=topics)
    step(4)
    samples_path = out / "samples.jsonl"
    if samples_path.exists():
        samples_path.unlink()
    made = 0
    with SampleWriter(samples_path) as writer:
        for sample in synthesize(jobs, TemplateBackend(), workers=1):
            writer.write(sample)
            made += 1
    written["samples"] = samples_path
    step(5)
    return DemoResult(written, tree, combos, made)
