"""Zhao et al.'s held-out protocol end to end, offline (run by hand; its output is in docs/synthesis.md).

    python bench/zhao_protocol.py                    # into a temporary folder
    python bench/zhao_protocol.py --out zhao-run     # keep the files

On the public Skill-Mix catalogue (../shared/data/skillmix: 10 skills in 6 categories, 10 topics):

1. ``steps mix``: training data at k = 1, 2, 3 drawn only from the *training* categories and topics, written
   by the offline template backend, graded by a local judge;
2. ``steps export --min-grade full``: only the full marks go into the training file;
3. (fine-tuning happens elsewhere; here the "fine-tuned model" is a local fake student);
4. ``steps eval --split heldout --protocol skillmix --k 4,5``: the Skill-Mix protocol on the *held-out*
   categories and topics only: 3 generations per draw, judge at temperature 1.0, each metric's maximum.

Both the student and the judge are a local OpenAI-compatible server (tests/fake_openai.py) reached through the
real ``openai`` client: the student writes one sentence per request; the judge gives each rubric point 1 with
probability 0.8, decided by a hash of the text, the point and the round, so runs are reproducible and the
metrics are not trivially 0 or 1. The numbers measure the plumbing, not a model. The public catalogue has
10 skills, so the held-out categories are named (``--heldout-categories``): the four categories other than
literary and rhetorical hold 6 skills, enough for k = 5; training draws from the other 4 skills.

The script then checks what must hold: no training sample holds a skill of a held-out category or a held-out
topic, every evaluation draw is made of held-out skills and topics, the export keeps exactly the full marks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

SKILLMIX = ROOT.parent / "shared" / "data" / "skillmix"
HELDOUT = "logical,reasoning,theory of the mind,physical knowledge"


def _bit(*parts: object, p: float = 0.8) -> int:
    h = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int(int.from_bytes(h[:4], "big") / 2 ** 32 < p)


def responder(body: dict) -> str:
    """The fake student (Skill-Mix prompts: a draft, then one sentence) and the fake judge (points 1 with
    probability 0.8 each, by hash)."""
    last = body["messages"][-1]["content"]
    m = re.search(r"Score each of the following (\d+) points", last)
    if m:
        text = last.split("\n<<<\n", 1)[1].split("\n>>>", 1)[0]
        return json.dumps({"scores": [_bit(text, i, body.get("seed")) for i in range(int(m.group(1)))]})
    topic = re.search(r"context of (.+?), that", " ".join(m["content"] for m in body["messages"]))
    where = topic.group(1) if topic else "the topic"
    if "look over your answer" in last:
        return f"Answer: In {where}, one careful line carries every idea at once (take {body.get('seed')}).\n" \
               "Explanation: each skill shows in a clause."
    return "Answer: A first draft of a few lines.\nExplanation: a draft."


def steps(args: list[str], out: Path) -> str:
    """Run ``steps ARGS`` in a fresh process from ``out``; print the command and its output; return it."""
    shown = " ".join(shlex.quote(str(a)) for a in args)
    print(f"$ steps {shown}")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "steps_core.cli", *map(str, args)], cwd=out, capture_output=True,
                          text=True, env={**__import__("os").environ, "OPENAI_API_KEY": "sk-local-fake"})
    text = proc.stdout + proc.stderr
    print(text.rstrip())
    print(f"(exit {proc.returncode}, {time.perf_counter() - t0:.1f} s)\n")
    if proc.returncode != 0:
        raise SystemExit(f"steps {args[0]} failed")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the files (default: a temporary one)")
    parser.add_argument("--n", type=int, default=60, help="training items to make")
    parser.add_argument("--draws", type=int, default=10, help="evaluation draws per k")
    args = parser.parse_args()
    from fake_openai import FakeOpenAI

    out = args.out or Path(tempfile.mkdtemp(prefix="zhao-"))
    out.mkdir(parents=True, exist_ok=True)
    catalog, topics = SKILLMIX / "skills.csv", SKILLMIX / "topics.txt"
    with FakeOpenAI(responder) as server:
        url = server.base_url
        common = ["--catalog", catalog, "--topics", topics, "--heldout-categories", HELDOUT, "--heldout-fraction",
                  "0.5", "--split-seed", "0", "--judge-model", "fake-judge", "--base-url", url,
                  "--cache", "cache.sqlite"]
        steps(["mix", *common, "--k", "1,2,3", "--n", args.n, "--backend", "template", "-o", "mix.jsonl",
               "--report", "mix.json"], out)
        steps(["export", "mix.jsonl", "--all", "--min-grade", "full", "--format", "openai", "--curriculum", "none",
               "-o", "train/train.jsonl"], out)
        print("# (fine-tune on train/train.jsonl elsewhere; the fake student stands for the result)\n")
        steps(["eval", *common, "--split", "heldout", "--protocol", "skillmix", "--k", "4,5", "--draws", args.draws,
               "--student-model", "fake-student", "-o", "eval.jsonl", "--report", "eval.json"], out)
        requests = list(server.requests)

    mix = [json.loads(x) for x in (out / "mix.jsonl").read_text().splitlines()]
    manifest = json.loads((out / "train" / "manifest.json").read_text())
    evals = [json.loads(x) for x in (out / "eval.jsonl").read_text().splitlines()]
    report = json.loads((out / "eval.json").read_text())
    split = report["split"]
    held_skills, held_topics = set(split["heldout_skills"]), set(split["heldout_topics"])
    leaked = [r["id"] for r in mix if set(r["skills"]) & held_skills or r["provenance"]["topic"] in held_topics]
    outside = [r["id"] for r in evals if not set(r["skills"]) <= held_skills or r["topic"] not in held_topics]
    full = [r["id"] for r in mix if (r.get("grade") or {}).get("full_marks")]
    judge_temps = {b.get("temperature") for b in requests
                   if "Score each of the following" in b["messages"][-1]["content"]}
    print("checks")
    print(f"  training categories      {', '.join(split['train_categories'])}  ({len(split['train_skills'])} skills, "
          f"topics {', '.join(split['train_topics'])})")
    print(f"  held-out categories      {', '.join(split['heldout_categories'])}  ({len(held_skills)} skills, "
          f"topics {', '.join(sorted(held_topics))})")
    print("  training items by k      " + ", ".join(f"k={k}: {sum(1 for r in mix if r['k'] == k)}" for k in (1, 2, 3)))
    print(f"  held-out skill or topic in training data: {len(leaked)}")
    print(f"  eval draws outside the held-out part:     {len(outside)}")
    print(f"  exported = full marks:   {manifest['ids'] == full} ({len(full)} of {len(mix)})")
    print(f"  judge temperature sent: {sorted(t for t in judge_temps if t is not None)}")
    from steps_core.evaluation import eval_report

    best = eval_report(evals, "best-total")["overall"]
    peak = report["overall"]
    print("  the same eval records, overall:    full_marks  all_skills  skill_fraction")
    for name, m in (("each metric's max (the reference)", peak), ("the generation with the best total", best)):
        print(f"    {name:<36} {m['full_marks']:.3f}       {m['all_skills']:.3f}       {m['skill_fraction']:.3f}")
    print(f"  files in {out}")
    if leaked or outside or manifest["ids"] != full:
        raise SystemExit("a check failed")


if __name__ == "__main__":
    main()
