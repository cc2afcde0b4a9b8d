"""The app in a real browser: ``streamlit run app.py`` on a free port, headless Chromium driven by Playwright.

One walk through Home -> Taxonomy (a click on a sunburst sector, the network with a hover over each hostile
skill, renaming a community with Markdown in the label and undoing it) -> Combinations (approve) -> Synthesize
(template samples, accept one) -> Export (write a file that reads back, download the zip of data and
manifest), on a corpus with skills named ``<script>alert(1)</script>`` and ``<img src=x onerror=alert(1)>``
(the second runs even when inserted with ``innerHTML``): any alert dialog fails the test, the names must show
as text, and the label's image must never be fetched. A fresh server whose first request is the Taxonomy
page's URL shows the page in its frame. The review on the Synthesize page is driven by its keyboard shortcuts
(each checked in the page and in the workspace; a letter typed into a field is text), and at 1280×800 the
Combinations table shows its key columns without scrolling sideways. Screenshots of every step are saved in
the test's tmp folder.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from urllib.parse import urlparse
from pathlib import Path

import pytest

from app_helpers import HOSTILE, HOSTILE_IMG, MARKDOWN, write_demo

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture()
def server(tmp_path):
    demo = tmp_path / "demo"
    write_demo(demo, hostile=True, rings=True)        # new sets that hang together exist: the list is not empty
    port = free_port()
    env = dict(os.environ, STEPS_WORKSPACE=str(tmp_path / "ws" / "browser.sqlite"), STEPS_DEMO_DIR=str(demo),
               STEPS_EMBED_CACHE=str(tmp_path / "emb"), STEPS_CACHE=str(tmp_path / "llm-cache.sqlite"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("OPENAI_API_KEY", None)
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        yield url, tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def settle(page) -> None:
    """Wait until the app has finished its current run (the "Running..." widget is gone)."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden")


def go_to(page, name: str) -> None:
    """Follow our own page link in the sidebar (Streamlit's page list is hidden)."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=name, exact=True).click()


def launch(p):
    """Headless Chromium from Debian; assertions wait up to 30 s (a loaded 2-core CI machine is slow)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    return p.chromium.launch(executable_path=str(CHROMIUM), args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])


def click_slice(page, index: int) -> None:
    """Click inside sunburst sector ``index`` (sectors overlap in the DOM: click by coordinates)."""
    slices = page.locator(".js-plotly-plot g.slice")
    slices.nth(index).wait_for()
    text_box = slices.nth(index).locator("text").bounding_box()
    box = text_box if text_box and text_box["width"] > 0 else slices.nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_walk_through_every_page(server):
    from playwright.sync_api import expect, sync_playwright

    url, tmp = server
    shots = tmp / "screenshots"
    shots.mkdir()
    dialogs: list[str] = []
    leaks: list[str] = []
    outside: list[str] = []                                   # offline first: the app fetches nothing from the web
    label = f"Renamed by hand {MARKDOWN}"
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1800}, accept_downloads=True)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: leaks.append(r.url) if "leak.png" in r.url else None)
            page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).scheme in ("http", "https")
                    and urlparse(r.url).hostname not in ("127.0.0.1", "localhost") else None)
            page.set_default_timeout(60_000)

            # Home: the demo loads and the cards show its figures
            page.goto(url)
            expect(page.get_by_text("Explained by the tree")).to_be_visible(timeout=60_000)
            expect(page.get_by_test_id("stMetricValue").first).to_have_text("240")
            page.screenshot(path=shots / "1-home.png")

            # Taxonomy: click a top-level community in the sunburst; its panel appears
            go_to(page, "Taxonomy")
            expect(page.get_by_test_id("stAlertContentInfo")).to_be_visible()
            click_slice(page, 1)
            heading = page.get_by_role("heading", name=re.compile(r"^Community \d+$"))
            expect(heading).to_be_visible(timeout=20_000)
            community = heading.inner_text().split()[-1]
            expect(page.get_by_text("Path:")).to_be_visible()
            page.screenshot(path=shots / "2-taxonomy-click.png")

            # the hostile skill through the skills table: its name shows as text in the panel
            page.get_by_role("radiogroup", name="View").get_by_text("Skills", exact=True).click()
            page.get_by_label("Search skills").fill("script")
            page.get_by_label("Search skills").press("Enter")
            expect(page.get_by_text(re.compile(r"^\d+ of 26 skills"))).to_be_visible()
            grid = page.get_by_test_id("stDataFrame").last
            grid.wait_for()
            page.wait_for_timeout(500)
            box = grid.bounding_box()
            page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)          # the row's selection box
            expect(page.get_by_role("heading", name=f"Skill: {HOSTILE}")).to_be_visible(timeout=20_000)
            page.screenshot(path=shots / "3-taxonomy-hostile-skill.png")

            # the network: drawn offline in an iframe, the hostile name only as escaped data
            page.get_by_role("radiogroup", name="View").get_by_text("Network", exact=True).click()
            frame_el = page.locator("iframe").first
            frame_el.wait_for()
            frame = frame_el.content_frame
            frame.locator("canvas").first.wait_for()
            html = frame.locator("html").inner_html()
            assert "<script>alert(1)" not in html and "<img src=x" not in html
            assert "\\u003cscript\\u003ealert(1)" in html
            page.wait_for_timeout(3000)                                  # let the layout settle
            for name in (HOSTILE, HOSTILE_IMG):                          # the tooltip is set with innerHTML
                at = frame_el.element_handle().content_frame().evaluate("""(label) => {
                    network.stopSimulation();                           // the node stays where it is measured
                    const node = nodes.get().find(n => n.label === label);
                    return network.canvasToDOM(network.getPositions([node.id])[node.id]); }""", name)
                box = frame_el.bounding_box()
                page.mouse.move(box["x"] + at["x"] - 2, box["y"] + at["y"])
                page.mouse.move(box["x"] + at["x"], box["y"] + at["y"], steps=3)
                popup = frame.locator("div.popup")
                expect(popup).to_be_visible(timeout=10_000)
                expect(popup).to_contain_text(name)                      # the name, as text
                corner = frame.locator("canvas").first.bounding_box()   # empty canvas: vis hides the popup,
                page.mouse.move(corner["x"] + 3, corner["y"] + 3, steps=5)  # which could cover the next node
                expect(popup).to_be_hidden(timeout=10_000)
            page.screenshot(path=shots / "4-taxonomy-network.png")

            # Up to the top level (the chart shows two levels at a time, around what was picked)
            up = page.get_by_role("button", name="Up")
            for _ in range(5):
                if not up.is_enabled():
                    break
                up.click()
                settle(page)
            expect(up).to_be_disabled()
            expect(page.get_by_text("Showing all skills")).to_be_visible()

            # Edit: rename a community; the sunburst shows the new label; Undo takes it away again
            page.get_by_role("radiogroup", name="View").get_by_text("Edit", exact=True).click()
            box = page.get_by_role("combobox", name="Community")              # the community clicked above
            box.click()
            page.keyboard.type(f"{community} · ")
            page.keyboard.press("Enter")
            settle(page)
            expect(box).to_have_value(re.compile(rf"^{community} · "))
            page.get_by_label("New label", exact=True).fill(label)
            page.get_by_label("New label", exact=True).press("Enter")
            settle(page)
            page.get_by_role("button", name="Rename").click()
            renamed = page.locator(".js-plotly-plot text", has_text="Renamed by hand")
            expect(renamed.first).to_be_visible(timeout=30_000)
            done = page.get_by_test_id("stAlertContentSuccess")
            expect(done).to_contain_text(f"Done — rename community {community} to '{label}'")   # as typed
            expect(done.locator("strong")).to_have_count(0)
            expect(done.locator("img")).to_have_count(0)
            expect(page.get_by_label("New label", exact=True)).to_have_value("")
            page.screenshot(path=shots / "4b-taxonomy-renamed.png")
            page.get_by_role("button", name="Undo").click()
            expect(renamed).to_have_count(0, timeout=30_000)
            settle(page)

            # Combinations: approve the ten best
            go_to(page, "Combinations")
            page.get_by_role("button", name="Approve the top 10").click()
            expect(page.get_by_text("Approved combinations (10)")).to_be_visible(timeout=60_000)
            page.screenshot(path=shots / "5-combinations.png")

            # Synthesize: template samples appear, accept one
            go_to(page, "Synthesize")
            page.get_by_role("button", name="Generate 10 sample(s)").click()
            expect(page.get_by_text("Saved 10 sample(s) to the workspace")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("[template sample — not model output]").first).to_be_visible()
            assert HOSTILE in page.inner_text("body")                  # in the samples, as text
            page.screenshot(path=shots / "6-synthesize.png")
            page.get_by_role("button", name="Accept").first.click()
            expect(page.get_by_text(re.compile(r"to review, 1 accepted"))).to_be_visible()

            # Export: write the accepted sample; the file reads back
            go_to(page, "Export")
            write = page.get_by_role("button", name="Write file")
            expect(write).to_be_disabled()                               # a placeholder, ungraded: asks first
            page.get_by_text("I have looked: export them anyway").click()
            expect(write).to_be_enabled()
            write.click()
            expect(page.get_by_text(re.compile(r"Wrote 1 sample\(s\) to"))).to_be_visible()
            expect(page.get_by_text(re.compile("Manifest of the last export"))).to_be_visible()
            with page.expect_download() as download:                     # the zip is built on the click
                page.get_by_role("button", name="Download browser-openai.zip").click()
            with zipfile.ZipFile(download.value.path()) as z:
                assert sorted(z.namelist()) == ["browser-openai.README.md", "browser-openai.jsonl",
                                                "browser-openai.manifest.json"]
                zipped = json.loads(z.read("browser-openai.manifest.json"))
                assert HOSTILE not in z.read("browser-openai.README.md").decode()   # the card escapes data
                assert len(z.read("browser-openai.jsonl").decode().splitlines()) == 1
            page.screenshot(path=shots / "7-export.png")
            body = page.inner_text("body")
            assert "Traceback" not in body
        finally:
            browser.close()
    assert dialogs == [], f"a script ran in the page: {dialogs}"
    assert leaks == [], f"Markdown from data fetched an image: {leaks}"
    assert outside == [], f"the app fetched from the web: {sorted(set(outside))}"
    from steps_core.workspace import Workspace

    with Workspace(tmp / "ws" / "browser.sqlite") as ws:              # the download recorded its manifest
        recorded = {e["path"]: e["manifest"] for e in ws.exports()}
    assert recorded["download:browser-openai.zip"] == zipped and zipped["counts"]["total"] == 1
    files = list((tmp / "ws" / "exports").glob("*.jsonl"))
    assert len(files) == 1
    rows = [json.loads(line) for line in files[0].read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1 and rows[0]["messages"][-1]["role"] == "assistant"
    assert community  # a community id was read from the panel


def test_upload_bad_then_good_file(server):
    """Uploading a broken corpus shows the file, line and field; a good CSV then becomes the data."""
    from playwright.sync_api import expect, sync_playwright

    url, tmp = server
    bad = tmp / "broken.jsonl"
    bad.write_text('{"skills": ["a", "b"]}\n{"skills": 42}\n', encoding="utf-8")
    good = tmp / "mine.csv"
    good.write_text("id,skills,prompt\n1,x;y,hello\n2,y;z,hi\n3,x;z,hey\n4,x,yo\n5,z;w,ok\n", encoding="utf-8")
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(60_000)
            page.goto(url)
            expect(page.get_by_text("Explained by the tree")).to_be_visible(timeout=60_000)
            sidebar = page.get_by_test_id("stSidebar")
            sidebar.get_by_text("Upload files").click()
            upload = sidebar.locator("input[type=file]").first
            upload.set_input_files(str(bad))
            expect(sidebar.get_by_text("broken.jsonl")).to_be_visible()
            settle(page)
            sidebar.get_by_role("button", name="Use these files").click()
            expect(sidebar.get_by_text(re.compile(r"broken\.jsonl:2: field 'skills'"))).to_be_visible()
            expect(page.get_by_test_id("stMetricValue").first).to_have_text("240")     # still the demo
            page.screenshot(path=tmp / "upload-error.png")
            upload.set_input_files(str(good))
            expect(sidebar.get_by_text("mine.csv")).to_be_visible()
            settle(page)
            sidebar.get_by_role("button", name="Use these files").click()
            expect(page.get_by_test_id("stMetricValue").first).to_have_text("5")
            expect(sidebar.get_by_text("Using: mine.csv")).to_be_visible()
            page.screenshot(path=tmp / "upload-good.png")
        finally:
            browser.close()
    stored = list((tmp / "ws" / "uploads").iterdir())
    assert [f.read_bytes() for f in stored if f.suffix == ".csv"] == [good.read_bytes()]


def test_first_request_to_a_page_url_has_the_frame(server):
    """A fresh server whose very first request is the Taxonomy page's URL: the page runs with its sidebar
    (our page links, workspace, data, settings) and without Streamlit's own page list."""
    from playwright.sync_api import expect, sync_playwright

    url, tmp = server
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(60_000)
            page.goto(url + "/Taxonomy")
            expect(page.get_by_role("heading", name="Taxonomy", exact=True)).to_be_visible()
            sidebar = page.get_by_test_id("stSidebar")
            for name in ("Home", "Taxonomy", "Combinations", "Synthesize", "Export", "Compare samplers"):
                expect(sidebar.get_by_role("link", name=name, exact=True)).to_be_visible()
            expect(sidebar.get_by_label("Workspace", exact=True)).to_have_value(str(tmp / "ws" / "browser.sqlite"))
            expect(sidebar.get_by_text("Taxonomy settings")).to_be_visible()
            expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)          # Streamlit's list is hidden
            expect(page.locator(".js-plotly-plot g.slice").first).to_be_visible()
            assert page.title().startswith("Taxonomy")
            page.screenshot(path=tmp / "deep-link.png")
            go_to(page, "Home")                                                     # and the links work
            expect(page.get_by_text("Explained by the tree")).to_be_visible(timeout=60_000)
            expect(page).to_have_url(url + "/")
        finally:
            browser.close()


def add_review_samples(tmp: Path, n: int = 4) -> list[str]:
    """``n`` template samples (undecided) for the best combinations of the test's demo, stored in the app's
    workspace with steps_core (faster than approving and generating through the pages); their ids in the
    review's order."""
    from app_helpers import open_ws, reference_tree
    from steps_core.corpus import read_catalog
    from steps_core.select import PLAIN, select_combinations
    from steps_core.synth import TemplateBackend, plan_jobs, synthesize

    combos = select_combinations(reference_tree(tmp / "demo" / "corpus.jsonl"), k=3, beam=20, top=n, **PLAIN)
    jobs = plan_jobs(combos, style="agentic", catalog=read_catalog(tmp / "demo" / "skills.csv"))
    samples = sorted(synthesize(jobs, TemplateBackend(), workers=1), key=lambda s: s["id"])
    for s in samples:
        s["accepted"] = None
    with open_ws(tmp / "ws" / "browser.sqlite") as ws:
        ws.add_samples(samples)
        return [r["id"] for r in ws.sample_rows()]


def decisions(tmp: Path) -> dict[str, tuple]:
    """Each sample's decision in the workspace: ``id -> (accepted, reject_reason)``."""
    from steps_core.workspace import Workspace

    with Workspace(tmp / "ws" / "browser.sqlite") as ws:
        return {r["id"]: (r["accepted"], r["reject_reason"]) for r in ws.sample_rows()}


def test_review_with_keyboard_shortcuts(server):
    """The review on the Synthesize page driven by its keys in a real browser: ``a`` accepts the sample shown and
    shows the next, ``j`` moves on, ``r`` rejects with the reason chosen, ``u`` undoes the last decision, ``k``
    goes back, ``e`` edits; a letter typed into a text field or a text area is text, not a shortcut. Each effect
    is checked in the page and in the workspace."""
    from playwright.sync_api import expect, sync_playwright

    url, tmp = server
    shots = tmp / "shots"
    shots.mkdir()
    ids = add_review_samples(tmp)
    s0, s1, s2, s3 = ids
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.set_default_timeout(60_000)
            page.goto(url + "/Synthesize")
            shown = page.get_by_test_id("stCaptionContainer").filter(has_text=re.compile(r"^Sample id: "))
            expect(shown).to_have_text(f"Sample id: {s0}", timeout=60_000)
            expect(page.get_by_text("Keys:")).to_be_visible()
            expect(page.get_by_role("button", name="Undo (u)")).to_be_visible()
            settle(page)
            # the component's code is loaded lazily, a second or two after the card shows: wait for its listener
            page.wait_for_function("() => typeof window.__stepsShortcuts === 'function'")
            page.get_by_role("heading", name="Review").evaluate("h => h.scrollIntoView({block: 'start'})")
            page.screenshot(path=shots / "review-1-before.png")

            def press(key: str) -> None:
                """Press ``key`` with the focus on no text field (focus taken off whatever holds it: a click on a
                margin could land on a button, the review's stretch to the page's edge)."""
                page.evaluate("() => document.activeElement && document.activeElement.blur()")
                page.keyboard.press(key)

            press("a")                                                 # accept: the next sample shows
            expect(shown).to_have_text(f"Sample id: {s1}")
            last = page.get_by_test_id("stAlertContentInfo").filter(has_text="Last decision")
            expect(last).to_contain_text("Accepted")
            assert decisions(tmp)[s0] == (True, None)
            settle(page)
            page.screenshot(path=shots / "review-2-accepted.png")

            press("j")                                                 # next
            expect(shown).to_have_text(f"Sample id: {s2}")
            settle(page)
            reason = page.get_by_role("combobox", name="Reason for a rejection")
            reason.click()                                             # typed into the box: no shortcut
            page.keyboard.type("factual")
            page.keyboard.press("Enter")
            expect(reason).to_have_value(re.compile("^factual error"))
            settle(page)
            press("r")                                                 # reject with the reason chosen
            expect(shown).to_have_text(f"Sample id: {s3}")
            expect(last).to_contain_text("Rejected")
            expect(last).to_contain_text("(factual error)")
            assert decisions(tmp)[s2] == (False, "factual error")
            settle(page)
            page.screenshot(path=shots / "review-3-rejected.png")

            press("u")                                                 # undo: the rejection is gone
            expect(shown).to_have_text(f"Sample id: {s2}")
            expect(last).to_contain_text("Accepted")
            assert decisions(tmp)[s2] == (None, None) and decisions(tmp)[s0] == (True, None)
            settle(page)

            press("k")                                                 # previous
            expect(shown).to_have_text(f"Sample id: {s1}")
            settle(page)

            note = page.get_by_label("Note (optional, saved with the rejection)")
            note.click()                                               # letters typed in a field are text
            page.keyboard.type("a jar")
            expect(note).to_have_value("a jar")
            press("e")                                                 # edit: the messages become text areas
            area = page.locator("textarea").last
            expect(area).to_be_visible()
            area.click()
            page.keyboard.press("End")
            page.keyboard.type(" u a r")
            page.wait_for_timeout(1500)
            settle(page)
            expect(shown).to_have_text(f"Sample id: {s1}")             # nothing moved, nothing decided
            assert decisions(tmp) == {s0: (True, None), s1: (None, None), s2: (None, None), s3: (None, None)}
            expect(area).to_have_value(re.compile(r" u a r"))
            page.screenshot(path=shots / "review-4-typing.png")
            assert "Traceback" not in page.inner_text("body")
        finally:
            browser.close()


#: The Combinations table's columns a person decides by (their header titles): they must fit a laptop screen.
KEY_COLUMNS = ["rank", "skills", "mark", "fit", "why"]


def test_combinations_key_columns_fit_a_laptop_screen(server):
    """At 1280×800 (sidebar open) the ranked table shows its key columns (skills, the approval mark, fit:
    coherence, why: the attested pairs) without scrolling sideways.

    Measured in the browser: the grid (glide data grid, drawn on a canvas) keeps an accessibility table whose
    header cells are exactly the columns that start inside its visible width, in order. Every key column is
    among them, and so is the column after the last key column (it starts where that one ends): the key
    columns end inside the visible width."""
    from playwright.sync_api import expect, sync_playwright

    url, tmp = server
    shots = tmp / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.set_default_timeout(60_000)
            page.goto(url + "/Combinations")
            expect(page.get_by_role("heading", name=re.compile(r"^Ranked combinations"))).to_be_visible(
                timeout=60_000)
            expect(page.get_by_text("Coherence is being computed")).to_have_count(0, timeout=180_000)  # MiniLM
            settle(page)
            grid = page.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text="why")).first
            expect(grid.locator("th", has_text="fit")).to_have_count(1)
            grid.evaluate("g => g.scrollIntoView({block: 'center'})")
            page.wait_for_timeout(500)
            page.screenshot(path=shots / "combinations-1280x800.png")
            sizes = grid.evaluate("""g => { const s = g.querySelector('.dvn-scroller');
                return {scroll: s.scrollWidth, client: s.clientWidth, left: s.scrollLeft}; }""")
            shown = grid.evaluate("g => [...g.querySelectorAll('th[role=columnheader]')].map(h => h.textContent)")
        finally:
            browser.close()
    assert sizes["left"] == 0, sizes
    assert shown[:len(KEY_COLUMNS)] == KEY_COLUMNS, f"key columns not first and visible: {shown}"
    fits = len(shown) > len(KEY_COLUMNS) or sizes["scroll"] <= sizes["client"]
    assert fits, f"the last key column ({KEY_COLUMNS[-1]}) runs past the grid's visible width: {shown}, {sizes}"
