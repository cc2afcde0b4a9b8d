"""Export: what will be written (per k, per community), the format and curriculum, download or write to a path."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import streamlit as st

from pages.ui import charts, common
from steps_core.export import (DEFAULT_CURRICULUM, FORMATS, community_of, curriculum_order, export_samples,
                               select_samples)

frame = common.frame("Export")

FORMAT_HELP = {
    "openai": "JSONL, one {\"messages\": [...]} per line (OpenAI chat fine-tuning)",
    "sharegpt": "JSONL, one {\"conversations\": [{\"from\", \"value\"}]} per line",
    "alpaca": "JSONL with instruction / input / output / history",
    "parquet": "one Parquet file: id, skills, k, style, community, epoch, messages, provenance",
}


def extension(fmt: str) -> str:
    return ".parquet" if fmt == "parquet" else ".jsonl"


def options() -> dict:
    c = st.columns([2, 1.2, 1.2, 1], vertical_alignment="bottom")
    fmt = c[0].selectbox("Format", FORMATS, format_func=lambda f: f"{f}: {FORMAT_HELP[f]}",
                         key=common.bind("export.format", "openai", FORMATS.__contains__),
                         on_change=common.save, args=("export.format",))
    include_all = c[1].toggle("Include unreviewed", help="also export ok samples nobody has accepted or rejected yet",
                              key=common.bind("export.include_all", False, lambda v: isinstance(v, bool)),
                              on_change=common.save, args=("export.include_all",))
    curriculum = c[2].toggle("Curriculum order", help="order from fewer to more skills per sample over three epochs "
                                                      "(the reference weights for k = 2..7)",
                             key=common.bind("export.curriculum", True, lambda v: isinstance(v, bool)),
                             on_change=common.save, args=("export.curriculum",))
    seed = c[3].number_input("Seed", 0, 2**31 - 1, step=1, help="for the curriculum's draws and shuffles",
                             key=common.bind("export.seed", 0, lambda v: isinstance(v, int)),
                             on_change=common.save, args=("export.seed",))
    return dict(fmt=fmt, include_all=bool(include_all), curriculum=DEFAULT_CURRICULUM if curriculum else None,
                seed=int(seed))


def community_label(tree, ident: str, samples: list[dict]) -> str:
    """The community's path of labels as the samples' combinations recorded it (the taxonomy they were
    selected in), else its label in the tree in use."""
    for s in samples:
        combo = (s.get("provenance") or {}).get("combination") or {}
        if community_of(s) == ident and (combo.get("lca_path") or combo.get("lca_label")):
            return str(combo.get("lca_path") or combo.get("lca_label"))
    node = tree.id_index.get(ident) if tree is not None else None
    return tree.labels[node] if node is not None and node > tree.n_skills else ""


def preview(chosen: list[dict], tree, opts: dict) -> None:
    """Counts of what will be written: total, per k, per community, per style (and per epoch)."""
    per_k = Counter(int(s["k"]) for s in chosen)
    per_c = Counter(community_of(s) for s in chosen)
    c = st.columns([1, 2, 3])
    with c[0]:
        st.metric("Samples", f"{len(chosen):,}", help="rows the file will hold")
        st.caption("Styles: " + ", ".join(f"{k} {v:,}" for k, v in sorted(Counter(s["style"] for s in chosen).items())))
        st.caption("Edited by you: " + f"{sum(1 for s in chosen if s.get('edited')):,}")
        if opts["curriculum"] is not None:
            epochs = Counter(e for e, _ in curriculum_order(chosen, opts["curriculum"], seed=opts["seed"]))
            st.caption("Per epoch: " + ", ".join(f"{e}: {n:,}" for e, n in sorted(epochs.items())))
    with c[1]:
        st.markdown("**Per number of skills k**")
        st.bar_chart(pd.DataFrame({"k": [str(k) for k in sorted(per_k)], "samples": [per_k[k] for k in sorted(per_k)]}),
                     x="k", y="samples", height=220, color="#0072B2")
    with c[2]:
        st.markdown("**Per community** (where the combination's skills meet)")
        df = pd.DataFrame([{"community": ident if ident != "root" else "—",
                            "label": community_label(tree, ident, chosen) if ident != "root" else
                            "(across top-level communities)",
                            "samples": n} for ident, n in per_c.most_common()],
                          columns=["community", "label", "samples"])
        colours = charts.community_colour_map(tree) if tree is not None else None
        st.dataframe(charts.styled(df, colours=colours), hide_index=True, width="stretch",
                     height=min(250, 35 * (len(df) + 1) + 3))


def write_to(samples: list[dict], opts: dict, path: Path, settings: dict):
    return export_samples(samples, path, opts["fmt"], include_all=opts["include_all"], curriculum=opts["curriculum"],
                          seed=opts["seed"], manifest_path=path.with_name(path.stem + ".manifest.json"),
                          settings=settings)


@st.cache_data(show_spinner=False, max_entries=4)
def download_bytes(_samples: list[dict], stamp: str, opts_key: str, _opts: dict, _settings: dict) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{extension(_opts['fmt'])}"
        write_to(_samples, _opts, path, _settings)
        return path.read_bytes()


def record(path: str, opts: dict, manifest: dict, version: str | None) -> None:
    with common.shown_errors("Could not record the export: "):
        common.workspace().record_export(path, opts["fmt"], manifest, tree_version=version)


def outputs(samples: list[dict], opts: dict, version: str | None) -> None:
    """Write to a path or download; the manifest records the taxonomy in use (``version``, edits included)."""
    ws = common.workspace()
    settings = {"workspace": str(ws.path), "tree_version": version, "source": common.current_source().to_setting()}
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Write to a file on the server**")
        default = str(common.workspace_folder() / "exports" / f"{ws.path.stem}-{opts['fmt']}{extension(opts['fmt'])}")
        target = st.text_input("Path", key=common.bind(f"export.path.{opts['fmt']}", default,
                                                       lambda v: isinstance(v, str) and bool(v.strip())),
                               on_change=common.save, args=(f"export.path.{opts['fmt']}",),
                               help="the manifest is written beside it as <name>.manifest.json")
        if st.button("Write file", type="primary", icon=":material/save:", key="export_write"):
            with common.shown_errors("Export failed: "):
                path = Path(target.strip()).expanduser()
                path.parent.mkdir(parents=True, exist_ok=True)
                result = write_to(samples, opts, path, settings)
                record(str(result.path.resolve()), opts, result.manifest, version)
                st.success(f"Wrote {result.rows:,} sample(s) to `{result.path}` and the manifest to "
                           f"`{result.manifest_path}`.")
    with right:
        st.markdown("**Download**")
        stamp = "|".join(f"{s['id']}:{s['updated_at']}" for s in samples)
        opts_key = repr(sorted((k, str(v)) for k, v in {**opts, **settings}.items()))   # the manifest's settings too
        with common.shown_errors("Cannot prepare the download: "):
            data = download_bytes(samples, stamp, opts_key, opts, settings)
            name = f"{ws.path.stem}-{opts['fmt']}{extension(opts['fmt'])}"
            st.download_button(f"Download {name}", data, file_name=name, icon=":material/download:",
                               mime="application/octet-stream", key="export_download",
                               on_click=record, args=(f"download:{name}", opts, {"download": name,
                                                                                  "bytes": len(data)}, version))
            st.caption(f"{len(data):,} bytes")


def history() -> None:
    exports = common.workspace().exports()
    st.subheader(f"Exports so far ({len(exports)})")
    if not exports:
        st.caption("none yet")
        return
    st.dataframe([{"when": e["created_at"][:19].replace("T", " "), "format": e["format"],
                   "samples": (e["manifest"].get("counts") or {}).get("total"), "path": e["path"],
                   "tree": e["tree_version"]} for e in reversed(exports)], hide_index=True, width="stretch")
    last = next((e for e in reversed(exports) if "counts" in e["manifest"]), None)
    if last is not None:
        with st.expander(f"Manifest of the last file written ({Path(last['path']).name})", expanded=True):
            st.json({k: v for k, v in last["manifest"].items() if k != "ids"}, expanded=2)


def main() -> None:
    common.page_intro("Export", "Write the accepted samples as a training file for your trainer, with a manifest "
                                "that records how they were made.")
    opts = options()
    samples = common.workspace().samples()
    chosen = select_samples(samples, include_all=opts["include_all"])
    tree = common.tree_or_none()
    if not chosen:
        st.info("Nothing to export yet: accept samples on the Synthesize page, or include the unreviewed ones.",
                icon=":material/info:")
        st.page_link(common.page_path("Synthesize"), label="Go to Synthesize", icon=":material/arrow_forward:")
    else:
        preview(chosen, tree, opts)
        st.divider()
        outputs(samples, opts, tree.version if tree is not None else common.workspace().get_setting("tree_version"))
    st.divider()
    history()


with common.shown_errors():          # a bug shows as a message, never as a traceback page
    main()
