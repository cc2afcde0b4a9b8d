"""Errors that carry where a problem is: file, line (or row) and field.

Every error a user can cause by giving bad input is an :class:`InputError`; the command line turns it
into a one-line message and exit code 2, the app into ``st.error``. An output path that is refused (it would
overwrite an input, the workspace, a device, an earlier export) is an :class:`OutputError`, also exit 2. A
fault of the machine rather than of the input (permission denied, disk full, read-only file system, a server
that does not answer) is an :class:`EnvironmentFault`: exit 1. Nothing here ever swallows an error.
"""

from __future__ import annotations

import errno
import os


class StepsError(Exception):
    """Base class of every error STEPS Studio raises on purpose. ``exit_code``: the command line's exit
    status for it (2: the input or the command is wrong; 1: the environment failed)."""

    exit_code = 2


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


class OutputError(InputError):
    """An output path that is refused, and why (see :func:`steps_core.io.check_output`).

    >>> str(OutputError("is a character device, not a regular file", path="/dev/full"))
    '/dev/full: is a character device, not a regular file'
    """


class EnvironmentFault(StepsError):
    """The environment failed, not the input: permission denied, disk full, a read-only file system, an
    endpoint that does not answer. Exit code 1.

    >>> str(EnvironmentFault("permission denied", path="/srv/out.jsonl"))
    '/srv/out.jsonl: permission denied'
    """

    exit_code = 1

    def __init__(self, message: str, *, path: str | os.PathLike | None = None):
        self.message = message
        self.path = None if path is None else os.fspath(path)
        super().__init__(message if self.path is None else f"{self.path}: {message}")


#: ``errno`` values that mean a path the user gave is wrong (exit 2), not that the machine failed.
_BAD_PATH_ERRNOS = frozenset({errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP,
                              errno.EINVAL, errno.EEXIST, errno.ENXIO})


def from_os_error(exc: OSError, action: str = "", path: str | os.PathLike | None = None) -> StepsError:
    """A located :class:`StepsError` for an ``OSError``: an :class:`InputError` (exit 2) when the path is wrong
    (not found, a folder, a file where a folder should be, a name too long), else an :class:`EnvironmentFault`
    (exit 1: permission denied, disk full, read-only file system, I/O error). ``action`` says what was being
    done (``"cannot write"``).

    >>> str(from_os_error(PermissionError(13, "Permission denied", "/x/y"), "cannot write"))
    '/x/y: cannot write: Permission denied'
    """
    where = path if path is not None else exc.filename
    reason = exc.strerror or type(exc).__name__
    if exc.filename is not None and path is not None and os.fspath(exc.filename) != os.fspath(path):
        reason += f" ({os.fspath(exc.filename)})"
    message = f"{action}: {reason}" if action else reason
    if exc.errno in _BAD_PATH_ERRNOS:
        return InputError(message, path=None if where is None else os.fspath(where))
    return EnvironmentFault(message, path=where)
