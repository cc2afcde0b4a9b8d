"""Shared helpers of the app tests: a small skill-tagged corpus with nested communities, and AppTest set-up.

:func:`write_demo` writes ``corpus.jsonl`` (records with ``messages`` and ``skills``), ``skills.csv`` and
``topics.txt`` into a folder, the layout of ``assets/demo``; the app tests point ``STEPS_DEMO_DIR`` at it so
they never depend on the size of the shipped demo. Skills come in *areas* (a community each) and records mostly
combine skills of one area, with a few bridges, so the tree has clear communities. With ``hostile=True`` two
skills are named like HTML that would run a script if inserted unescaped: :data:`HOSTILE` (a script tag, in
the first area) and :data:`HOSTILE_IMG` (an image whose ``onerror`` runs even through ``innerHTML``, in the
last area).
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from pathlib import Path


#: A skill name that would run a script if any view put it into HTML unescaped.
HOSTILE = "<script>alert(1)</script>"
#: Another one: a script tag inserted through ``innerHTML`` never runs, an image's ``onerror`` does.
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
#: Text from data that Markdown would render: an image fetched from a server, and bold type.
MARKDOWN = "![i](http://127.0.0.1:9/leak.png) **bold**"

AREAS = {
    "code": ["python debugging", "unit testing", "code review", "refactoring", "sql queries", "regex"],
    "rhetoric": ["persuasion", "metaphor", "rebuttal", "call to action", "rhetorical question", "irony"],
    "maths": ["arithmetic", "algebra", "probability", "unit conversion", "estimation", "geometry"],
    "stories": ["dialogue writing", "plot twist", "character voice", "foreshadowing", "setting description",
                "humour"],
}
TOPICS = ["gardening", "a train journey", "the city library", "a football match", "cooking dinner",
          "a rainy weekend", "moving house", "a job interview"]


def write_demo(folder: str | Path, *, n_records: int = 240, seed: int = 7, hostile: bool = False,
               rings: bool = False) -> dict[str, Path]:
    """Write a small demo data set into ``folder``; returns the paths by name (corpus, catalog, topics).

    With ``rings`` each area is a ring of skills and a record holds one or two neighbours on it: skills that
    belong together (a run of three neighbours) are then never all tagged together, so new combinations whose
    pairs the corpus attests exist (by default every combination inside an area has been seen)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    areas = {name: list(skills) for name, skills in AREAS.items()}
    planted = {"code": HOSTILE, "stories": HOSTILE_IMG} if hostile else {}
    for area, name in planted.items():
        areas[area].append(name)
    names = list(areas)
    records = []
    for i in range(n_records):
        area = names[i % len(names)]
        pool = areas[area]
        if rings:
            first = rng.randrange(len(pool))
            skills = [pool[(first + j) % len(pool)] for j in range(rng.choice([1, 2, 2, 2]))]
        else:
            skills = rng.sample(pool, min(rng.choice([1, 2, 2, 3, 3, 3, 4]), len(pool)))
        if area in planted and planted[area] not in skills and i % 3 == 0:
            skills[-1] = planted[area]
        if rng.random() < 0.12:                                   # a bridge to another area
            other = areas[names[(names.index(area) + 1 + rng.randrange(len(names) - 1)) % len(names)]]
            skills.append(rng.choice(other))
        skills = list(dict.fromkeys(skills))
        user = f"Task {i}: please help me with {', '.join(skills)} about {rng.choice(TOPICS)}."
        answer = f"Here is an answer to task {i} that uses {' and '.join(skills)}."
        records.append({"id": f"r{i}", "skills": skills,
                        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]})
    corpus = folder / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    catalog = folder / "skills.csv"
    with catalog.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["skill", "category", "definition", "example"])
        for area, skills in areas.items():
            for s in skills:
                out.writerow([s, area, f"Using {s} well.", f"An example of {s}."])
    topics = folder / "topics.txt"
    topics.write_text("\n".join(TOPICS) + "\n", encoding="utf-8")
    return {"corpus": corpus, "catalog": catalog, "topics": topics}


# ------------------------------------------------------------------------------------------------ AppTest set-up
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:                   # so that tests can import pages.ui.* (the app's helpers)
    sys.path.insert(0, str(REPO))

#: The app's pages by short name: the script AppTest switches to.
PAGES = {"home": "app.py", "taxonomy": "pages/1_Taxonomy.py", "combinations": "pages/2_Combinations.py",
         "synthesize": "pages/3_Synthesize.py", "export": "pages/4_Export.py", "compare": "pages/5_Compare.py"}

#: Seconds an AppTest run may take: the first one in a process imports everything and may compile numba code.
APP_TIMEOUT = 180


def new_app(page: str | None = None):
    """A new AppTest session of ``app.py`` (a fresh browser tab), run once; on ``page`` (a key of
    :data:`PAGES`, e.g. ``"taxonomy"``) if given."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=APP_TIMEOUT)
    at.run()
    if page is not None:
        at.switch_page(PAGES[page]).run()
    assert_ok(at)
    return at


def assert_ok(at) -> None:
    """No exception and no unexpected-error message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    bugs = [e.value for e in at.error if "unexpected error" in str(e.value)]
    assert not bugs, bugs


def reference_tree(corpus: Path, *, k: int = 3, weighting: str = "lift"):
    """The tree the app should show, built directly with steps_core."""
    from steps_core.corpus import load_cooccurrence
    from steps_core.graph import build_graph
    from steps_core.optimize import build_tree

    return build_tree(build_graph(load_cooccurrence(corpus), weighting=weighting), k=k)


def open_ws(path: Path):
    """The test's own connection to the app's workspace file (as a second process would have)."""
    from steps_core.workspace import Workspace

    return Workspace(path)


def plain(markdown: str) -> str:
    """What escaped Markdown source reads as (backslash escapes removed): ``a\\_b`` -> ``a_b``."""
    return re.sub(r"\\(.)", r"\1", str(markdown))


def markdown_sources(at) -> list[str]:
    """The Markdown source of every element on the page that renders Markdown: text, captions, headings,
    alerts, metric labels and tooltips, expander labels."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for m in at.metric:
        parts += [str(m.label), str(m.proto.help)]
    parts += [str(e.label) for e in at.expander]
    return parts


def assert_escaped(at, raw: str = MARKDOWN) -> None:
    """``raw`` (text from data) reaches no Markdown unescaped: no image link nor bold type would render."""
    for part in markdown_sources(at):
        assert raw not in part and "](http" not in part and "**bold**" not in part, part


def texts(at) -> str:
    """Every piece of text on the page (markdown, captions, headers, metrics, alerts), one per line."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(parts)


def table_key(at, prefix: str) -> str:
    """The key of the table whose key starts with ``prefix`` (tables whose rows change get a new key)."""
    return next(str(d.key) for d in at.dataframe if str(d.key or "").startswith(prefix))


def select_rows(at, key: str, *rows: int):
    """Select table rows the way a click does (AppTest cannot click a dataframe), then rerun."""
    at.session_state[key] = {"selection": {"rows": list(rows), "columns": []}}
    return at.run()


def figures(at) -> list[dict]:
    """The plotly figures on the page, as the JSON specs sent to the browser (AppTest cannot inspect them)."""
    import json as _json

    return [_json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def button(at, label_start: str):
    """The first button whose label starts with ``label_start``."""
    return next(b for b in at.button if str(b.label).startswith(label_start))


def add_template_samples(env, combos, *, accept: int | None = None) -> list[dict]:
    """Template samples for ``combos`` stored in the app's workspace; the first ``accept`` accepted (all if
    None), the rest undecided."""
    from steps_core.corpus import read_catalog
    from steps_core.synth import TemplateBackend, plan_jobs, synthesize

    jobs = plan_jobs(combos, style="agentic", catalog=read_catalog(env.files["catalog"]))
    samples = sorted(synthesize(jobs, TemplateBackend(), workers=1), key=lambda s: s["id"])
    for i, s in enumerate(samples):
        s["accepted"] = True if accept is None or i < accept else None
    with open_ws(env.ws) as ws:
        ws.add_samples(samples)
    return samples


def corpus_skill_sets(corpus: Path) -> list[set[str]]:
    """The skill set of every record of a JSONL corpus written by :func:`write_demo` (for brute-force checks)."""
    return [set(json.loads(line)["skills"]) for line in corpus.read_text(encoding="utf-8").splitlines()]


def picker(at, name: str):
    """The selectbox of tree nodes called ``name`` (its key is ``<name>@<tree version>``, see
    ``pages.ui.tables.tree_selectbox``)."""
    return next(s for s in at.selectbox if str(s.key).startswith(f"{name}@"))


def confirm(at):
    """Tick "export them anyway" on the Export page (template samples are placeholders, nobody graded them)."""
    box = next(c for c in at.checkbox if str(c.key).startswith("export_confirm_"))
    box.check().run()
    return at
