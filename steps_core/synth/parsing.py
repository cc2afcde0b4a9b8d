"""Reading model answers: the structured values in a text, the conversation of a composite or agentic
answer, the final text of a Skill-Mix answer. Nothing is ever evaluated as code."""

from __future__ import annotations

import ast
import json
import re
from typing import Any, Iterator

from ..corpus import ROLE_ALIASES


class ParseError(ValueError):
    """A model answer that does not contain what the prompt asked for."""


_FENCE_RE = re.compile(r"```[ \t]*[A-Za-z0-9_+-]*[ \t]*\r?\n(.*?)```", re.S)
_MAX_LITERAL = 200_000


def _balanced_end(text: str, start: int) -> int | None:
    """Index just past the bracket matching ``text[start]``, skipping quoted strings; None if unbalanced."""
    pairs = {"[": "]", "{": "}"}
    stack = [pairs[text[start]]]
    i, quote = start + 1, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in pairs:
            stack.append(pairs[ch])
        elif ch in "]}":
            if ch != stack[-1]:
                return None
            stack.pop()
            if not stack:
                return i + 1
        i += 1
    return None


def iter_json_values(text: str, *, max_starts: int = 40, last_first: bool = False) -> Iterator[Any]:
    """Yield the structured values found in a model answer, most likely first.

    Tried in order: the content of each fenced code block, then the whole text; in each, the text as JSON,
    then every ``[`` or ``{`` (up to ``max_starts``) decoded as JSON followed by any trailing text, then as a
    Python literal (single quotes, ``True``/``None``, trailing commas). JSON strings may hold raw control
    characters such as newlines (``strict=False``). With ``last_first`` the fenced blocks and the brackets
    are tried from the end of the text (the last ``max_starts`` brackets, latest first): for answers that
    end with their result. Nothing is ever evaluated as code.

    >>> next(iter_json_values('Sure! ```json\\n[1, 2]\\n``` Hope it helps.'))
    [1, 2]
    >>> next(iter_json_values("[{'role': 'user'}] trailing words"))
    [{'role': 'user'}]
    >>> next(iter_json_values('A draft [0, 0], then the final scores [1, 0]', last_first=True))
    [1, 0]
    """
    decoder = json.JSONDecoder(strict=False)  # models often put raw newlines inside strings
    fenced = [m.group(1) for m in _FENCE_RE.finditer(text)]
    candidates = (fenced[::-1] if last_first else fenced) + [text]
    for cand in candidates:
        cand = cand.strip()
        if not cand:
            continue
        try:
            yield decoder.decode(cand)
            continue
        except (json.JSONDecodeError, RecursionError):
            pass
        starts = [i for i, ch in enumerate(cand) if ch in "[{"]
        starts = starts[::-1][:max_starts] if last_first else starts[:max_starts]
        for i in starts:
            try:
                value, _ = decoder.raw_decode(cand, i)
                yield value
                continue
            except (json.JSONDecodeError, RecursionError):
                pass
            end = _balanced_end(cand, i)
            if end is None or end - i > _MAX_LITERAL:
                continue
            try:
                yield ast.literal_eval(cand[i:end])
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                pass


def as_messages(value: Any) -> list[dict]:
    """Validate a decoded value as a conversation and normalise it to ``[{"role", "content"}]``.

    Accepts a list of messages (``role``/``content``, or ShareGPT ``from``/``value``), or an object holding
    one under ``messages``, ``conversation`` or ``conversations``. The conversation must start with a user
    turn (after an optional system message), end with an assistant turn and have no empty content.
    Raises :class:`ParseError` saying what is wrong.
    """
    if isinstance(value, dict):
        for key in ("messages", "conversation", "conversations", "dialogue"):
            if isinstance(value.get(key), list):
                value = value[key]
                break
        else:
            raise ParseError("a JSON object without a 'messages' list")
    if not isinstance(value, list) or not value:
        raise ParseError("expected a non-empty list of messages")
    out = []
    for i, msg in enumerate(value):
        if not isinstance(msg, dict):
            raise ParseError(f"message {i} is not an object")
        role = msg.get("role", msg.get("from"))
        content = msg.get("content", msg.get("value", msg.get("text")))
        role = ROLE_ALIASES.get(str(role).strip().lower()) if role is not None else None
        if role is None:
            raise ParseError(f"message {i} has no valid role (user, assistant or system)")
        if not isinstance(content, str) or not content.strip():
            raise ParseError(f"message {i} has no text content")
        if role == "system" and i != 0:
            raise ParseError(f"message {i}: a system message may only come first")
        out.append({"role": role, "content": content.strip()})
    turns = [m for m in out if m["role"] != "system"]
    if not turns or turns[0]["role"] != "user":
        raise ParseError("the conversation must start with a user turn")
    if turns[-1]["role"] != "assistant":
        raise ParseError("the conversation must end with an assistant turn")
    return out


def parse_messages(text: str) -> list[dict]:
    """Find the conversation in a model answer (JSON in code fences, Python-literal lists, trailing text).

    >>> parse_messages('Here you go:\\n```json\\n[{"role": "user", "content": "Q"}, '
    ...                '{"role": "assistant", "content": "A"}]\\n```\\nEnjoy!')
    [{'role': 'user', 'content': 'Q'}, {'role': 'assistant', 'content': 'A'}]
    """
    if not text or not text.strip():
        raise ParseError("empty answer")
    first_problem = None
    for value in iter_json_values(text):
        try:
            return as_messages(value)
        except ParseError as exc:
            first_problem = first_problem or str(exc)
    raise ParseError(first_problem or "no JSON list of messages found in the answer")


_ANSWER_RE = re.compile(r"Answer\s*:")
_EXPLANATION_RE = re.compile(r"(?mi)^[\W_]*explanation[\s*_]*:")
_QUOTES = (('"', '"'), ("'", "'"), ("“", "”"), ("«", "»"))


def extract_answer(text: str) -> str:
    """The Skill-Mix answer: the text after the last ``Answer:`` and before a line starting with
    ``Explanation:`` (any case, markdown emphasis allowed).

    Without an ``Answer:`` marker the whole text (before such a line) is used. Surrounding whitespace and
    markdown emphasis are removed, and one pair of enclosing quotes when that quote character does not
    occur inside (so a dialogue such as ``"Hi," she said. "Bye."`` keeps its quotes).

    >>> extract_answer('Answer: draft.\\nAnswer: **"The final text."**\\nExplanation: it uses both.')
    'The final text.'
    >>> extract_answer('Answer: The Explanation of tides is simple.')
    'The Explanation of tides is simple.'
    """
    matches = list(_ANSWER_RE.finditer(text or ""))
    rest = text[matches[-1].end():] if matches else (text or "")
    cut = _EXPLANATION_RE.search(rest)
    if cut:
        rest = rest[:cut.start()]
    rest = rest.strip().strip("*_#").strip()
    for left, right in _QUOTES:
        inner = rest[1:-1]
        if len(rest) >= 2 and rest[0] == left and rest[-1] == right and left not in inner and right not in inner:
            rest = inner.strip()
            break
    return rest


def has_explanation(text: str) -> bool:
    """Whether a Skill-Mix answer reached its ``Explanation:`` line (an answer cut off before it is incomplete).

    >>> has_explanation("Answer: Tides rise.\\n**Explanation:** the moon."), has_explanation("Answer: Tides")
    (True, False)
    """
    return _EXPLANATION_RE.search(text or "") is not None
