"""Small pure helpers of the workspace: timestamps, names, content hashes, combination keys, and the check
that a setting's name or value holds no secret."""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime, timezone
from typing import Any, Iterable

from ..errors import InputError


def utc_now() -> str:
    """Current UTC time, ISO-8601 with microseconds, e.g. ``2026-11-22T10:04:05.123456+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def check_text(value: Any, what: str, *, allow_empty: bool = False) -> str:
    """``value`` as a name: a ``str``, valid Unicode, and (unless ``allow_empty``) not blank."""
    if not isinstance(value, str):
        raise InputError(f"expected a string, got {type(value).__name__} {value!r}", field=what)
    if not allow_empty and not value.strip():
        raise InputError("must not be empty", field=what)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{value!r} is not valid Unicode (lone surrogate)", field=what) from None
    return value


def content_hash(text: str) -> str:
    """SHA-256 (hex) of ``text`` encoded as UTF-8: the address of an artefact and a tree version.

    >>> content_hash("{}")[:12]
    '44136fa355b3'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def combo_key(skills: Iterable[str]) -> str:
    """The canonical key of a skill combination: its distinct skills, sorted, as a JSON array.

    Independent of order and repetition, unambiguous whatever the names contain.

    >>> combo_key(["b", "a", "b"])
    '["a","b"]'
    >>> combo_key(["a", "b"]) == combo_key(("b", "a"))
    True
    """
    return json.dumps(combo_skills(skills), ensure_ascii=False, separators=(",", ":"))


def combo_skills(skills: Iterable[str]) -> list[str]:
    """Sorted distinct skills of a combination, validated."""
    if isinstance(skills, (str, bytes)) or not isinstance(skills, Iterable):
        raise InputError(f"expected a list of skill names, got {type(skills).__name__} {skills!r}",
                         field="skills")
    names = sorted({check_text(s, "skills") for s in skills})
    if not names:
        raise InputError("a combination needs at least one skill", field="skills")
    return names


def _words(name: str) -> list[str]:
    """Lower-case words of an identifier: split on non-alphanumerics and camelCase boundaries."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


_SECRET_WORDS = ("secret", "password", "passwd", "passphrase", "apikey", "credential", "bearer",
                 "authorization")


def looks_secret(name: str) -> bool:
    """Whether a setting (or environment variable) called ``name`` probably holds a secret.

    True when the name contains ``secret``, ``password``/``passwd``/``passphrase``, ``api key`` (any
    spelling), ``credential``, ``bearer`` or ``authorization``; when its last word is ``key``
    (``api_key``, ``OPENAI_API_KEY``, ``private_key``); or when a word is or ends with ``token`` in the
    singular (``hf_token``, ``accessToken``). Count-like names stay allowed: ``max_tokens``, ``tokenizer``.

    >>> [looks_secret(n) for n in ("api_key", "openaiApiKey", "hf_token", "db.password", "client_secret")]
    [True, True, True, True, True]
    >>> [looks_secret(n) for n in ("max_tokens", "tokenizer", "model", "monkey", "k")]
    [False, False, False, False, False]
    """
    words = _words(name)
    joined = "".join(words)
    if any(w in joined for w in _SECRET_WORDS):
        return True
    if words and words[-1] == "key":
        return True
    return any(w.endswith("token") for w in words)


def secret_keys(value: Any, prefix: str = "") -> list[str]:
    """Paths of the dict keys inside ``value`` (recursively) whose names look like secrets."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            if looks_secret(str(k)):
                found.append(path)
            found.extend(secret_keys(v, path))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found.extend(secret_keys(v, f"{prefix}[{i}]"))
    return found


def env_secrets() -> dict[str, str]:
    """Values (8+ characters) of environment variables whose names look like secrets, by value."""
    return {v: f"environment variable {k}" for k, v in os.environ.items()
            if len(v) >= 8 and looks_secret(k)}
