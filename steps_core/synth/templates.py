"""Prompt templates: plain text files of named sections with ``$placeholders`` (docs/synthesis.md).

The built-in templates live in ``steps_core/prompts/<kind>.txt`` (a style of :data:`STYLES` or ``grade``),
plus other built-in variants of a kind (:data:`BUILTIN_VARIANTS`, e.g. ``skillmix-reference``, the original
Skill-Mix generation protocol); :func:`load_template` reads one of them or the user's own file,
:func:`parse_template` checks its sections and placeholders and names the file and line of any fault.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..errors import InputError
from ..names import STYLES

#: Where the built-in templates are: ``steps_core/prompts/<kind>.txt``.
PROMPTS_DIR = Path(__file__).parent.parent / "prompts"
#: Placeholders a template may use, per template kind.
TEMPLATE_VARIABLES = {
    "synth": frozenset({"k", "skills", "skill_list", "seed_examples", "topic", "max_sentences", "data_kind",
                        "sentence_limit"}),
    "grade": frozenset({"text", "topic", "k", "skill_list", "points", "n_points"}),
}
REQUIRED_SECTIONS = {"composite": ("user",), "skillmix": ("user", "improve", "task"), "agentic": ("user",),
                     "grade": ("user",)}
KNOWN_SECTIONS = frozenset({"system", "user", "improve", "task"})
_SECTION_RE = re.compile(r"^===\s*([A-Za-z_]+)\s*===\s*$")


#: Built-in templates besides ``<kind>.txt``: name -> the kind they are (``steps_core/prompts/<name>.txt``).
BUILTIN_VARIANTS = {"skillmix-reference": "skillmix"}

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def sentence_limit_words(k: int) -> str:
    """The sentence limit for k skills in words, as the Skill-Mix prompts state it (``$sentence_limit``).

    >>> [sentence_limit_words(k) for k in (2, 3, 6)]
    ['one sentence', 'two sentences', 'five sentences']
    """
    n = max_sentences(k)
    word = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    return f"{word} sentence" + ("s" if n != 1 else "")


def max_sentences(k: int) -> int:
    """The Skill-Mix sentence limit for k skills: ``max(1, k - 1)``.

    >>> [max_sentences(k) for k in (1, 2, 3, 5)]
    [1, 1, 2, 4]
    """
    return max(1, k - 1)


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """A parsed prompt template: named sections of text with ``$placeholders``.

    ``sha256`` is the hash of the file's exact text (stored in every sample's provenance); ``path`` where it
    was read from (None for a built-in template, whose ``name`` is the style).
    """

    name: str
    sections: tuple[tuple[str, str], ...]
    sha256: str
    path: str | None = None

    def section(self, name: str) -> str | None:
        for key, text in self.sections:
            if key == name:
                return text
        return None

    def render(self, name: str, variables: Mapping[str, Any]) -> str:
        """Substitute ``variables`` into section ``name`` (``$$`` is a literal dollar sign)."""
        text = self.section(name)
        if text is None:
            raise InputError(f"template has no section '=== {name} ==='", path=self.path or self.name)
        try:
            return string.Template(text).substitute({k: str(v) for k, v in variables.items()})
        except (KeyError, ValueError) as exc:
            raise InputError(f"cannot render section {name!r}: {exc}", path=self.path or self.name) from None

    def messages(self, variables: Mapping[str, Any]) -> tuple[dict, ...]:
        """The round-one chat messages: the ``system`` section (if any) and the ``user`` section."""
        out = []
        if self.section("system") is not None:
            out.append({"role": "system", "content": self.render("system", variables)})
        out.append({"role": "user", "content": self.render("user", variables)})
        return tuple(out)


def parse_template(text: str, *, kind: str, name: str, path: str | None = None) -> PromptTemplate:
    """Parse template text: comment lines (``#``) before the first ``=== section ===`` line, then sections.

    ``kind`` is a style (``composite``, ``skillmix``, ``agentic``) or ``grade``; it decides which sections
    are required and which placeholders are allowed. Errors name the file and line.

    >>> t = parse_template("# c\\n=== user ===\\nHi $skills\\n", kind="agentic", name="x")
    >>> t.render("user", {"skills": "a, b"})
    'Hi a, b'
    """
    where = path or name
    if kind not in REQUIRED_SECTIONS:
        raise InputError(f"unknown template kind {kind!r}; expected one of {', '.join(REQUIRED_SECTIONS)}")
    allowed = TEMPLATE_VARIABLES["grade" if kind == "grade" else "synth"]
    sections: list[tuple[str, list[str], int]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _SECTION_RE.match(line)
        if m:
            sec = m.group(1).lower()
            if sec not in KNOWN_SECTIONS:
                raise InputError(f"unknown section {sec!r}; known: {', '.join(sorted(KNOWN_SECTIONS))}",
                                 path=where, line=lineno)
            if any(s == sec for s, _, _ in sections):
                raise InputError(f"section {sec!r} appears twice", path=where, line=lineno)
            sections.append((sec, [], lineno))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip() and not line.lstrip().startswith("#"):
            raise InputError("text before the first '=== section ===' line (comments start with '#')",
                             path=where, line=lineno)
    for req in REQUIRED_SECTIONS[kind]:
        if not any(s == req for s, _, _ in sections):
            raise InputError(f"missing section '=== {req} ===' (a {kind} template needs: "
                             f"{', '.join(REQUIRED_SECTIONS[kind])})", path=where)
    parsed = []
    for sec, lines, lineno in sections:
        body = "\n".join(lines).strip("\n")
        tpl = string.Template(body)
        if not tpl.is_valid():
            raise InputError("invalid placeholder (write $$ for a literal dollar sign)", path=where, line=lineno,
                             field=sec)
        unknown = sorted(set(tpl.get_identifiers()) - allowed)
        if unknown:
            raise InputError(f"unknown placeholder(s) {', '.join('$' + u for u in unknown)}; allowed: "
                             f"{', '.join('$' + a for a in sorted(allowed))}", path=where, line=lineno, field=sec)
        parsed.append((sec, body))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return PromptTemplate(name=name, sections=tuple(parsed), sha256=digest, path=path)


def load_template(kind: str, path: str | Path | None = None, *, builtin: str | None = None) -> PromptTemplate:
    """Load the built-in template of ``kind`` (a style or ``grade``), or the user's file at ``path``, or the
    built-in variant named ``builtin`` (:data:`BUILTIN_VARIANTS`, which must be of ``kind``).

    The built-in files live in ``steps_core/prompts/<name>.txt``; copy one to start your own.
    """
    if path is None and builtin is not None and builtin != kind:
        if BUILTIN_VARIANTS.get(builtin) != kind:
            raise InputError(f"no built-in {kind} template named {builtin!r}")
        src = PROMPTS_DIR / f"{builtin}.txt"
        return parse_template(src.read_text(encoding="utf-8"), kind=kind, name=builtin)
    if path is None:
        src = PROMPTS_DIR / f"{kind}.txt"
        if not src.exists():
            raise InputError(f"no built-in template for {kind!r}")
        return parse_template(src.read_text(encoding="utf-8"), kind=kind, name=kind)
    src = Path(path)
    if not src.exists():
        raise InputError("template file not found", path=str(src))
    try:
        text = src.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("template is not valid UTF-8", path=str(src)) from None
    return parse_template(text, kind=kind, name=src.name, path=str(src))


def check_style(style: str) -> None:
    """Raise an :class:`InputError` unless ``style`` is one of :data:`STYLES`."""
    if style not in STYLES:
        raise InputError(f"unknown style {style!r}; expected one of {', '.join(STYLES)}", field="style")
