#!/usr/bin/env python3
"""Benchmark the Streamlit app on the embedded demo in a real browser (headless Chromium via Playwright).

Measures, printing one table:

- cold start to first render: ``streamlit run app.py`` started -> Home shows its figures, with a new workspace
  (the tree is built) and again after a restart on the same workspace (the tree is read back from it);
- tree rebuild: the pipeline in-process (count, weight, optimise) and end to end in the browser (Rebuild button
  until the page is idle);
- a first request to a page's URL (``/Taxonomy``) right after a server start (the page runs in its frame);
- the first community card after Rebuild (the support index and the record index are built), then a community
  not shown before (its card reads its three example records from the corpus; median of several);
- page interactions with a warm cache (median of several): switching pages, clicking a community in the chart
  (going inside it) and Up, picking a community in the table, a taxonomy edit and its undo, opening
  Combinations with its list cached, pinning a skill there (a new list is searched); with ``--detail`` also
  the medians of the server's CPU time, the browser page's busy time (Chrome's TaskDuration) and the KB the
  page received over the websocket, per interaction;
- the sampler comparison (the demo, k = 3, 4, 5, 500 combinations per sampler) run from the Compare page;
- memory (RSS) of the server process with the demo loaded, and after Combinations loaded the MiniLM model;
- a rerun of the Synthesize page on a workspace holding 5,000 samples (1,000 approved combinations, 5 template
  samples each), in-process (AppTest, no browser): what the page's own work costs.

Run by hand: ``python bench/bench_app.py [--repeat 5] [--only synthesize] [--corpus FILE]`` (needs
/usr/bin/chromium); ``--corpus ../shared/data/real/ask-ubuntu-tags.jsonl.gz`` runs the same walk on a real
corpus of about 2,300 skills opened as a file on the server. The window is 1280 x 800. Times include
the browser's rendering; the numba-compiled optimiser is assumed already cached (run the app once before).
An interaction ends when the script runs it started have finished (counted from the messages the server sends:
``new_session`` opens a run, ``script_finished`` closes it) and the browser has painted; until 2026-12-04 it
ended when Streamlit's status widget was hidden, which returned at once from a run shorter than 500 ms (the
widget shows only after 500 ms) and counted the rest of that run in the next measure. A sector click that starts
no run is tried again on the next sector and only the click that ran is counted; the table says how many
actions started no run.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Server:
    def __init__(self, workspace: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
             str(self.port), "--browser.gatherUsageStats", "false"],
            cwd=REPO, env={**env, "STEPS_WORKSPACE": str(workspace)}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        while True:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=1):
                    break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("streamlit exited") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


#: The sectors of the chart (but the one in view, the first) whose label shows: [index, x, y of its centre].
SHOWN_LABELS = """() => Array.from(document.querySelectorAll('.js-plotly-plot g.slice')).map((g, i) => {
  const t = g.querySelector('text');
  if (i === 0 || !t || !t.textContent) return null;
  const r = t.getBoundingClientRect();
  return r.width >= 4 && r.height >= 4 ? [i, r.x + r.width / 2, r.y + r.height / 2] : null;
}).filter(Boolean).slice(0, 40)"""
_probes: dict[int, "Probe"] = {}
_ran: dict[int, bool] = {}
lost: list[int] = []                   # actions after which no script run started (each waited 3 s)


def idle(page) -> None:
    """Wait until the script runs the last action started have finished and the browser has painted.

    The runs are counted from the messages the server sends (:class:`Probe`: a run opens with ``new_session``
    and closes with ``script_finished``). Streamlit's status widget (the running man) shows only 500 ms into a
    run, so waiting for it to be hidden, as this bench did until 2026-12-04, returned at once from a shorter run
    and counted the rest of it in the next measure; the state Streamlit writes on its root element
    (``data-test-script-state``) misses a short run too (React may draw "running" and "notRunning" in one go).
    An action that starts no run within 3 s (a lost click) is noted in :data:`lost`."""
    probe = _probes.get(id(page))
    page.wait_for_timeout(50)
    _ran[id(page)] = True
    if probe is not None:
        waited = 0.0
        while probe.started == probe.mark:                     # the action's run has not begun
            if waited >= 3.0:
                _ran[id(page)] = False
                lost.append(1)
                break
            page.wait_for_timeout(20)
            waited += 0.02
        deadline = time.perf_counter() + 600
        while True:
            while probe.finished < probe.started and time.perf_counter() < deadline:   # begun, not finished
                page.wait_for_timeout(10)
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            if probe.finished >= probe.started:                # none begun meanwhile (a callback's rerun)
                break
            if time.perf_counter() >= deadline:
                print(f"warning: {probe.started - probe.finished} script run(s) did not finish in 600 s",
                      file=sys.stderr)
                probe.finished = probe.started
                break
        probe.mark = probe.started
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=120_000)


class Probe:
    """What one interaction costs besides its wall time: the server's CPU time (all its threads, from /proc),
    the browser page's main-thread busy time (Chrome's TaskDuration) and the bytes the page received over
    Streamlit's websocket. Attach it before the page loads (the websocket is watched from its opening)."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.message = ForwardMsg
        self.page, self.received = page, 0
        self.started = self.finished = self.mark = 0           # script runs begun, ended; begun at the last idle
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.pid: int | None = None
        _probes[id(page)] = self

    def _frame(self, payload) -> None:
        self.received += len(payload)
        if isinstance(payload, bytes):
            msg = self.message()
            try:
                msg.ParseFromString(payload)
            except Exception:                                   # noqa: BLE001 - not a ForwardMsg: not a run
                return
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.started += 1
            elif kind == "script_finished" and msg.script_finished != self.message.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                self.finished += 1                                 # (a fragment's run opens no session)

    def _busy(self) -> float:
        return next(m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]
                    if m["name"] == "TaskDuration")

    def measure(self, fn) -> tuple[float, float, float, float]:
        """(wall s, server CPU s, browser busy s, KB received) of ``fn()``."""
        c0, b0, r0 = cpu_seconds(self.pid), self._busy(), self.received
        t = time.perf_counter()
        fn()
        wall = time.perf_counter() - t
        return wall, cpu_seconds(self.pid) - c0, self._busy() - b0, (self.received - r0) / 1024


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (all its threads), in seconds."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def synthesize_workspace(path: Path, n_combos: int = 1000, per_combo: int = 5) -> int:
    """A workspace on the demo with ``n_combos`` approved combinations and ``per_combo`` template samples each
    (with provenance, as the page stores them); returns the number of samples."""
    from steps_core.corpus import load_cooccurrence, read_catalog
    from steps_core.graph import build_graph
    from steps_core.optimize import build_tree
    from steps_core.pipeline import demo_files
    from steps_core.select import select_combinations
    from steps_core.synth import TemplateBackend, plan_jobs, synthesize
    from steps_core.workspace import Workspace

    files = demo_files()
    tree = build_tree(build_graph(load_cooccurrence(files.corpus)), k=3)
    combos: dict = {}
    for k in (3, 4):                                  # distinct combinations (one start gives few of them)
        for c in select_combinations(tree, k=k, beam=50, top=2000, per_start=20):
            combos.setdefault(frozenset(c.skills), c)
    combos = list(combos.values())[:n_combos]
    jobs = plan_jobs(combos, style="agentic", catalog=read_catalog(files.catalog), samples_per_combo=per_combo)
    samples = list(synthesize(jobs, TemplateBackend(), workers=1))
    for s in samples:
        s["tree_version"] = tree.version
    with Workspace(path) as ws:
        for c in combos:
            ws.approve_combo(c.skills, c.to_dict())
        ws.add_samples(samples)
        ws.set_setting("synth.style", "agentic")
        ws.set_setting("synth.per_combo", per_combo)
    return len(samples)


def bench_synthesize(env: dict, tmp: Path, repeat: int) -> list[tuple[str, str]]:
    """Reruns of the Synthesize page on a workspace of 5,000 samples, in-process (AppTest): the page's own
    work, without the browser's rendering."""
    from streamlit.testing.v1 import AppTest

    workspace = tmp / "synth.sqlite"
    n = synthesize_workspace(workspace)
    rows = []
    old = {k: os.environ.get(k) for k in ("STEPS_WORKSPACE", "STEPS_EMBED_CACHE", "HF_HUB_OFFLINE")}
    os.environ.update({"STEPS_WORKSPACE": str(workspace), "STEPS_EMBED_CACHE": env["STEPS_EMBED_CACHE"],
                       "HF_HUB_OFFLINE": "1"})
    try:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
        at.run()
        at.switch_page("pages/3_Synthesize.py").run()
        at.run()                                                          # warm: plan and tree cached
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
        rows.append((f"warm: Synthesize rerun, {n:,} samples, in-process AppTest (median of {repeat})",
                     f"{statistics.median(times):.2f} s (max {max(times):.2f})"))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return rows


def seed_workspace(path: Path, corpus: Path | None) -> None:
    """A new workspace reading ``corpus`` as a file on the server (nothing to seed for the demo)."""
    if corpus is None:
        return
    from steps_core.workspace import Workspace

    with Workspace(path) as ws:
        ws.set_setting("source", {"kind": "path", "corpus": str(corpus), "catalog": None, "topics": None,
                                  "name": corpus.name})


def in_process(corpus: Path | None) -> tuple[list[tuple[str, str]], int]:
    """The taxonomy built in-process with the app's defaults (also warms numba's cache); rows and n_skills."""
    from steps_core.pipeline import demo_files
    from steps_core.taxonomy import BuildSettings, build_taxonomy

    files = demo_files()
    path = corpus or files.corpus
    build_taxonomy(path, BuildSettings())                                   # numba cache warm
    t = time.perf_counter()
    tree = build_taxonomy(path, BuildSettings())
    rows = [("tree rebuild in-process (count + weight + optimise, app defaults)", f"{time.perf_counter() - t:.2f} s"),
            ("data", f"{path.name}: {tree.graph.n_records:,} records, {tree.n_skills:,} skills, "
                     f"{tree.graph.n_edges:,} edges, {len(tree.communities):,} communities")]
    return rows, tree.n_skills


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="repetitions of each warm interaction (median shown)")
    ap.add_argument("--only", choices=["synthesize"], default=None,
                    help="run only this part (synthesize: the Synthesize page on 5,000 samples)")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="a corpus file to open as a file on the server instead of the embedded demo, e.g. "
                         "../shared/data/real/ask-ubuntu-tags.jsonl.gz (about 2,300 skills after pruning)")
    ap.add_argument("--no-compare", action="store_true", help="skip the sampler comparison")
    ap.add_argument("--detail", action="store_true",
                    help="with each warm interaction, the medians of the server's CPU time, the browser page's "
                         "busy time and the KB the page received")
    args = ap.parse_args()
    if args.only == "synthesize":
        tmp = Path(tempfile.mkdtemp(prefix="bench-app-"))
        env = dict(os.environ, STEPS_EMBED_CACHE=str(tmp / "emb"), HF_HUB_OFFLINE="1")
        print_table(bench_synthesize(env, tmp, args.repeat))
        return
    from playwright.sync_api import expect, sync_playwright

    corpus = args.corpus.resolve() if args.corpus else None
    rows, n_skills = in_process(corpus)
    tmp = Path(tempfile.mkdtemp(prefix="bench-app-"))
    env = dict(os.environ, STEPS_EMBED_CACHE=str(tmp / "emb"), HF_HUB_OFFLINE="1")
    workspace = tmp / "bench.sqlite"
    seed_workspace(workspace, corpus)
    server = deep = None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            for label in ("cold start to first render (new workspace: builds the tree)",
                          "cold start to first render (restart: tree read from the workspace)"):
                server = Server(workspace, env)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                probe = Probe(page)
                probe.pid = server.proc.pid
                page.goto(server.url)
                expect(page.get_by_text("Explained by the tree")).to_be_visible(timeout=600_000)
                rows.append((label, f"{time.perf_counter() - server.started:.2f} s"))
                idle(page)
                if "restart" in label:
                    break
                page.close()
                server.stop()
            rows.append(("server memory (RSS) with the data loaded", f"{rss_mb(server.proc.pid):.0f} MB"))
            deep = Server(workspace, env)                                  # a second server: first request deep
            deep_page = browser.new_page(viewport={"width": 1280, "height": 800})
            deep_page.goto(deep.url + "/Taxonomy")
            expect(deep_page.get_by_text("Pick a row to inspect").first).to_be_visible(timeout=600_000)
            expect(deep_page.get_by_test_id("stSidebar").get_by_text("Taxonomy settings")).to_be_visible()
            rows.append(("cold start to first render of /Taxonomy (first request is the page URL)",
                         f"{time.perf_counter() - deep.started:.2f} s"))
            deep_page.close()
            deep.stop()

            def nav(name: str, wait_text: str):
                def go():
                    page.get_by_test_id("stSidebar").get_by_role("link", name=name, exact=True).click()
                    expect(page.get_by_text(wait_text).first).to_be_visible(timeout=600_000)
                    idle(page)
                return go

            nav("Taxonomy", "Pick a row to inspect a community")()
            page.get_by_role("button", name="Rebuild").click()
            t = time.perf_counter()
            page.wait_for_timeout(50)
            idle(page)
            rows.append(("tree rebuild in the browser (Rebuild -> idle)", f"{time.perf_counter() - t:.2f} s"))

            def click_and_wait(name: str, text: str):
                def go():
                    page.get_by_role("button", name=name, exact=True).click()
                    expect(page.get_by_text(text).first).to_be_visible(timeout=60_000)
                    idle(page)
                return go

            def view(name: str, ready) -> None:
                """Pick a view of the Taxonomy page and wait for its controls (a click that lands while the page
                is still running can be lost on a loaded machine: then click again)."""
                for _ in range(3):
                    page.get_by_role("radiogroup", name="View").get_by_text(name, exact=True).click()
                    idle(page)
                    try:
                        expect(ready).to_be_visible(timeout=30_000)
                        return
                    except AssertionError:
                        continue
                expect(ready).to_be_visible(timeout=30_000)

            slices = page.locator(".js-plotly-plot g.slice")

            def click_labelled(pick: int) -> None:
                """Click the n-th sector whose label is shown (a thin sector's label is there but hidden, and the
                centre of its box may lie on another sector; the page reopens on the community picked last: a
                small one may be its only sector). See :func:`click_timed`."""
                expect(slices.first).to_be_attached(timeout=60_000)
                page.wait_for_function("() => !document.querySelector('.js-plotly-plot')?._transitioning")
                labels = page.evaluate(SHOWN_LABELS)
                if labels:
                    _, x, y = labels[pick % len(labels)]
                else:
                    box = slices.first.bounding_box()
                    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
                page.mouse.click(x, y)
                page.wait_for_timeout(50)
                idle(page)

            def click_timed(pick: int) -> tuple:
                """Click a sector, timed; a click that starts no run (it selects nothing new: the sector in view,
                or a label whose box's centre lies on another sector) is tried again on the next sector, and
                only the click that started a run is counted."""
                for attempt in range(12):
                    sample = probe.measure(lambda: click_labelled(pick + attempt))
                    if _ran[id(page)]:
                        return sample
                raise RuntimeError("no sector click started a run")

            def to_top() -> None:
                up = page.get_by_role("button", name="Up", exact=True)
                for _ in range(8):
                    if up.is_disabled():
                        return
                    up.click()
                    idle(page)

            # the first community card after Rebuild builds the support index and the record index; then a
            # community inside another, not shown before: its card reads its three example records
            fresh: list[tuple] = []
            rows.append(summary("first community card after Rebuild (support + record index built)",
                                [click_timed(0)], args.detail))
            for k in range(1, 3 * args.repeat + 1):
                if len(fresh) == args.repeat:
                    break
                to_top()
                try:
                    click_timed(k)                              # inside the k-th top-level community
                    fresh.append(click_timed(k - 1))
                except RuntimeError:                            # nothing in it to click: the next one
                    continue

            warm: dict[str, list[tuple]] = {"switch page Home -> Taxonomy": [],
                                            "click a community in the chart (go inside)": [],
                                            "Up (back to the level above)": [],
                                            "pick a community in the table": [], "rename a community (edit)": [],
                                            "undo the edit": [], "switch page -> Combinations (list cached)": [],
                                            "pin a skill (Combinations: a new list)": []}
            for i in range(args.repeat):
                nav("Home", "Where you are")()
                warm["switch page Home -> Taxonomy"].append(probe.measure(nav("Taxonomy", "Pick a row to inspect")))
                warm["click a community in the chart (go inside)"].append(click_timed(i % 3))
                warm["Up (back to the level above)"].append(probe.measure(click_and_wait("Up", "Showing ")))
                grid = page.get_by_test_id("stDataFrame").last
                grid.scroll_into_view_if_needed()
                box = grid.bounding_box()

                def pick_row(row=2 + i % 4):
                    page.mouse.click(box["x"] + 18, box["y"] + 35 * (row + 1) + 17)
                    page.wait_for_timeout(50)
                    idle(page)
                warm["pick a community in the table"].append(probe.measure(pick_row))
                view("Edit", page.get_by_label("New label", exact=True))
                page.get_by_label("New label", exact=True).fill(f"Renamed {i}")
                page.get_by_label("New label", exact=True).press("Enter")
                idle(page)
                warm["rename a community (edit)"].append(
                    probe.measure(click_and_wait("Rename", "(1 active, 0 undone)")))
                warm["undo the edit"].append(probe.measure(click_and_wait("Undo", "(0 active, 1 undone)")))
                view("Communities", page.get_by_text("Pick a row to inspect a community").first)
                if i == 0:                                     # the first visit searches and loads MiniLM
                    def first_combinations():
                        nav("Combinations", "Pinned skills")()
                        page.wait_for_timeout(200)
                        idle(page)
                    rows.append(summary("first Combinations (the sweep; MiniLM loads and embeds the skills)",
                                        [probe.measure(first_combinations)], args.detail))
                    rows.append(("server memory (RSS) after Combinations (MiniLM loaded)",
                                 f"{rss_mb(server.proc.pid):.0f} MB"))
                else:
                    warm["switch page -> Combinations (list cached)"].append(
                        probe.measure(nav("Combinations", "Pinned skills")))

                def pin():
                    page.get_by_test_id("stMultiSelect").filter(has_text="Pinned skills").locator("input").click()
                    page.keyboard.press("ArrowDown")
                    page.keyboard.press("Enter")
                    page.keyboard.press("Escape")
                    page.wait_for_timeout(50)
                    idle(page)
                warm["pin a skill (Combinations: a new list)"].append(probe.measure(pin))
            if not args.no_compare:
                nav("Compare samplers", "Press Compare")()
                t = time.perf_counter()
                page.get_by_role("button", name="Compare", exact=True).click()
                expect(page.get_by_text("What the samplers and the measures mean")).to_be_visible(timeout=900_000)
                idle(page)
                rows.append(("compare samplers (k = 3, 4, 5; n = 500; with coherence)",
                             f"{time.perf_counter() - t:.2f} s"))
            rows.append(("actions that started no script run (lost clicks; each waited for 3 s)", f"{len(lost)}"))
            rows.append(summary(f"click a sector not shown before, inside another community (its card reads 3 "
                                f"example records; median of {len(fresh)})", fresh, args.detail))
            for name, values in warm.items():
                if values:
                    rows.append(summary(f"warm: {name} (median of {len(values)})", values, args.detail))
            page.close()
        finally:
            browser.close()
            for started in (server, deep):
                if started is not None and started.proc.poll() is None:
                    started.stop()
    if corpus is None:
        rows += bench_synthesize(env, tmp, args.repeat)
    print_table(rows)


def summary(name: str, samples: list[tuple], detail: bool) -> tuple[str, str]:
    """A row: the median and the largest wall time of ``samples`` (:meth:`Probe.measure`'s tuples), with
    ``detail`` the medians of the server's CPU, the browser's busy time and the KB received."""
    walls = [x[0] for x in samples]
    value = f"{statistics.median(walls):.2f} s (max {max(walls):.2f})"
    if detail:
        server, busy, kb = (statistics.median(x[j] for x in samples) for j in (1, 2, 3))
        value += f"  server CPU {server:.2f} s, browser {busy:.2f} s, {kb:,.0f} KB"
    return name, value


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  value")
    print("-" * (width + 30))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
