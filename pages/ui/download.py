"""The Export page's download: the data file and its manifest in one zip, built when the user clicks.

No Streamlit calls: :func:`export_zip` runs in a server thread when the download button is clicked (a
deferred download), where there is no session.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from steps_core.synthesis import ExportSettings, export


def extension(fmt: str) -> str:
    """The data file's extension for an export format."""
    return ".parquet" if fmt == "parquet" else ".jsonl"


def export_zip(samples: Iterable[Mapping], settings: ExportSettings, stem: str, *,
               extra: Mapping[str, Any] | None = None) -> tuple[bytes, dict]:
    """The export of ``samples`` as a zip holding ``<stem><ext>`` and ``<stem>.manifest.json`` (written by
    :func:`steps_core.synthesis.export`, so exactly what *Write file* writes; ``extra`` settings go into the
    manifest), and the manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"{stem}{extension(settings.fmt)}"
        result = export(samples, data, settings, manifest_path=data.with_name(f"{stem}.manifest.json"), extra=extra)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.write(result.path, result.path.name)
            z.write(result.manifest_path, result.manifest_path.name)
    manifest = json.loads(json.dumps(result.manifest))       # plain JSON, as the manifest file holds it
    return buffer.getvalue(), manifest
