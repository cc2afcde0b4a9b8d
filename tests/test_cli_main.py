"""`steps` itself: every option of every command explained, commands listed in pipeline order with their whole
first line, `steps demo`'s summary and next step, `steps app` serving the app, no heavy import for `--help`."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import click

from cli_helpers import run
from steps_core.cli import ORDER, cli


def test_every_option_of_every_command_has_help():
    for name, cmd in cli.commands.items():
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"steps {name} {param.opts} has no help"
        assert cmd.help, f"steps {name} has no description"


def test_commands_in_pipeline_order_with_their_first_line():
    out = run("--help").output
    listed = [line.split()[0] for line in out.split("Commands (in pipeline order):")[1].splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == [n for n in ORDER if n in cli.commands]
    flat = " ".join(out.split())
    first = " ".join(cli.commands["eval"].help.strip().split("\n\n")[0].split())
    assert first in flat                                           # not cut after 45 characters


def test_demo_ends_with_a_summary_and_the_next_command(tmp_path):
    out = run("demo", "-o", tmp_path / "d", "--samples", "2").output.splitlines()
    assert [line.split()[0] for line in out] == ["data", "taxonomy", "combos", "samples", "files", "next"]
    assert "steps app" in out[-1] and "2 offline template samples" in out[3]


def test_help_does_not_load_numpy():
    code = "import sys; from steps_core.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\n" \
           "print('numpy' in sys.modules, 'scipy' in sys.modules, 'tqdm' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False False False"


def test_app_command_serves_the_app(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, STEPS_WORKSPACE=str(tmp_path / "ws.sqlite"), HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "steps_core.cli", "app", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "the app did not start"
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
