"""Errors that carry where a problem is: file, line (or row) and field.

Every error a user can cause by giving bad input is an :class:`InputError`; the command line turns it
into a one-line message and exit code 2, the app into ``st.error``. Nothing here ever swallows an error.
"""

from __future__ import annotations


class StepsError(Exception):
    """Base class of every error STEPS Studio raises on purpose."""


class InputError(StepsError, ValueError):
    """Bad user input, located as precisely as we can.

    >>> str(InputError("expected a list, got str", path="c.jsonl", line=3, field="skills"))
    "c.jsonl:3: field 'skills': expected a list, got str"
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path + (f":{self.line}" if self.line is not None else "") + ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"field {self.field!r}: " if self.field else ""
        return f"{where}{field}{self.message}"
