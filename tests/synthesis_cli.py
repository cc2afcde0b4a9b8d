"""Helpers for the CLI tests of the synthesis half (`steps synth | grade | eval | export`): run `steps` in-process
(any exit code), the `steps synth` command line against a fake server, and a judge whose scores differ per
combination."""

from __future__ import annotations

from click.testing import CliRunner

from fake_openai import default_responder
from steps_core.cli import cli

#: An API key that must never reach a file or the output.
SECRET = "sk-live-DO-NOT-LEAK-4c9e2a7b1f"


def invoke(args, env=None):
    """Run ``steps ARGS`` in-process; the result whatever its exit code."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def synth(inputs, server, out, *extra, style="composite", env=None):
    """``steps synth`` of the test combinations against ``server``, caching beside ``out``; the inputs the
    style needs are passed."""
    args = ["synth", inputs["combos"], "--style", style, "--catalog", inputs["catalog"], "--model", "fake-model",
            "--base-url", server.base_url, "--cache", out.parent / "cache.sqlite", "-o", out, "--max-retries", "3",
            "--backoff", "0.01", *extra]
    if style == "composite":
        args += ["--corpus", inputs["corpus"]]
    if style == "skillmix":
        args += ["--topics", inputs["topics"]]
    return invoke(args, env=env)


def template_synth(inputs, out):
    """``steps synth`` of the test combinations with the offline template backend."""
    return invoke(["synth", inputs["combos"], "--corpus", inputs["corpus"], "--catalog", inputs["catalog"],
                   "--backend", "template", "-o", out])


def mixed_judge(body):
    """Judge scores that differ per combination (the same in every round), for hand-computed metrics:
    'red herring' texts miss a skill, 'statistics' texts are off topic, the k=3 texts get every point."""
    prompt = body["messages"][-1]["content"]
    if "Score each of the following" not in prompt:
        return default_responder(body)
    if '"red herring"' in prompt:
        return '{"scores": [1, 0, 1, 1]}'
    if '"statistics"' in prompt:
        return 'Off topic. {"scores": [1, 1, 0, 1]}'
    return '{"scores": [1, 1, 1, 1, 1]}'


def assert_every_option_has_help(command: str) -> None:
    """Every option of ``steps COMMAND`` says what it does (an option added without help fails)."""
    params = [p for p in cli.commands[command].params if p.param_type_name == "option" and p.name != "help"]
    assert params
    missing = [p.name for p in params if not p.help]
    assert not missing, f"{command}: options without help: {missing}"
