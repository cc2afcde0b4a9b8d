"""``steps export``: the accepted samples of a samples file or a workspace as a training file with its manifest
(:func:`steps_core.synthesis.export`, :func:`steps_core.synthesis.export_workspace`; docs/synthesis.md
"Export")."""

from __future__ import annotations

import click

from ..errors import InputError
from ..names import CURRICULA, EPOCH_SIZE, EXPORT_FORMATS, MIN_GRADES, describe
from . import cli


@cli.command("export")
@click.argument("samples", type=click.Path(dir_okay=False), required=False)
@click.option("--workspace", "workspace_path", type=click.Path(dir_okay=False), default=None,
              help="Export the samples curated in the app: a workspace SQLite file (instead of SAMPLES). Accepted "
                   "samples are exported with their edits; the export is recorded in the workspace.")
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), required=True,
              help=describe(EXPORT_FORMATS) + ".")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="File to write (atomically).")
@click.option("--all", "include_all", is_flag=True, default=False,
              help="Export every ok sample nobody rejected, not only the accepted ones.")
@click.option("--curriculum", default="default", show_default=True,
              help="Order, from fewer to more skills over 3 epochs with the reference weights for k = 2..7: "
                   + describe(CURRICULA) + "; or a JSON file {\"epochs\": [{\"2\": 0.6, \"3\": 0.4}, ...], "
                   "\"schedule\": \"reference\"|\"partition\", \"epoch_size\": N}. The trainer must read the "
                   "file in order, without shuffling.")
@click.option("--epoch-size", type=click.IntRange(min=1), default=None,
              help=f"Rows per epoch of the reference schedule (default {EPOCH_SIZE:,}, as the STEPS reference).")
@click.option("--min-grade", default=None, metavar="full|all-skills|N",
              help="Export only graded samples whose grade reaches this: " + describe(MIN_GRADES)
                   + ", or N rubric points (e.g. 4). Samples without a grade are left out.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the curriculum draws and shuffles.")
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False), default=None,
              help="Manifest file (default: manifest.json beside the output).")
@click.option("--force", is_flag=True, default=False,
              help="Replace an existing export (the data file or the manifest); without it they are refused.")
def export_cmd(samples, workspace_path, fmt, output, include_all, curriculum, epoch_size, min_grade, seed,
               manifest_path, force):
    """Export the accepted samples of SAMPLES (samples.jsonl) or of a --workspace for training, with a
    manifest.json of counts, settings and file hashes, and a dataset card <name>.README.md beside the data."""
    from ..export import curriculum_choice, grade_filter
    from ..synth import read_samples
    from ..synthesis import ExportSettings, export, export_workspace

    if (samples is None) == (workspace_path is None):
        raise InputError("give either SAMPLES (a samples.jsonl) or --workspace PATH, not both or neither")
    settings = ExportSettings(fmt, include_all=include_all, seed=seed, min_grade=grade_filter(min_grade),
                              curriculum=curriculum_choice(curriculum, epoch_size=epoch_size))
    curriculum_file = [curriculum] if curriculum not in CURRICULA else []
    if workspace_path is not None:
        from ..workspace import open_workspace

        with open_workspace(workspace_path, create=False) as ws:
            versions = sorted({s["tree_version"] for s in ws.samples(with_provenance=False) if s.get("tree_version")})
            result, recorded = export_workspace(
                ws, output, settings, tree_version=versions[0] if len(versions) == 1 else None,
                manifest_path=manifest_path, inputs=curriculum_file, force=force,
                extra={"workspace": str(workspace_path), "tree_versions": versions})
        if not recorded:
            click.echo(f"note: the workspace {workspace_path} is read-only here: this export is not recorded "
                       "in it", err=True)
    else:
        result = export(read_samples(samples), output, settings, inputs=[samples, *curriculum_file],
                        manifest_path=manifest_path, force=force)
    counts = result.manifest["counts"]
    click.echo(f"wrote {result.rows} sample(s) to {result.path} ({fmt})"
               + (f": {counts['unique']} distinct, some used more than once" if counts["unique"] < result.rows
                  else ""))
    click.echo("per k:         " + ", ".join(f"k={k}: {n}" for k, n in counts["per_k"].items()))
    click.echo("per community: " + ", ".join(f"{c}: {n}" for c, n in counts["per_community"].items()))
    if counts.get("per_epoch"):
        click.echo("per epoch:     " + ", ".join(f"{e}: {n}" for e, n in counts["per_epoch"].items()))
        click.echo("epoch by k:    " + "; ".join(f"{e}: " + ", ".join(f"k={k}: {n}" for k, n in ks.items())
                                                for e, ks in (counts.get("per_epoch_k") or {}).items()))
    for note in result.manifest["notes"]:
        click.echo(f"note:          {note}")
    click.echo(f"manifest:      {result.manifest_path}")
    if result.card_path is not None:
        click.echo(f"dataset card:  {result.card_path}")
