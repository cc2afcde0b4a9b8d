"""Export: what will be written (per k, per community), the format and curriculum, download or write to a path,
with the dataset card (``<name>.README.md``) beside the data every time. An export holding template placeholders
or ungraded samples is blocked until the user confirms it (the confirmation is saved for exactly those samples);
the list of exports includes a download the moment it is made.

*Write file* writes only inside the workspace's folder or the folder named by ``$STEPS_EXPORT_DIR`` (a relative
path is taken inside the workspace's folder), through :func:`steps_core.io.guarded_output`: never over the
workspace (or its ``-wal``/``-shm`` files), a database, a device or a folder, and never over an earlier export
unless *Replace existing files* is on."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd
import streamlit as st

from pages.ui import charts, tables
from pages.ui.build import tree_or_none, tree_version
from pages.ui.datasource import current_source
from pages.ui.download import BUILDS, DOWNLOAD_WAIT, export_zip, extension
from pages.ui.frame import frame as page_frame
from pages.ui.nav import page_path
from pages.ui.state import MAX_SEED, bind_bool, bound, save, table_height, valid_int, workspace, workspace_folder
from pages.ui.text import md, page_intro, shown_errors
from steps_core.dataset_card import card_text
from steps_core.errors import OutputError
from steps_core.export import PARTITION_CURRICULUM, taxonomy_of
from steps_core.review import ExportRisks, export_risks
from steps_core.synthesis import ExportSettings, export_workspace
from steps_core.names import EXPORT_FORMATS
from steps_core.workspace import READ_ONLY_NOTE

frame = page_frame("Export")

#: An extra folder the app may write exports to (besides the workspace's folder).
EXPORT_DIR_ENV = "STEPS_EXPORT_DIR"
#: Session key: the download whose build the next run waits for.
WAIT = "_export_download_wait"


def options() -> ExportSettings:
    """The format, which samples, the curriculum order and its seed, as workspace settings."""
    c = st.columns([2, 1.2, 1.2, 1], vertical_alignment="bottom")
    fmt = bound(c[0].selectbox, "Format", "export.format", "openai", EXPORT_FORMATS.__contains__,
                options=list(EXPORT_FORMATS), format_func=lambda f: f"{f}: {EXPORT_FORMATS[f]}")
    include_all = c[1].toggle("Include unreviewed", help="also export ok samples nobody has accepted or rejected yet",
                              key=bind_bool("export.include_all", False), on_change=save, args=("export.include_all",))
    curriculum = c[2].toggle("Curriculum order", help="order from fewer to more skills per sample over three epochs "
                                                      "(the reference weights for k = 2..7)",
                             key=bind_bool("export.curriculum", True), on_change=save, args=("export.curriculum",))
    seed = bound(c[3].number_input, "Seed", "export.seed", 0, valid_int(0, MAX_SEED), min_value=0, max_value=MAX_SEED,
                 step=1, help="for the curriculum's draws and shuffles")
    return ExportSettings(fmt, include_all=bool(include_all), curriculum=PARTITION_CURRICULUM if curriculum else None,
                          seed=int(seed))


def community_label(tree, ident: str, recorded: dict[str, str]) -> str:
    """The community's path of labels as the samples' combinations recorded it (``recorded``: the taxonomy
    they were selected in, :func:`steps_core.export.taxonomy_of`), else its label in the tree in use."""
    if ident == "root":
        return "(across top-level communities)"
    if recorded.get(ident):
        return recorded[ident]
    node = tree.id_index.get(ident) if tree is not None else None
    return tree.labels[node] if node is not None and node > tree.n_skills else ""


def preview(samples: list[dict], chosen: list[dict], tree, opts: ExportSettings) -> None:
    """What will be written, counted as the manifest will count it (:meth:`ExportSettings.counts`): total, per
    k, per community, per style and per epoch."""
    counts = opts.counts(samples)
    recorded = taxonomy_of(chosen)["communities"]
    c = st.columns([1, 2, 3])
    with c[0]:
        st.metric("Samples", f"{counts['total']:,}", help="rows the file will hold")
        st.caption("Styles: " + md(", ".join(f"{k} {v:,}" for k, v in counts["per_style"].items())))
        st.caption("Edited by you: " + f"{sum(1 for s in chosen if s.get('edited')):,}")
        if counts["per_epoch"] is not None:
            st.caption("Per epoch: " + ", ".join(f"{e}: {n:,}" for e, n in counts["per_epoch"].items()))
    with c[1]:
        st.markdown("**Per number of skills k**")
        st.bar_chart(pd.DataFrame({"k": list(counts["per_k"]), "samples": list(counts["per_k"].values())}),
                     x="k", y="samples", height=220, color="#0072B2")
    with c[2]:
        st.markdown("**Per community** (where the combination's skills meet)")
        per_c = sorted(counts["per_community"].items(), key=lambda kv: (-kv[1], kv[0]))
        df = pd.DataFrame([{"community": ident if ident != "root" else "—",
                            "label": community_label(tree, ident, recorded), "samples": n} for ident, n in per_c],
                          columns=["community", "label", "samples"])
        colours = charts.community_colour_map(tree) if tree is not None else None
        st.dataframe(charts.with_swatch(df, colours), hide_index=True, width="stretch",
                     height=table_height(len(df), 250), column_config=tables.swatch_column())


def export_folders() -> list[Path]:
    """The folders *Write file* may write in: the workspace's folder and ``$STEPS_EXPORT_DIR`` if set."""
    folders = [workspace_folder()]
    if os.environ.get(EXPORT_DIR_ENV):
        folders.append(Path(os.environ[EXPORT_DIR_ENV]).expanduser())
    return [Path(os.path.realpath(f)) for f in folders]


def export_target(text: str) -> Path:
    """The file a typed path names (relative: inside the workspace's folder); an :class:`OutputError` when it
    lies outside :func:`export_folders` (symbolic links followed)."""
    path = Path(text.strip()).expanduser()
    if not path.is_absolute():
        path = workspace_folder() / path
    folders = export_folders()
    if not any(Path(os.path.realpath(path)).is_relative_to(f) for f in folders):
        raise OutputError("outside the folders the app writes to (" + ", ".join(map(str, folders))
                          + f"); write there, or start the app with {EXPORT_DIR_ENV} set to another folder",
                          path=text.strip())
    return path


def write_file(opts: ExportSettings, extra: dict, version: str | None, target: str, replace: bool) -> None:
    """Write the file, its manifest and its dataset card to ``target`` and record the export in the workspace."""
    with shown_errors("Export failed: "):
        path = export_target(target)
        result, recorded = export_workspace(workspace(), path, opts, tree_version=version, extra=extra,
                                            manifest_path=path.with_name(path.stem + ".manifest.json"), force=replace)
        st.success(f"Wrote {result.rows:,} sample(s) to {md(result.path)}, the manifest to "
                   f"{md(result.manifest_path)} and the dataset card to {md(result.card_path)}."
                   + ("" if recorded else " The workspace is read-only: this export is not recorded in it."))


def _clicked(token: str) -> None:
    st.session_state[WAIT] = token


def download(samples: list[dict], opts: ExportSettings, extra: dict, version: str | None, blocked: bool) -> None:
    """A button that downloads ``<workspace>-<format>.zip`` (data file, manifest and dataset card); the zip is
    built and the export recorded only when it is clicked (Streamlit runs the callable then, in a server
    thread), and the rerun the click causes waits for that (:data:`~pages.ui.download.BUILDS`)."""
    ws = workspace()
    stem = f"{ws.path.stem}-{opts.fmt}"
    token = uuid.uuid4().hex

    def build() -> bytes:                       # no session here: only what the closure holds
        try:
            data, manifest = export_zip(samples, opts, stem, extra=extra)
            if not ws.read_only:
                ws.record_export(f"download:{stem}.zip", opts.fmt, manifest, tree_version=version)
        except Exception as exc:
            BUILDS.done(token, f"{type(exc).__name__}: {exc}")
            raise
        BUILDS.done(token)
        return data

    st.download_button(f"Download {stem}.zip", build, file_name=f"{stem}.zip", mime="application/zip",
                       icon=":material/download:", key="export_download", on_click=_clicked, args=(token,),
                       disabled=blocked, help="the data file, its manifest and its dataset card in one zip; the "
                                              "export is recorded when you click")


def confirm(risks: ExportRisks, total: int) -> bool:
    """Say what in the export deserves a second look and ask for a confirmation; whether the export may go
    ahead. The confirmation is saved in the workspace for exactly these samples (``export.confirmed``): new
    placeholders or ungraded samples ask again."""
    if not risks:
        return True
    lines = []
    if risks.placeholders:
        lines.append(f"**{len(risks.placeholders):,} of the {total:,}** samples are template placeholders "
                     "(“[template sample — not model output]”): they show the pipeline, they are not training data.")
    if risks.ungraded:
        lines.append(f"**{len(risks.ungraded):,} of the {total:,}** samples have no grade: no judge has checked "
                     "that they use their skills (grade them on the Synthesize page).")
    st.warning("  \n".join(lines), icon=":material/warning:")
    ws = workspace()
    key = f"export_confirm_{risks.signature}"
    if key not in st.session_state:
        st.session_state[key] = ws.get_setting("export.confirmed") == risks.signature

    def saved() -> None:
        with shown_errors("Could not save: "):
            ws.set_setting("export.confirmed", risks.signature if st.session_state[key] else None)

    return st.checkbox("I have looked: export them anyway", key=key, on_change=saved,
                       help="Write file and Download stay off until you tick this; new placeholders or ungraded "
                            "samples ask again")


def outputs(samples: list[dict], opts: ExportSettings, version: str | None, blocked: bool) -> None:
    """Write to a path or download; the manifest records the taxonomy in use (``version``, edits included)."""
    ws = workspace()
    extra = {"workspace": str(ws.path), "tree_version": version, "source": current_source().to_setting()}
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Write to a file on the server**")
        default = str(workspace_folder() / "exports" / f"{ws.path.stem}-{opts.fmt}{extension(opts.fmt)}")
        target = bound(st.text_input, "Path", f"export.path.{opts.fmt}", default,
                       lambda v: isinstance(v, str) and bool(v.strip()),
                       help="the manifest (<name>.manifest.json) and the dataset card (<name>.README.md) are "
                            f"written beside it; the file must be inside the workspace's folder (or ${EXPORT_DIR_ENV})")
        replace = st.checkbox("Replace existing files", value=False, key="export_replace",
                              help="without it, an existing file (an earlier export) is never overwritten")
        if st.button("Write file", type="primary", icon=":material/save:", key="export_write", disabled=blocked):
            write_file(opts, extra, version, target, replace)
    with right:
        st.markdown("**Download**")
        download(samples, opts, extra, version, blocked)


def history() -> None:
    """The exports so far (a download just clicked included: its build is waited for), the last manifest and its
    dataset card."""
    token = st.session_state.pop(WAIT, None)
    if token is not None:
        with st.spinner("Recording the download…"):
            finished, error = BUILDS.wait(token, DOWNLOAD_WAIT)
        if error:
            st.error(f"The download failed: {md(error)}", icon=":material/error:")
        elif not finished:
            st.caption("The download is still being prepared: it shows here once it is recorded.")
    exports = workspace().exports()
    st.subheader(f"Exports so far ({len(exports)})")
    if not exports:
        st.caption("none yet")
        return
    st.dataframe([{"when": e["created_at"][:19].replace("T", " "), "format": e["format"],
                   "samples": (e["manifest"].get("counts") or {}).get("total"), "path": e["path"],
                   "tree": e["tree_version"]} for e in reversed(exports)], hide_index=True, width="stretch")
    last = next((e for e in reversed(exports) if "counts" in e["manifest"]), None)
    if last is not None:
        with st.expander(f"Manifest of the last export ({md(Path(last['path']).name)})", expanded=True):
            st.json({k: v for k, v in last["manifest"].items() if k != "ids"}, expanded=2)
        if last["manifest"].get("card"):
            with st.expander(f"Its dataset card ({md(last['manifest']['card'])})", icon=":material/description:"):
                st.markdown(card_text(last["manifest"]))      # data on the card is escaped


def main() -> None:
    page_intro("Export", "Write the accepted samples as a training file for your trainer, with a manifest "
                                "that records how they were made.")
    if workspace().read_only:
        st.warning(md(READ_ONLY_NOTE.format(path=workspace().path)), icon=":material/lock:")
    opts = options()
    samples = workspace().samples()
    chosen = opts.chosen(samples)
    tree = tree_or_none()
    if not chosen:
        st.info("Nothing to export yet: accept samples on the Synthesize page, or include the unreviewed ones.",
                icon=":material/info:")
        st.page_link(page_path("Synthesize"), label="Go to Synthesize", icon=":material/arrow_forward:")
    else:
        preview(samples, chosen, tree, opts)
        st.divider()
        ok = confirm(export_risks(chosen, {g["sample_id"] for g in workspace().grades()}), len(chosen))
        outputs(samples, opts, tree_version(tree), blocked=not ok)
    st.divider()
    history()


with shown_errors():          # a bug shows as a message, never as a traceback page
    main()
