"""The Export page's download: the data file, its manifest and its dataset card in one zip, built when the user
clicks, and the registry that lets the page's rerun after the click wait for that build (so the list of exports
it shows already holds the download).

No Streamlit calls: :func:`export_zip` runs in a server thread when the download button is clicked (a
deferred download), where there is no session; the rerun the click causes runs at the same time, in the
session's thread, and waits for the build through :data:`BUILDS`.
"""

from __future__ import annotations

import io
import json
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from steps_core.synthesis import ExportSettings, export

#: Seconds the rerun after a download click waits for the zip to be built and recorded.
DOWNLOAD_WAIT = 30.0


def extension(fmt: str) -> str:
    """The data file's extension for an export format."""
    return ".parquet" if fmt == "parquet" else ".jsonl"


def export_zip(samples: Iterable[Mapping], settings: ExportSettings, stem: str, *,
               extra: Mapping[str, Any] | None = None) -> tuple[bytes, dict]:
    """The export of ``samples`` as a zip holding ``<stem><ext>``, ``<stem>.manifest.json`` and the dataset card
    ``<stem>.README.md`` (written by :func:`steps_core.synthesis.export`, so exactly what *Write file* writes;
    ``extra`` settings go into the manifest), and the manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"{stem}{extension(settings.fmt)}"
        result = export(samples, data, settings, manifest_path=data.with_name(f"{stem}.manifest.json"), extra=extra)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for path in (result.path, result.manifest_path, getattr(result, "card_path", None)):
                if path is not None:
                    z.write(path, Path(path).name)
    manifest = json.loads(json.dumps(result.manifest))       # plain JSON, as the manifest file holds it
    return buffer.getvalue(), manifest


class Builds:
    """Downloads being built in this process, by token: the build says when it is done (or why it failed), the
    rerun that the click caused waits for it. Entries are dropped once waited for; at most :attr:`LIMIT` are
    kept (builds nobody waited for)."""

    LIMIT = 64

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, tuple[threading.Event, list]] = {}

    def _entry(self, token: str) -> tuple[threading.Event, list]:
        with self._lock:
            if token not in self._events and len(self._events) >= self.LIMIT:
                self._events.pop(next(iter(self._events)))
            return self._events.setdefault(token, (threading.Event(), []))

    def done(self, token: str, error: str | None = None) -> None:
        """The build ``token`` finished (with ``error`` when it failed)."""
        event, errors = self._entry(token)
        if error:
            errors.append(error)
        event.set()

    def wait(self, token: str, timeout: float = DOWNLOAD_WAIT) -> tuple[bool, str | None]:
        """Wait for the build ``token``: whether it finished in time, and its error if it failed."""
        event, errors = self._entry(token)
        finished = event.wait(timeout)
        with self._lock:
            self._events.pop(token, None)
        return finished, (errors[0] if errors else None)


#: The process's downloads in flight.
BUILDS = Builds()
