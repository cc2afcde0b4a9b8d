"""Benchmark of synthesis through the OpenAI-compatible client (run by hand, prints a table).

    python bench/bench_llm.py                       # 256 composite samples, 20 ms server latency
    python bench/bench_llm.py --samples 512 --latency 0.05 --workers 1 8 32 64

The fake endpoint (tests/fake_openai.py) runs in its own process, so the client's threads and the server do
not share a GIL. Each row is one full run of plan -> synthesize -> write samples.jsonl with the real
``openai`` client, retries armed, and a fresh SQLite response cache (so every request is sent and every
answer stored). Columns:

samples/s     samples completed per second of wall time;
ms/sample     wall time per sample;
overhead ms   wall time per sample minus the model's share (latency / workers): what the client, cache,
              parsing and file writing cost on top of the endpoint (at workers=1 this is the plain
              per-sample overhead excluding the model);
rerun s       the same run again against the cache (zero requests).

A ``batch`` row makes the same samples through the Batch API of the fake server (``--batch``: one upload, one
batch, polled every 50 ms, the output downloaded and merged into samples.jsonl): its wall time is our side of a
batch run plus the fake server answering the lines; a real provider takes minutes to hours instead. A last row
measures the template backend (no HTTP at all), i.e. the pure planning/parsing/writing cost.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def make_inputs(folder: Path, n_samples: int, seed: int = 0) -> dict[str, Path]:
    """A synthetic catalogue of 60 skills, a corpus of 600 records and ``n_samples`` combinations (k=2..4)."""
    rng = random.Random(seed)
    skills = [f"skill {i:02d}" for i in range(60)]
    corpus = folder / "corpus.jsonl"
    with corpus.open("w") as fh:
        for i in range(600):
            tags = rng.sample(skills, rng.randint(1, 3))
            fh.write(json.dumps({"id": f"r{i}", "skills": tags, "messages": [
                {"role": "user", "content": f"Question {i} about {', '.join(tags)}. " + "Details. " * 20},
                {"role": "assistant", "content": "An answer. " * 40}]}) + "\n")
    combos = folder / "combos.jsonl"
    seen = set()
    with combos.open("w") as fh:
        while len(seen) < n_samples:
            chosen = tuple(rng.sample(skills, rng.randint(2, 4)))
            if frozenset(chosen) in seen:
                continue
            seen.add(frozenset(chosen))
            fh.write(json.dumps({"skills": list(chosen), "start": [chosen[0]], "gain": 1.0,
                                 "step_gains": [1.0] * (len(chosen) - 1), "lca": "1", "scope": "local",
                                 "k": len(chosen)}) + "\n")
    catalog = folder / "skills.csv"
    catalog.write_text("skill,category,definition,example\n" + "".join(
        f"{s},cat{i % 5},Definition of {s}.,Example of {s}.\n" for i, s in enumerate(skills)))
    return {"corpus": corpus, "combos": combos, "catalog": catalog}


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(HERE.parent / "tests" / "fake_openai.py"), "--latency", str(latency)],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise RuntimeError(f"fake server did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def one_run(inputs: dict, backend, workers: int, out: Path) -> tuple[float, int]:
    from steps_core.corpus import iter_records, read_catalog
    from steps_core.synth import SampleWriter, plan_jobs, read_combinations, synthesize

    t0 = time.perf_counter()
    jobs = plan_jobs(read_combinations(inputs["combos"]), style="composite", catalog=read_catalog(inputs["catalog"]),
                     records=iter_records(inputs["corpus"]))
    ok = 0
    with SampleWriter(out) as writer:
        for sample in synthesize(jobs, backend, workers=workers):
            writer.write(sample)
            ok += sample["status"] == "ok"
    return time.perf_counter() - t0, ok


def batch_run(inputs: dict, client, out: Path) -> tuple[float, int]:
    """The same samples through the Batch API (steps_core.synthesis with BatchSettings), written to ``out``."""
    from steps_core.corpus import iter_records, read_catalog
    from steps_core.sample_sinks import SamplesFile
    from steps_core.synth import OpenAIBackend, read_combinations
    from steps_core.synthesis import BatchSettings, SynthSettings, plan_synthesis, synthesise

    t0 = time.perf_counter()
    jobs = plan_synthesis(read_combinations(inputs["combos"]), SynthSettings(), catalog=read_catalog(inputs["catalog"]),
                          records=iter_records(inputs["corpus"]))
    with SamplesFile(out) as sink:
        run = synthesise(jobs, OpenAIBackend(client, "bench-model", temperature=0.7), sink,
                         batch=BatchSettings(poll_interval=0.05))
        ok = sum(s["status"] == "ok" for s in run.results())
        sink.finish()
    return time.perf_counter() - t0, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=256, help="combinations (one sample each)")
    parser.add_argument("--latency", type=float, default=0.02, help="server latency per request, seconds")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8, 32], help="worker counts to run")
    args = parser.parse_args()

    from steps_core.llm import LLMClient, ResponseCache, RetryPolicy
    from steps_core.synth import OpenAIBackend, TemplateBackend

    proc, base_url = start_server(args.latency)
    rows = []
    try:
        # warm up: the first request imports most of the openai package (~0.3 s), a one-off not per sample
        from steps_core.llm import ChatRequest

        t0 = time.perf_counter()
        LLMClient(base_url=base_url, api_key="sk-bench").complete(
            ChatRequest(({"role": "user", "content": "warm up"},), "bench-model"))
        first_call = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            inputs = make_inputs(folder, args.samples)
            for workers in args.workers:
                cache_path = folder / f"cache-{workers}.sqlite"
                with ResponseCache(cache_path) as cache:
                    client = LLMClient(base_url=base_url, api_key="sk-bench", timeout=30,
                                       retry=RetryPolicy(max_attempts=4, base_delay=0.05), cache=cache)
                    backend = OpenAIBackend(client, "bench-model", temperature=0.7)
                    wall, ok = one_run(inputs, backend, workers, folder / f"s-{workers}.jsonl")
                    sent = client.requests
                    rerun, _ = one_run(inputs, backend, workers, folder / f"r-{workers}.jsonl")
                    assert client.requests == sent, "the rerun sent requests"
                    client.close()
                n = args.samples
                rows.append((f"openai w={workers}", n, ok, sent, n / wall, 1000 * wall / n,
                             1000 * (wall / n - args.latency / workers), rerun))
            with ResponseCache(folder / "cache-batch.sqlite") as cache:
                client = LLMClient(base_url=base_url, api_key="sk-bench", timeout=30,
                                   retry=RetryPolicy(max_attempts=4, base_delay=0.05), cache=cache)
                wall, ok = batch_run(inputs, client, folder / "b.jsonl")
                rerun, _ = batch_run(inputs, client, folder / "b2.jsonl")   # answered by the cache
                assert client.requests == 0, "a batch run sent online requests"
                client.close()
            rows.append(("batch", args.samples, ok, args.samples, args.samples / wall, 1000 * wall / args.samples,
                         1000 * wall / args.samples, rerun))
            wall, ok = one_run(inputs, TemplateBackend(), 1, folder / "t.jsonl")
            rows.append(("template w=1", args.samples, ok, 0, args.samples / wall, 1000 * wall / args.samples,
                         1000 * wall / args.samples, float("nan")))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"composite samples through the real openai client; server latency {1000 * args.latency:.0f} ms, "
          f"{args.samples} samples per run; first request of a process (imports) {1000 * first_call:.0f} ms")
    print(f"{'run':<16}{'samples':>8}{'ok':>6}{'requests':>10}{'samples/s':>11}{'ms/sample':>11}"
          f"{'overhead ms':>13}{'rerun s':>9}")
    for name, n, ok, sent, rate, ms, over, rerun in rows:
        print(f"{name:<16}{n:>8}{ok:>6}{sent:>10}{rate:>11.1f}{ms:>11.2f}{over:>13.2f}{rerun:>9.2f}")


if __name__ == "__main__":
    main()
