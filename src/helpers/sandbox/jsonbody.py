"""JSON parsing of request bodies with a bound on nesting depth.

``json.loads`` recurses once per nesting level, so a body such as
``"[" * 100000`` raises ``RecursionError`` instead of ``ValueError`` and
escapes the handlers that reject malformed JSON. Every request body the
sandbox parses goes through ``loads`` here, which turns too-deep nesting into
a ``ValueError`` like any other parse error.
"""

from __future__ import annotations

import json
from typing import Any

# The Interaction API's request bodies nest a few levels at most. The limit
# keeps both parsing and the json.dumps of logged bodies (_logged_body in
# app.py) well inside Python's default recursion limit of 1000 frames.
MAX_JSON_DEPTH = 200


def loads(text: str | bytes) -> Any:
    """Parse a JSON request body, rejecting nesting deeper than ``MAX_JSON_DEPTH``.

    Parameters
    ----------
    text
        The body, as text or UTF-8 bytes.

    Returns
    -------
    Any
        The parsed document.

    Raises
    ------
    ValueError
        When the text is not JSON (``json.JSONDecodeError``) or nests arrays
        and objects more than ``MAX_JSON_DEPTH`` levels deep.
    UnicodeDecodeError
        When bytes are not UTF-8; it is a ``ValueError`` too.
    """
    try:
        document = json.loads(text)
    except RecursionError:
        raise ValueError(_too_deep_message()) from None
    if _nesting_depth_exceeds(document, MAX_JSON_DEPTH):
        raise ValueError(_too_deep_message())
    return document


def _too_deep_message() -> str:
    return (
        f"arrays and objects are nested more than {MAX_JSON_DEPTH} levels deep"
    )


def _nesting_depth_exceeds(document: Any, limit: int) -> bool:
    # Walk with an explicit stack, because recursion is what this guards against.
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
