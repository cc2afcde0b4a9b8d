"""``steps demo`` and ``steps app``: the pipeline on the embedded demo data, and the web app."""

from __future__ import annotations

import click

from ..names import MAX_HEIGHT, MAX_K, MIN_HEIGHT, MIN_K
from . import cli
from ._util import progress_bar


@cli.command("demo")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default="steps-demo",
              show_default=True, help="Folder to write the demo's files into.")
@click.option("--height", type=click.IntRange(MIN_HEIGHT, MAX_HEIGHT), default=3, show_default=True,
              help="Height of the encoding tree.")
@click.option("--k", "k", type=click.IntRange(MIN_K, MAX_K), default=3, show_default=True,
              help="Skills per combination.")
@click.option("--samples", "n_samples", type=click.IntRange(min=0), default=5, show_default=True,
              help="Template-backend samples to render (offline; no model, no key).")
@click.option("--force", is_flag=True, help="Replace the demo files already in the folder.")
def demo_cmd(out_dir, height, k, n_samples, force):
    """Run the whole pipeline on the embedded demo data: graph, tree, combinations and a few samples.

    Needs no download and no API key; the samples come from the offline template backend and say so.
    """
    from ..pipeline import demo_files, run_demo

    files = demo_files()
    with progress_bar("demo", unit=" steps") as bar:
        result = run_demo(out_dir, height=height, k=k, n_samples=n_samples, force=force, progress=bar)
    tree, combos = result.tree, result.combos
    click.echo(f"data      {tree.graph.n_records:,} records, {tree.n_skills:,} skills ({files.corpus})")
    click.echo(f"taxonomy  {len(tree.communities):,} communities, height {tree.height}: the tree explains "
               f"{tree.theta:.0%} of the graph's entropy ({tree.entropy:.3f} of {tree.h1:.3f} bits)")
    best = " + ".join(combos[0].skills) if combos else "none"
    click.echo(f"combos    {len(combos)} new combinations of {k} skills, best: {best}")
    click.echo(f"samples   {result.n_samples} offline template samples (placeholders: no model was used)")
    click.echo(f"files     {', '.join(str(p) for p in result.written.values())}")
    click.echo("next      steps app          (browse the taxonomy and the combinations in your browser)")


@cli.command("app")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port to serve on.")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default serves this machine only; 0.0.0.0 exposes the app to "
                   "the network (anyone who can reach it can read your data and spend on your endpoint).")
def app_cmd(port, address):
    """Start the STEPS Studio web app (Streamlit) on the embedded demo data, or on the data chosen in it."""
    import os
    import sys
    from pathlib import Path

    from ..errors import StepsError

    script = Path(__file__).resolve().parents[2] / "app.py"
    if not script.exists():
        raise StepsError("the app's files (app.py, pages/) are not beside the installed package: install from a "
                         "checkout with `pip install -e .` and run `steps app` there")
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.address", address, "--browser.gatherUsageStats", "false"]
    click.echo(f"STEPS Studio on http://{'localhost' if address == '127.0.0.1' else address}:{port} "
               "(Ctrl-C stops it)", err=True)
    os.chdir(script.parent)
    # exec, not a child process: a stop signal sent to `steps app` reaches the server itself
    os.execv(sys.executable, cmd)
