"""The layers hold (docs/architecture.md): no import cycle among the modules, every module imports on its own,
the core never imports the app or the CLI, and modules stay small enough to have one reason to change."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"steps_core": REPO / "steps_core", "pages.ui": REPO / "pages" / "ui"}


def modules() -> dict[str, Path]:
    out = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


def top_level_imports(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports when it is loaded (imports inside functions are run later)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: {m for m in top_level_imports(name, path) if m in mods and m != name}
            for name, path in mods.items()}


def test_no_import_cycle():
    graph = import_graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_the_core_does_not_know_the_front_ends():
    for name, path in modules().items():
        if name.startswith("steps_core") and not name.startswith("steps_core.cli"):
            text = path.read_text(encoding="utf-8")
            assert "import streamlit" not in text and "from streamlit" not in text, name
            assert not any(m.startswith(("pages", "steps_core.cli")) for m in top_level_imports(name, path)), name


@pytest.mark.slow
def test_every_core_module_imports_on_its_own():
    names = [n for n in modules() if n.startswith("steps_core") and not n.endswith("__main__")]
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    for name in names:                     # one fresh interpreter per module: the order of imports cannot help
        done = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, cwd=REPO)
        assert done.returncode == 0, f"{name}: {done.stderr[-800:]}"


@pytest.mark.parametrize("files,limit", [("steps_core/**/*.py", 650), ("pages/ui/*.py", 650),
                                         ("pages/*.py", 260), ("app.py", 260)])
def test_modules_stay_small(files, limit):
    """A core or helper module over ~600 lines, or a page over ~250, has more than one reason to change."""
    big = {str(p.relative_to(REPO)): n for p in REPO.glob(files)
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > limit}
    assert not big, f"over {limit} lines: {big}"
