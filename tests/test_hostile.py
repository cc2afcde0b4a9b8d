"""Hostile input, table-driven (issue 11): every command run the way a user would, with bad files, paths and
values. Each case must end with exit code 2 (bad input or refused output) or 1 (a fault of the environment)
and a one-line message naming the file, line, field or option: never a traceback. Inputs are never touched.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner

from fake_openai import write_inputs
from steps_core.cli import cli


class Files:
    """The inputs of a case, made on first use inside the case's own folder."""

    def __init__(self, root: Path):
        self.root = root
        self.inp = write_inputs(root / "in")

    def __getattr__(self, name):             # catalog, corpus, combos, topics
        return self.inp[name]

    def write(self, name: str, text: str | bytes) -> Path:
        p = self.root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        (p.write_bytes if isinstance(text, bytes) else p.write_text)(text)
        return p

    def lines(self, name: str, *objects) -> Path:
        return self.write(name, "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objects))

    @cached_property
    def samples(self) -> Path:
        out = self.root / "samples.jsonl"
        r = CliRunner().invoke(cli, ["synth", str(self.combos), "--corpus", str(self.corpus), "--catalog",
                                     str(self.catalog), "--backend", "template", "-o", str(out)])
        assert r.exit_code == 0, r.output
        return out

    def sample_lines(self, edit: Callable[[dict], None], name: str = "bad.jsonl") -> Path:
        """The samples with ``edit`` applied to the second one."""
        rows = [json.loads(x) for x in self.samples.read_text().splitlines()]
        for r in rows:
            r["accepted"] = True
        edit(rows[1])
        return self.write(name, "".join(json.dumps(r) + "\n" for r in rows))

    @cached_property
    def workspace(self) -> Path:
        from steps_core.synth import read_samples
        from steps_core.workspace import Workspace

        path = self.root / "ws.sqlite"
        with Workspace(path) as ws:
            ws.add_samples([dict(s, accepted=True) for s in read_samples(self.samples)])
        return path

    @cached_property
    def fifo(self) -> Path:
        p = self.root / "fifo"
        os.mkfifo(p)
        return p

    @cached_property
    def sqlite(self) -> Path:
        p = self.root / "other.sqlite"
        with sqlite3.connect(p) as db:
            db.execute("CREATE TABLE notes(x)")
        return p

    @cached_property
    def graph(self) -> Path:
        from cli_helpers import bundled_records, write_corpus

        corpus = write_corpus(self.root / "big.jsonl", bundled_records(200))
        out = self.root / "graph.csv"
        r = CliRunner().invoke(cli, ["graph", corpus, "-o", str(out)])
        assert r.exit_code == 0, r.output
        return out

    @cached_property
    def tree(self) -> Path:
        out = self.root / "tree.json"
        r = CliRunner().invoke(cli, ["tree", str(self.graph), "--height", "2", "-o", str(out)])
        assert r.exit_code == 0, r.output
        return out

    @cached_property
    def closed_port(self) -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


@dataclass(frozen=True)
class Case:
    id: str
    argv: Callable[[Files], list]
    needle: Callable[[Files], str]          # must appear in the message (a file, line, field or option)
    codes: tuple[int, ...] = (2,)


def _nan_gain(f):
    return f.lines("c.jsonl", '{"skills": ["metaphor", "irony"], "gain": NaN}')


def synth(f, *extra, combos=None):
    return ["synth", combos or f.combos, "--corpus", f.corpus, "--catalog", f.catalog, "--backend", "template",
            "-o", f.root / "s.jsonl", *extra]


def synth_openai(f, *extra):
    return ["synth", f.combos, "--corpus", f.corpus, "--model", "m", "--cache", f.root / "cache.sqlite",
            "-o", f.root / "s.jsonl", "--max-retries", "0", *extra]


def grade(f, samples=None, *extra):
    return ["grade", samples or f.samples, "--judge-model", "j", "--cache", f.root / "cache.sqlite",
            "--base-url", f"http://127.0.0.1:{f.closed_port}/v1", *extra]


def eval_(f, *extra):
    return ["eval", "--catalog", f.catalog, "--topics", f.topics, "--student-model", "s", "--judge-model", "j",
            "--cache", f.root / "cache.sqlite", "-o", f.root / "ev.jsonl", *extra]


def export(f, *extra, samples=None):
    return ["export", samples or f.samples, "--all", "--format", "openai", *extra]


def out(f, name="e/train.jsonl"):
    return ["-o", f.root / name]


def curriculum(f, text):
    return export(f, *out(f), "--curriculum", f.write("cur.json", text))


CASES = [
    # ---- synth: combinations file
    Case("synth-combos-missing", lambda f: synth(f, combos=f.root / "nope.jsonl"), lambda f: "nope.jsonl"),
    Case("synth-combos-not-utf8", lambda f: synth(f, combos=f.write("c.jsonl", b'{"skills": ["\xff"]}\n')),
         lambda f: "c.jsonl:1"),
    Case("synth-combos-bad-json", lambda f: synth(f, combos=f.lines("c.jsonl", {"skills": ["a", "b"]}, "{oops")),
         lambda f: "c.jsonl:2"),
    Case("synth-combos-list-line", lambda f: synth(f, combos=f.lines("c.jsonl", [1, 2])), lambda f: "c.jsonl:1"),
    Case("synth-combos-skills-string", lambda f: synth(f, combos=f.lines("c.jsonl", {"skills": "a, b"})),
         lambda f: "skills"),
    Case("synth-combos-skills-empty", lambda f: synth(f, combos=f.lines("c.jsonl", {"skills": []})),
         lambda f: "skills"),
    Case("synth-combos-no-skills", lambda f: synth(f, combos=f.lines("c.jsonl", {"gain": 1})), lambda f: "skills"),
    Case("synth-combos-surrogate", lambda f: synth(f, combos=f.write("c.jsonl", '{"skills": ["a", "\\ud800"]}\n')),
         lambda f: "c.jsonl:1: field 'skills'"),
    Case("synth-combos-nan-gain", lambda f: synth(f, combos=_nan_gain(f)), lambda f: "c.jsonl:1: field 'gain'"),
    Case("synth-combos-inf-gain",
         lambda f: synth(f, combos=f.write("c.jsonl", '{"skills": ["a", "b"], "gain": 1e999}\n')),
         lambda f: "field 'gain'"),
    Case("synth-combos-k-text", lambda f: synth(f, combos=f.lines("c.jsonl", {"skills": ["a", "b"], "k": "2"})),
         lambda f: "field 'k'"),
    Case("synth-combos-gain-text", lambda f: synth(f, combos=f.lines("c.jsonl", {"skills": ["a", "b"], "gain": "hi"})),
         lambda f: "field 'gain'"),
    Case("synth-combos-folder", lambda f: synth(f, combos=f.root), lambda f: "COMBOS"),
    # ---- synth: other inputs
    Case("synth-corpus-missing", lambda f: ["synth", f.combos, "--corpus", f.root / "no.jsonl", "--backend",
                                            "template", "-o", f.root / "s.jsonl"], lambda f: "no.jsonl"),
    Case("synth-composite-without-corpus", lambda f: ["synth", f.combos, "--backend", "template", "-o",
                                                      f.root / "s.jsonl"], lambda f: "corpus"),
    Case("synth-skillmix-without-topics", lambda f: ["synth", f.combos, "--style", "skillmix", "--backend",
                                                     "template", "-o", f.root / "s.jsonl"], lambda f: "topics"),
    Case("synth-topics-missing", lambda f: ["synth", f.combos, "--style", "skillmix", "--topics", f.root / "t.txt",
                                            "--backend", "template", "-o", f.root / "s.jsonl"], lambda f: "t.txt"),
    Case("synth-catalog-missing", lambda f: ["synth", f.combos, "--corpus", f.corpus, "--catalog", f.root / "k.csv",
                                             "--backend", "template", "-o", f.root / "s.jsonl"], lambda f: "k.csv"),
    Case("synth-catalog-no-skill-column", lambda f: ["synth", f.combos, "--corpus", f.corpus, "--catalog",
                                                     f.write("k.csv", "name,definition\nx,y\n"), "--backend",
                                                     "template", "-o", f.root / "s.jsonl"], lambda f: "k.csv"),
    Case("synth-template-missing", lambda f: synth(f, "--template", f.root / "t.txt"), lambda f: "t.txt"),
    Case("synth-template-placeholder", lambda f: synth(f, "--template", f.write("t.txt", "=== user ===\nHi $nope\n")),
         lambda f: "t.txt:1"),
    Case("synth-template-text-first", lambda f: synth(f, "--template", f.write("t.txt", "hello\n=== user ===\nx\n")),
         lambda f: "t.txt:1"),
    Case("synth-template-no-user", lambda f: synth(f, "--template", f.write("t.txt", "=== system ===\nx\n")),
         lambda f: "t.txt"),
    Case("synth-template-not-utf8", lambda f: synth(f, "--template", f.write("t.txt", b"=== user ===\n\xff\n")),
         lambda f: "t.txt"),
    Case("synth-template-bad-dollar", lambda f: synth(f, "--template", f.write("t.txt", "=== user ===\ncost $5\n")),
         lambda f: "t.txt"),
    Case("synth-openai-without-model", lambda f: ["synth", f.combos, "--corpus", f.corpus, "-o", f.root / "s.jsonl"],
         lambda f: "--model"),
    Case("synth-temperature-nan", lambda f: synth(f, "--temperature", "nan"), lambda f: "--temperature"),
    Case("synth-temperature-inf", lambda f: synth(f, "--temperature", "inf"), lambda f: "--temperature"),
    Case("synth-temperature-negative", lambda f: synth(f, "--temperature", "-1"), lambda f: "--temperature"),
    Case("synth-timeout-zero", lambda f: synth(f, "--timeout", "0"), lambda f: "--timeout"),
    Case("synth-timeout-nan", lambda f: synth(f, "--timeout", "nan"), lambda f: "--timeout"),
    Case("synth-backoff-inf", lambda f: synth(f, "--backoff", "inf"), lambda f: "--backoff"),
    Case("synth-workers-zero", lambda f: synth(f, "--workers", "0"), lambda f: "--workers"),
    Case("synth-samples-per-combo-zero", lambda f: synth(f, "--samples-per-combo", "0"),
         lambda f: "--samples-per-combo"),
    Case("synth-max-tokens-zero", lambda f: synth(f, "--max-tokens", "0"), lambda f: "--max-tokens"),
    Case("synth-price-nan", lambda f: synth_openai(f, "--price-input", "nan", "--price-output", "1"),
         lambda f: "--price-input"),
    Case("synth-price-one-side", lambda f: synth_openai(f, "--price-input", "1"), lambda f: "price-input"),
    Case("synth-prices-missing", lambda f: synth_openai(f, "--prices", f.root / "p.json"), lambda f: "p.json"),
    Case("synth-prices-bad-json", lambda f: synth_openai(f, "--prices", f.write("p.json", "{")), lambda f: "p.json:1"),
    Case("synth-prices-infinity",
         lambda f: synth_openai(f, "--prices", f.write("p.json", '{"m": {"input": Infinity, "output": 1}}')),
         lambda f: "p.json"),
    Case("synth-prices-not-object", lambda f: synth_openai(f, "--prices", f.write("p.json", "[1]")),
         lambda f: "p.json"),
    # ---- synth: outputs
    Case("synth-out-is-combos", lambda f: synth(f, "-o", f.combos), lambda f: "overwrite the input"),
    Case("synth-out-is-corpus-hardlink", lambda f: (os.link(f.corpus, f.root / "h.jsonl"),
                                                    synth(f, "-o", f.root / "h.jsonl"))[1],
         lambda f: "overwrite the input"),
    Case("synth-out-links-to-catalog", lambda f: ((f.root / "l.jsonl").symlink_to(f.catalog),
                                                  synth(f, "-o", f.root / "l.jsonl"))[1],
         lambda f: "overwrite the input"),
    Case("synth-out-folder", lambda f: synth(f, "-o", f.root / "in"), lambda f: "in"),
    Case("synth-out-fifo", lambda f: synth(f, "-o", f.fifo), lambda f: "named pipe"),
    Case("synth-out-sqlite", lambda f: synth(f, "-o", f.sqlite), lambda f: "SQLite database"),
    Case("synth-out-under-a-file", lambda f: synth(f, "-o", f.combos / "s.jsonl"), lambda f: "s.jsonl"),
    Case("synth-out-bad-json-line", lambda f: synth(f, "-o", f.lines("s2.jsonl", {"id": "x", "status": "ok"}, "{bad")),
         lambda f: "s2.jsonl"),
    Case("synth-out-surrogate-line", lambda f: synth(f, "-o", f.sample_lines(
        lambda s: s["messages"][0].update(content="\ud800"), "s3.jsonl")), lambda f: "s3.jsonl:2"),
    Case("synth-log-is-combos", lambda f: synth(f, "--log", f.combos), lambda f: "overwrite the input"),
    Case("synth-cache-not-sqlite", lambda f: synth_openai(f, "--cache", f.combos, "--base-url", "http://127.0.0.1:9/v1"),
         lambda f: "combos.jsonl"),
    Case("synth-cache-folder", lambda f: synth_openai(f, "--cache", f.root, "--base-url", "http://127.0.0.1:9/v1"),
         lambda f: "--cache"),
    Case("synth-server-down", lambda f: synth_openai(f, "--base-url", f"http://127.0.0.1:{f.closed_port}/v1",
                                                     "--workers", "1"), lambda f: "did not answer", (1,)),
    # ---- grade
    Case("grade-samples-missing", lambda f: grade(f, f.root / "nope.jsonl"), lambda f: "nope.jsonl"),
    Case("grade-samples-bad-json", lambda f: grade(f, f.lines("g.jsonl", "{x")), lambda f: "g.jsonl:1"),
    Case("grade-samples-not-utf8", lambda f: grade(f, f.write("g.jsonl", b'{"id": "\xfe"}\n')), lambda f: "g.jsonl:1"),
    Case("grade-samples-no-id", lambda f: grade(f, f.lines("g.jsonl", {"status": "ok"})), lambda f: "field 'id'"),
    Case("grade-samples-bad-status", lambda f: grade(f, f.sample_lines(lambda s: s.update(status="done"))),
         lambda f: "bad.jsonl:2: field 'status'"),
    Case("grade-samples-k-mismatch", lambda f: grade(f, f.sample_lines(lambda s: s.update(k=9))),
         lambda f: "bad.jsonl:2: field 'k'"),
    Case("grade-samples-messages-string", lambda f: grade(f, f.sample_lines(lambda s: s.update(messages="hi"))),
         lambda f: "bad.jsonl:2: field 'messages'"),
    Case("grade-samples-ok-without-answer", lambda f: grade(f, f.sample_lines(lambda s: s.update(messages=[]))),
         lambda f: "bad.jsonl:2: field 'messages'"),
    Case("grade-samples-bad-role", lambda f: grade(f, f.sample_lines(lambda s: s["messages"][0].update(role="bot"))),
         lambda f: "bad.jsonl:2: field 'messages'"),
    Case("grade-samples-nan", lambda f: grade(f, f.write("g.jsonl", f.sample_lines(lambda s: s["provenance"].update(
        seed=12345.5)).read_text().replace("12345.5", "NaN"))), lambda f: "g.jsonl:2: field 'provenance.seed'"),
    Case("grade-samples-surrogate",
         lambda f: grade(f, f.sample_lines(lambda s: s["messages"][1].update(content="\udfff"))),
         lambda f: "bad.jsonl:2: field 'messages[1].content'"),
    Case("grade-samples-accepted-text", lambda f: grade(f, f.sample_lines(lambda s: s.update(accepted="yes"))),
         lambda f: "field 'accepted'"),
    Case("grade-out-is-samples", lambda f: grade(f, None, "-o", f.samples), lambda f: "overwrite the input"),
    Case("grade-report-is-samples", lambda f: grade(f, None, "--report", f.samples), lambda f: "overwrite the input"),
    Case("grade-report-is-output", lambda f: grade(f, None, "-o", f.root / "g.jsonl", "--report", f.root / "g.jsonl"),
         lambda f: "overwrite the input"),
    Case("grade-report-fifo", lambda f: grade(f, None, "--report", f.fifo), lambda f: "named pipe"),
    Case("grade-out-sqlite", lambda f: grade(f, None, "-o", f.sqlite), lambda f: "SQLite database"),
    Case("grade-judge-template-missing", lambda f: grade(f, None, "--judge-template", f.root / "j.txt"),
         lambda f: "j.txt"),
    Case("grade-judge-template-no-user",
         lambda f: grade(f, None, "--judge-template", f.write("j.txt", "=== system ===\n")),
         lambda f: "j.txt"),
    Case("grade-judge-template-placeholder", lambda f: grade(f, None, "--judge-template",
                                                             f.write("j.txt", "=== user ===\n$seed_examples\n")),
         lambda f: "j.txt:1"),
    Case("grade-rounds-zero", lambda f: grade(f, None, "--rounds", "0"), lambda f: "--rounds"),
    Case("grade-judge-temperature-nan", lambda f: grade(f, None, "--judge-temperature", "nan"),
         lambda f: "--judge-temperature"),
    Case("grade-catalog-missing", lambda f: grade(f, None, "--catalog", f.root / "k.csv"), lambda f: "k.csv"),
    Case("grade-server-down", lambda f: grade(f, None, "--max-retries", "0", "--workers", "1"),
         lambda f: "did not answer", (1,)),
    # ---- eval
    Case("eval-catalog-missing", lambda f: ["eval", "--catalog", f.root / "k.csv", "--topics", f.topics,
                                            "--student-model", "s", "--judge-model", "j"], lambda f: "k.csv"),
    Case("eval-topics-missing", lambda f: ["eval", "--catalog", f.catalog, "--topics", f.root / "t.txt",
                                           "--student-model", "s", "--judge-model", "j"], lambda f: "t.txt"),
    Case("eval-k-text", lambda f: eval_(f, "--k", "2,x"), lambda f: "field 'k'"),
    Case("eval-k-zero", lambda f: eval_(f, "--k", "0"), lambda f: "field 'k'"),
    Case("eval-k-too-big", lambda f: eval_(f, "--k", "50"), lambda f: "field 'k'"),
    Case("eval-heldout-nan", lambda f: eval_(f, "--heldout-fraction", "nan"), lambda f: "--heldout-fraction"),
    Case("eval-heldout-above-one", lambda f: eval_(f, "--heldout-fraction", "2"), lambda f: "--heldout-fraction"),
    Case("eval-draws-zero", lambda f: eval_(f, "--draws", "0"), lambda f: "--draws"),
    Case("eval-generations-zero", lambda f: eval_(f, "--generations", "0"), lambda f: "--generations"),
    Case("eval-out-is-catalog", lambda f: eval_(f, "-o", f.catalog), lambda f: "overwrite the input"),
    Case("eval-report-folder", lambda f: eval_(f, "--report", f.root / "in"), lambda f: "--report"),
    Case("eval-report-is-topics", lambda f: eval_(f, "--report", f.topics), lambda f: "overwrite the input"),
    Case("eval-template-bad", lambda f: eval_(f, "--template", f.write("t.txt", "=== user ===\n$zzz\n")),
         lambda f: "t.txt"),
    Case("eval-topics-empty", lambda f: ["eval", "--catalog", f.catalog, "--topics", f.write("t.txt", "\n"),
                                         "--student-model", "s", "--judge-model", "j", "-o", f.root / "ev.jsonl"],
         lambda f: "t.txt"),
    # ---- export: sources
    Case("export-no-source", lambda f: ["export", "--format", "openai", *out(f)], lambda f: "--workspace"),
    Case("export-both-sources", lambda f: ["export", f.samples, "--workspace", f.workspace, "--format", "openai",
                                           *out(f)], lambda f: "--workspace"),
    Case("export-samples-missing", lambda f: export(f, *out(f), samples=f.root / "nope.jsonl"), lambda f: "nope.jsonl"),
    Case("export-samples-not-utf8", lambda f: export(f, *out(f), samples=f.write("x.jsonl", b"\xff\xfe\n")),
         lambda f: "x.jsonl:1"),
    Case("export-samples-surrogate", lambda f: export(f, *out(f), samples=f.sample_lines(
        lambda s: s["messages"][0].update(content="a\ud83d"))), lambda f: "bad.jsonl:2: field 'messages[0].content'"),
    Case("export-samples-nan-gain", lambda f: export(f, *out(f), samples=f.write("n.jsonl", f.sample_lines(
        lambda s: s["provenance"]["combination"].update(gain=2.5)).read_text().replace("2.5", "Infinity"))),
         lambda f: "n.jsonl:2: field 'provenance.combination.gain'"),
    Case("export-samples-skills-numbers", lambda f: export(f, *out(f), samples=f.sample_lines(
        lambda s: s.update(skills=[1, 2]))), lambda f: "field 'skills'"),
    Case("export-nothing-accepted", lambda f: ["export", f.samples, "--format", "openai", *out(f)],
         lambda f: "--all"),
    Case("export-format-bogus", lambda f: ["export", f.samples, "--format", "csv", *out(f)], lambda f: "--format"),
    Case("export-workspace-missing", lambda f: ["export", "--workspace", f.root / "no.sqlite", "--format", "openai",
                                                *out(f)], lambda f: "no.sqlite"),
    Case("export-workspace-text-file", lambda f: ["export", "--workspace", f.combos, "--format", "openai", *out(f)],
         lambda f: "combos.jsonl"),
    Case("export-workspace-other-db", lambda f: ["export", "--workspace", f.sqlite, "--format", "openai", *out(f)],
         lambda f: "other.sqlite"),
    Case("export-workspace-folder", lambda f: ["export", "--workspace", f.root / "in", "--format", "openai", *out(f)],
         lambda f: "in"),
    Case("export-workspace-damaged", lambda f: ["export", "--workspace", _damage(f.workspace), "--format", "openai",
                                                *out(f)], lambda f: "damaged"),
    Case("export-workspace-fifo", lambda f: ["export", "--workspace", f.fifo, "--format", "openai", *out(f)],
         lambda f: "fifo"),
    # ---- export: outputs
    Case("export-out-is-samples", lambda f: export(f, "-o", f.samples), lambda f: "overwrite the input"),
    Case("export-out-is-workspace", lambda f: ["export", "--workspace", f.workspace, "--format", "openai", "-o",
                                               f.workspace], lambda f: "overwrite the input"),
    Case("export-out-is-workspace-wal", lambda f: ["export", "--workspace", f.workspace, "--format", "openai", "-o",
                                                   f"{f.workspace}-wal"], lambda f: "overwrite the input"),
    Case("export-out-is-workspace-shm", lambda f: ["export", "--workspace", f.workspace, "--format", "openai", "-o",
                                                   f"{f.workspace}-shm"], lambda f: "overwrite the input"),
    Case("export-out-folder", lambda f: export(f, "-o", f.root / "in"), lambda f: "in"),
    Case("export-out-fifo", lambda f: export(f, "-o", f.fifo), lambda f: "named pipe"),
    Case("export-out-sqlite", lambda f: export(f, "-o", f.sqlite), lambda f: "SQLite database"),
    Case("export-out-link-to-samples", lambda f: ((f.root / "l.jsonl").symlink_to(f.samples),
                                                  export(f, "-o", f.root / "l.jsonl"))[1],
         lambda f: "overwrite the input"),
    Case("export-out-under-a-file", lambda f: export(f, "-o", f.combos / "x.jsonl"), lambda f: "x.jsonl"),
    Case("export-manifest-is-samples", lambda f: export(f, *out(f), "--manifest", f.samples),
         lambda f: "overwrite the input"),
    Case("export-manifest-is-output", lambda f: export(f, *out(f), "--manifest", f.root / "e" / "train.jsonl"),
         lambda f: "manifest"),
    Case("export-manifest-fifo", lambda f: export(f, *out(f), "--manifest", f.fifo), lambda f: "named pipe"),
    Case("export-existing-without-force", lambda f: export(f, "-o", f.write("e2/old.jsonl", "old\n")),
         lambda f: "already exists"),
    Case("export-existing-manifest", lambda f: (f.write("e3/manifest.json", "{}"),
                                                export(f, "-o", f.root / "e3" / "new.jsonl"))[1],
         lambda f: "manifest.json"),
    Case("export-curriculum-missing", lambda f: export(f, *out(f), "--curriculum", f.root / "c.json"),
         lambda f: "c.json"),
    Case("export-curriculum-bad-json", lambda f: curriculum(f, "{"), lambda f: "cur.json:1"),
    Case("export-curriculum-negative", lambda f: curriculum(f, '{"epochs": [{"2": -1}]}'), lambda f: "cur.json"),
    Case("export-curriculum-k-text", lambda f: curriculum(f, '{"epochs": [{"two": 1}]}'), lambda f: "cur.json"),
    Case("export-curriculum-all-zero", lambda f: curriculum(f, '{"epochs": [{"2": 0}]}'), lambda f: "cur.json"),
    Case("export-curriculum-nan", lambda f: curriculum(f, '{"epochs": [{"2": NaN}]}'), lambda f: "cur.json"),
    Case("export-curriculum-not-list", lambda f: curriculum(f, '{"epochs": 3}'), lambda f: "cur.json"),
    Case("export-curriculum-is-output", lambda f: export(f, "-o", f.write("cur.json", '{"epochs": [{"2": 1}]}'),
                                                         "--curriculum", f.root / "cur.json"),
         lambda f: "overwrite the input"),
    # ---- the pipeline's other commands, as a user runs them
    Case("graph-corpus-missing", lambda f: ["graph", f.root / "no.jsonl", "-o", f.root / "g.csv"],
         lambda f: "no.jsonl"),
    Case("graph-corpus-bad-json", lambda f: ["graph", f.lines("c.jsonl", {"skills": ["a", "b"]}, "{x"), "-o",
                                             f.root / "g.csv"], lambda f: "c.jsonl:2"),
    Case("graph-corpus-not-utf8", lambda f: ["graph", f.write("c.jsonl", b'{"skills": ["\xff"]}\n'), "-o",
                                             f.root / "g.csv"], lambda f: "c.jsonl"),
    Case("graph-weighting-bogus", lambda f: ["graph", f.corpus, "--weighting", "pmi"], lambda f: "--weighting"),
    Case("graph-min-count-zero", lambda f: ["graph", f.corpus, "--min-count", "0"], lambda f: "--min-count"),
    Case("tree-input-missing", lambda f: ["tree", f.root / "no.csv", "-o", f.root / "t.json"], lambda f: "no.csv"),
    Case("tree-height-one", lambda f: ["tree", f.graph, "--height", "1", "-o", f.root / "t.json"],
         lambda f: "--height"),
    Case("tree-k-and-height-disagree",
         lambda f: ["tree", f.graph, "--height", "3", "--k", "2", "-o", f.root / "t.json"],
         lambda f: "--k 2 and --height 3"),
    Case("select-tree-missing", lambda f: ["select", f.root / "no.json", "-o", f.root / "c.jsonl"],
         lambda f: "no.json"),
    Case("select-tree-bad-json", lambda f: ["select", f.write("t.json", "{"), "-o", f.root / "c.jsonl"],
         lambda f: "t.json"),
    Case("select-tree-not-object", lambda f: ["select", f.write("t.json", "[1, 2]"), "-o", f.root / "c.jsonl"],
         lambda f: "t.json"),
    Case("select-k-zero", lambda f: ["select", f.tree, "--k", "0", "-o", f.root / "c.jsonl"], lambda f: "--k"),
    Case("select-unknown-pin", lambda f: ["select", f.tree, "--pin", "no such skill", "-o", f.root / "c.jsonl"],
         lambda f: "no such skill"),
    Case("tag-corpus-missing", lambda f: ["tag", f.root / "no.jsonl", "--catalog", f.catalog, "-o",
                                          f.root / "t.jsonl"], lambda f: "no.jsonl"),
    Case("tag-catalog-missing", lambda f: ["tag", f.corpus, "--catalog", f.root / "k.csv", "-o", f.root / "t.jsonl"],
         lambda f: "k.csv"),
    Case("compare-corpus-missing", lambda f: ["compare", f.root / "no.jsonl", "--no-coherence", "-o",
                                              f.root / "cmp.csv"], lambda f: "no.jsonl"),
    Case("demo-output-is-a-file", lambda f: ["demo", "-o", f.combos], lambda f: "combos.jsonl"),
    Case("demo-existing-without-force", lambda f: (f.write("demo/graph.csv", "x"), ["demo", "-o", f.root / "demo"])[1],
         lambda f: "--force"),
    Case("normalize-corpus-missing", lambda f: ["normalize", f.root / "no.jsonl", "--no-embed", "-o",
                                                f.root / "m.csv"], lambda f: "no.jsonl"),
    # outputs of graph / tree / select / compare: never an input, a side file, a database or a special file
    Case("graph-output-is-the-corpus", lambda f: ["graph", f.corpus, "-o", f.corpus], lambda f: "overwrite the input"),
    Case("graph-output-links-to-the-corpus", lambda f: ["graph", f.corpus, "-o", _link(f, f.corpus)],
         lambda f: "overwrite the input"),
    Case("graph-nodes-side-file-is-the-corpus", lambda f: ["graph", f.corpus, "-o", _as_nodes_of(f, f.corpus)],
         lambda f: "overwrite the input"),
    Case("graph-output-fifo", lambda f: ["graph", f.corpus, "-o", f.fifo], lambda f: "not a regular file"),
    Case("graph-output-device", lambda f: ["graph", f.corpus, "-o", "/dev/null"], lambda f: "/dev/null"),
    Case("graph-output-database", lambda f: ["graph", f.corpus, "-o", f.sqlite], lambda f: "SQLite database"),
    Case("graph-one-skill-per-record", lambda f: ["graph", f.lines("c.jsonl", *[{"skills": ["<a><b>c"]}] * 3,
                                                                    {"skills": ["d"]}, {"skills": ["d"]}),
                                                  "-o", f.root / "g.csv"], lambda f: "no edges"),
    Case("graph-10000-skills-on-a-record", lambda f: ["graph", f.lines("c.jsonl", {"skills": ["a", "b"]},
                                                                       {"skills": [f"s{i}" for i in range(10_000)]}),
                                                      "-o", f.root / "g.csv"], lambda f: "c.jsonl:2: field 'skills'"),
    Case("graph-10000-skills-duckdb", lambda f: ["graph", f.lines("c.jsonl", {"skills": ["a", "b"]},
                                                                  {"skills": [f"s{i}" for i in range(10_000)]}),
                                                 "--engine", "duckdb", "-o", f.root / "g.csv"],
         lambda f: "c.jsonl:2: field 'skills'"),
    Case("graph-min-count-text", lambda f: ["graph", f.corpus, "--min-count", "many"], lambda f: "--min-count"),
    Case("tree-output-is-the-input", lambda f: ["tree", f.graph, "-o", f.graph], lambda f: "overwrite the input"),
    Case("tree-output-is-the-node-list", lambda f: ["tree", f.graph, "-o", f.graph.with_name("graph.nodes.csv")],
         lambda f: "overwrite the input"),
    Case("tree-output-fifo", lambda f: ["tree", f.graph, "-o", f.fifo], lambda f: "not a regular file"),
    Case("tree-output-device", lambda f: ["tree", f.graph, "-o", "/dev/null"], lambda f: "/dev/null"),
    Case("tree-weights-overflow", lambda f: ["tree", f.write("g.csv", "source,target,weight\na,b,1e308\nb,c,1e308\n"),
                                             "-o", f.root / "t.json"], lambda f: "g.csv: field 'weight'"),
    Case("tree-edge-list-bad-cooccur", lambda f: ["tree", f.write("g.csv", "source,target,weight,cooccur\na,b,1,x\n"),
                                                  "-o", f.root / "t.json"], lambda f: "g.csv:2: field 'cooccur'"),
    Case("tree-edge-list-mixed-columns", lambda f: ["tree", f.write("g.csv", "source,target,weight,cooccur\na,b,1\n"),
                                                    "-o", f.root / "t.json"], lambda f: "g.csv:2"),
    Case("select-output-is-the-tree", lambda f: ["select", f.tree, "--connect", "none", "--allow-seen", "-o", f.tree],
         lambda f: "overwrite the input"),
    Case("select-output-fifo", lambda f: ["select", f.tree, "-o", f.fifo], lambda f: "not a regular file"),
    Case("select-output-device", lambda f: ["select", f.tree, "-o", "/dev/null"], lambda f: "/dev/null"),
    Case("select-diversity-too-big", lambda f: ["select", f.tree, "--diversity", "2"], lambda f: "--diversity"),
    Case("select-max-per-skill-text", lambda f: ["select", f.tree, "--max-per-skill", "few"],
         lambda f: "--max-per-skill"),
    Case("select-connect-bogus", lambda f: ["select", f.tree, "--connect", "maybe"], lambda f: "--connect"),
    Case("select-min-pair-count-zero", lambda f: ["select", f.tree, "--min-pair-count", "0"],
         lambda f: "--min-pair-count"),
    Case("select-tree-edge-with-nan", lambda f: ["select", f.write("t.json", '{"root": {"children": [{"skill": "a"}, '
                                                                   '{"skill": "b"}]}, "edges": [["a", "b", NaN]]}'),
                                                 "-o", f.root / "c.jsonl"], lambda f: "t.json"),
    Case("compare-output-is-the-corpus", lambda f: ["compare", f.corpus, "--no-coherence", "-o", f.corpus],
         lambda f: "overwrite the input"),
    Case("compare-output-fifo", lambda f: ["compare", f.corpus, "--no-coherence", "-o", f.fifo],
         lambda f: "not a regular file"),
    Case("compare-k-text", lambda f: ["compare", f.corpus, "--k", "x", "--no-coherence"], lambda f: "--k"),
    Case("compare-k-too-big", lambda f: ["compare", f.corpus, "--k", "3,12", "--no-coherence"], lambda f: "--k"),
]


def _link(f: Files, target: Path) -> Path:
    link = f.root / "link.jsonl"
    link.symlink_to(target)
    return link


def _as_nodes_of(f: Files, target: Path) -> Path:
    """An output whose node-list side file is ``target``: ``<stem>.csv`` beside ``<stem>.nodes.csv``."""
    twin = f.root / "in" / "x.csv"
    (f.root / "in" / "x.nodes.csv").symlink_to(target)
    return twin


def _damage(path: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[2 * 4096:5 * 4096] = b"\xaa" * (3 * 4096)
    path.write_bytes(bytes(data))
    return path


def _device_case() -> list[Case]:
    """As root, a copy of /dev/full's device node (never the real /dev) as the output of an export."""
    if os.geteuid() != 0:
        return []

    def argv(f):
        node = f.root / "full"
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        return export(f, "-o", node)

    return [Case("export-out-device", argv, lambda f: "character device")]


ALL = CASES + _device_case()


def _snapshot(root: Path) -> dict[str, bytes]:
    """The bytes of every input file (the ``in`` folder) of a case."""
    return {p.name: p.read_bytes() for p in sorted((root / "in").iterdir())}


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_hostile_input_gives_a_located_message(tmp_path, case, monkeypatch):
    monkeypatch.setenv("STEPS_CACHE", str(tmp_path / "default-cache.sqlite"))
    monkeypatch.setenv("STEPS_EMBED_CACHE", str(tmp_path / "emb"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    f = Files(tmp_path)
    argv = [str(a) for a in case.argv(f)]
    before = _snapshot(tmp_path)
    result = CliRunner().invoke(cli, argv)
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{type(result.exception).__name__}: {result.exception}\n{output}"
    assert "Traceback" not in output, output
    assert result.exit_code in case.codes, (result.exit_code, output)
    assert case.needle(f) in output, output
    assert _snapshot(tmp_path) == before, "an input file was changed"


def test_there_are_at_least_100_cases():
    assert len(CASES) >= 100, len(CASES)
