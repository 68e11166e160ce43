"""Read JavaScript object literals as Node.js prints them (``util.inspect``).

Python dicts printed with ``print()`` have the same shape and read too.

Node clients log errors as ``{ code: 10013, message: 'Specify either ...' }``:
keys without quotes, strings in single quotes, class names before braces
(``AxiosHeaders {``), placeholders such as ``[Object]``, ``[Circular *1]`` or
``... 3 more items``, and long strings split with ``+`` across lines. This
module turns such text into Python values so the decoder can treat it like
JSON. It is tolerant, not a JavaScript parser: what it cannot read becomes
None, and text that is not an object literal at all raises ``ValueError``.
"""

from __future__ import annotations

import re
from typing import Any

# Objects larger than this are not read; error dumps are far smaller.
MAX_LITERAL_LENGTH = 200_000

# Values nested deeper than this (objects, arrays, ``<ref *1>`` markers and
# prototype labels each count one level) raise ``LiteralError``. Error dumps
# are a few levels deep, and the limit keeps the recursive reader far below
# Python's recursion limit.
MAX_NESTING = 100

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|Infinity|NaN)n?")
_PLACEHOLDER = re.compile(r"\[(?:Object|Array|Function|Circular|Getter|Setter|Symbol)[^\]]*\]")
_MORE_ITEMS = re.compile(r"\.\.\. \d+ more (?:items?|bytes?)")
_REF = re.compile(r"<ref \*\d+>\s*")
_PROTOTYPE = re.compile(r"\[Object: null prototype\]\s*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
# A tuple, not a string: ``"" in "'\"`"`` is true, and peek() returns "" at the end.
_QUOTE_CHARS = ("'", '"', "`")
# JavaScript literals, and Python's, since a Python dict printed with print()
# has the same single-quoted shape.
_LITERALS = {"true": True, "false": False, "null": None, "undefined": None,
             "True": True, "False": False, "None": None}


class LiteralError(ValueError):
    """Raised when no object literal can be read; ``pos`` is where reading stopped."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(f"{message} at offset {pos}")
        self.pos = pos


def parse_js_object(text: str, start: int = 0, stop: int | None = None) -> tuple[Any, int]:
    """Parse the object literal that opens at ``text[start]``.

    Reading stops at ``stop`` (default: ``MAX_LITERAL_LENGTH`` characters on),
    so a literal that does not close by then raises.

    Returns
    -------
    tuple
        The value (a dict) and the offset just past its closing brace.

    Raises
    ------
    LiteralError
        If no object literal starts at ``start``, it does not close, or it
        nests deeper than ``MAX_NESTING``. Its ``pos`` is the offset in
        ``text`` where reading stopped.
    """
    if start >= len(text) or text[start] != "{":
        raise LiteralError("no object literal", start)
    limit = start + MAX_LITERAL_LENGTH if stop is None else min(stop, start + MAX_LITERAL_LENGTH)
    parser = _Parser(text, start, min(limit, len(text)))
    value = parser.value()
    return value, parser.pos


class _Parser:
    """Recursive-descent reader over ``text[pos:end]``; offsets are absolute."""

    def __init__(self, text: str, pos: int, end: int) -> None:
        self.text = text
        self.pos = pos
        self.end = end
        self.depth = 0

    def fail(self, what: str) -> LiteralError:
        return LiteralError(what, self.pos)

    def skip_space(self) -> None:
        text, pos, end = self.text, self.pos, self.end
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        self.pos = pos

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos] if self.pos < self.end else ""

    def value(self) -> Any:
        # The value inside the innermost allowed object is one level more.
        if self.depth > MAX_NESTING:
            raise self.fail(f"value nested deeper than {MAX_NESTING} levels")
        self.depth += 1
        try:
            return self.plain_value()
        finally:
            self.depth -= 1

    def plain_value(self) -> Any:
        char = self.peek()
        if char == "{":
            return self.object()
        if char == "[":
            return self.bracket()
        if char in _QUOTE_CHARS:
            return self.concatenated_string()
        if char == "<":
            match = _REF.match(self.text, self.pos, self.end)
            if not match:
                raise self.fail("unexpected '<'")
            self.pos = match.end()
            return self.value()
        match = _NUMBER.match(self.text, self.pos, self.end)
        if match and match.group(0):
            self.pos = match.end()
            return _number(match.group(0))
        match = _IDENTIFIER.match(self.text, self.pos, self.end)
        if match:
            word = match.group(0)
            self.pos = match.end()
            if word in _LITERALS:
                return _LITERALS[word]
            # A class name before an object or array: ``AxiosHeaders {``.
            if self.peek() in ("{", "["):
                return self.value()
            return word
        raise self.fail("unexpected character")

    def bracket(self) -> Any:
        for pattern in (_PROTOTYPE, _PLACEHOLDER):
            match = pattern.match(self.text, self.pos, self.end)
            if match:
                self.pos = match.end()
                if pattern is _PROTOTYPE and self.peek() in ("{", "["):
                    return self.value()
                return None
        return self.array()

    def object(self) -> dict[str, Any]:
        self.pos += 1
        result: dict[str, Any] = {}
        while True:
            char = self.peek()
            if char == "}":
                self.pos += 1
                return result
            if not char:
                raise self.fail("unclosed object")
            key = self.key()
            if self.peek() != ":":
                raise self.fail("expected ':'")
            self.pos += 1
            result[key] = self.value()
            self.separator("}")

    def key(self) -> str:
        char = self.peek()
        if char in ("'", '"'):
            return self.string()
        if char == "[":
            end = self.text.find("]", self.pos, self.end)
            if end < 0:
                raise self.fail("unclosed key")
            key, self.pos = self.text[self.pos:end + 1], end + 1
            return key
        match = _IDENTIFIER.match(self.text, self.pos, self.end) or _NUMBER.match(self.text, self.pos, self.end)
        if not match or not match.group(0):
            raise self.fail("expected a key")
        self.pos = match.end()
        return match.group(0)

    def array(self) -> list[Any]:
        self.pos += 1
        result: list[Any] = []
        while True:
            char = self.peek()
            if char == "]":
                self.pos += 1
                return result
            if not char:
                raise self.fail("unclosed array")
            match = _MORE_ITEMS.match(self.text, self.pos, self.end)
            if match:
                self.pos = match.end()
            else:
                result.append(self.value())
            self.separator("]")

    def separator(self, closing: str) -> None:
        char = self.peek()
        if char == ",":
            self.pos += 1
        elif char != closing:
            raise self.fail(f"expected ',' or '{closing}'")

    def concatenated_string(self) -> str:
        parts = [self.string()]
        while self.peek() == "+":
            self.pos += 1
            if self.peek() not in _QUOTE_CHARS:
                raise self.fail("expected a string after '+'")
            parts.append(self.string())
        return "".join(parts)

    def string(self) -> str:
        text, quote, end = self.text, self.text[self.pos], self.end
        pos = self.pos + 1
        chars: list[str] = []
        while pos < end:
            char = text[pos]
            if char == quote:
                self.pos = pos + 1
                return "".join(chars)
            if char == "\\" and pos + 1 < end:
                pos, decoded = _escape(text, pos + 1)
                chars.append(decoded)
                continue
            chars.append(char)
            pos += 1
        # Reported at the end, so callers can tell a string cut off by the
        # end of the text.
        self.pos = end
        raise self.fail("unclosed string")


def _escape(text: str, pos: int) -> tuple[int, str]:
    """Decode the escape whose letter is at ``text[pos]``; return the next offset."""
    char = text[pos]
    if char == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[pos + 1:pos + 3]):
        return pos + 3, chr(int(text[pos + 1:pos + 3], 16))
    if char == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[pos + 1:pos + 5]):
        return pos + 5, chr(int(text[pos + 1:pos + 5], 16))
    return pos + 1, _ESCAPES.get(char, char)


def _number(token: str) -> int | float | None:
    token = token.rstrip("n")
    if token in ("Infinity", "-Infinity", "NaN"):
        return None
    try:
        return int(token)
    except ValueError:
        return float(token)
