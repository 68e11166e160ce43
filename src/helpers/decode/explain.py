"""Build findings from the code table: known codes, unknown codes, text matches.

Every explanation of a code comes from ``helpers.codes`` (and so
from ``data/codes.csv``). Field values are cached per (code, table version),
so building a finding for a code seen before costs a dict lookup and one
constructor call. That keeps the decoder's fast path close to bare
``json.loads``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from typing import Any

from helpers import codes
from helpers.decode.finding import Finding, masked

log = logging.getLogger(__name__)

# A text match from ``codes.search`` below this score is not reported. The
# search scores from 0 to 1; a published message pasted into a log line with a
# prefix and suffix around it scores well above this.
TEXT_MATCH_MIN_SCORE = 0.72

# How many closest codes an unknown code lists.
CLOSEST_LIMIT = 3

# ``codes.search`` takes milliseconds per call, too slow for every error line
# of a large log. A line is searched only when it contains at least this share of
# the words of some published message or summary.
SEARCH_WORD_SHARE = 0.6

# Common UTF-8 sequences that were decoded as Windows-1252 and encoded again.
_MOJIBAKE = {
    "â€™": "’",
    "â€˜": "‘",
    "â€œ": "“",
    "â€\x9d": "”",
    "â€": "”",
    "â€“": "–",
    "â€”": "—",
    "â€¦": "…",
    "Â ": " ",
}
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_SPACES = re.compile(r"\s+")

_version_cache: dict[tuple[int, str], str | None] = {}
_VERSION_CACHE_LIMIT = 4096


def repair_mojibake(text: str) -> str:
    """Return ``text`` with UTF-8 that was read as Windows-1252 put right.

    ``doesnâ€™t`` becomes ``doesn’t``. Text without the telltale characters is
    returned unchanged.
    """
    if "â" not in text and "Ã" not in text and "Â" not in text:
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        for broken, right in _MOJIBAKE.items():
            text = text.replace(broken, right)
        return text


def normalize_message(text: str) -> str:
    """Return ``text`` folded for comparison: mojibake repaired, quotes straight,
    spaces collapsed, lower case, no trailing period."""
    text = repair_mojibake(text).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip().lower().rstrip(".")


def code_value(value: Any) -> int | None:
    """Return ``value`` as an error code: an int, or a string or float holding one."""
    kind = type(value)
    if kind is int:
        return value
    if kind is str:
        if not (value.isascii() and value.isdigit()):
            value = value.strip()
            if not (value.isascii() and value.isdigit()):
                return None
        return int(value) if len(value) <= 9 else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer() and 0 <= value < 1e9:
        return int(value)
    return None


@functools.lru_cache(maxsize=None)
def _table_fields(code: int, version: str | None) -> tuple | None:
    """Return the table-derived field values of ``code`` at ``version``."""
    entry = codes.lookup(code, version) if version else codes.lookup(code)
    if entry is None:
        return None
    summary = entry.summary or ""
    if entry.status == "removed" and "removed" not in summary.lower():
        summary = (
            f"Code {code} was removed from the table in version {entry.table_version}. "
            + summary
        ).strip()
    return (
        True,
        "api",
        entry.table_version,
        entry.name or "",
        summary,
        entry.cause or "",
        entry.fix or "",
        entry.retryable or None,
        entry.retry_advice or "",
        _int_or_none(entry.http_status),
        tuple(entry.endpoints or ()),
        tuple(entry.fields or ()),
    )


def is_known_code(code: int) -> bool:
    """Return whether any table version lists ``code``."""
    return _table_fields(code, None) is not None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value == value else None
    except (TypeError, ValueError):
        return None


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[str, ...]:
    return tuple(codes.versions())


def _version_for(code: int, message: str) -> str | None:
    """Return the table version whose published message equals ``message``.

    The newest matching version wins. None means no version's wording
    matches, and the newest version that lists the code explains it.
    """
    key = (code, message)
    if key in _version_cache:
        return _version_cache[key]
    wanted = normalize_message(message)
    found = None
    for version in reversed(_versions()):
        entry = codes.lookup(code, version)
        if entry is not None and entry.message and normalize_message(entry.message) == wanted:
            found = version
            break
    if len(_version_cache) >= _VERSION_CACHE_LIMIT:
        _version_cache.clear()
    _version_cache[key] = found
    return found


def api_finding(
    code: int,
    message: str = "",
    *,
    http_status: int | None = None,
    request_id: str | None = None,
    method: str | None = None,
    url: str | None = None,
    source: str = "json",
) -> Finding:
    """Build the finding for an API error body with ``code`` and ``message``.

    A known code is explained from the table version whose wording matches
    the received message, else from the newest version that lists it. An
    unknown code gets ``known=False`` and the closest codes by message text.
    """
    if type(message) is not str:
        message = ""
    values = _known_cache.get((code, message))
    if values is None:
        values = _known_fields(code, message)
        if values is None:
            return unknown_finding(
                code, masked(message), http_status=http_status, request_id=request_id,
                method=method, url=url, source=source,
            )
    (known, kind, table_version, name, summary, cause, fix, retryable,
     retry_advice, expected, endpoints, field_names, masked_message) = values
    if request_id is not None:
        request_id = masked(request_id)
    if url is not None:
        url = masked(url)
    return Finding(
        code, known, kind, table_version, name, masked_message, summary, cause, fix,
        retryable, retry_advice, http_status, expected, request_id, method, url,
        endpoints, field_names, [], source,
    )


# Table values plus the masked message, per (code, message as received).
_known_cache: dict[tuple[int, str], tuple] = {}


def _known_fields(code: int, message: str) -> tuple | None:
    version = _version_for(code, message) if message else None
    values = _table_fields(code, version)
    if values is None:
        return None
    values = (*values, masked(message))
    if len(_known_cache) >= _VERSION_CACHE_LIMIT:
        _known_cache.clear()
    _word_index.cache_clear()
    _versions.cache_clear()
    closest_codes.cache_clear()
    _known_cache[(code, message)] = values
    return values


def unknown_finding(
    code: int,
    message: str,
    *,
    http_status: int | None = None,
    request_id: str | None = None,
    method: str | None = None,
    url: str | None = None,
    source: str = "json",
) -> Finding:
    """Build the finding for a code that no table version lists."""
    closest = list(closest_codes(message)) if message else []
    versions = ", ".join(codes.versions())
    summary = (
        f"Code {code} is not in any known version of the code table ({versions}). "
        "It may be newer than the kit's table, or not an Interaction API code."
    )
    if closest:
        listed = ", ".join(str(c) for c, _ in closest)
        fix = (
            f"Read the received message; the codes whose published text is closest "
            f"are {listed}: check their fixes. If none fits, quote the request id "
            "to Salesforce Support."
        )
    else:
        fix = (
            "Read the received message for the field it names. No published message "
            "is close to it; quote the request id to Salesforce Support."
        )
    return Finding(
        code=code, known=False, kind="api", name="UNKNOWN_CODE", message=message,
        summary=summary, fix=fix, http_status=http_status, request_id=masked(request_id),
        method=method, url=masked(url), closest=closest, source=source,
    )


@functools.lru_cache(maxsize=1)
def _word_index() -> tuple[dict[str, list[int]], list[int]]:
    """Return an index from word to table texts, and each text's word count."""
    index: dict[str, list[int]] = {}
    sizes: list[int] = []
    for row in codes.table().itertuples():
        for text in (row.message, row.summary):
            if isinstance(text, str) and text:
                words = set(codes.normalize_text(text).split())
                for word in words:
                    index.setdefault(word, []).append(len(sizes))
                sizes.append(len(words))
    return index, sizes


def worth_searching(text: str) -> bool:
    """Return whether ``text`` shares enough words with some table text to search it."""
    index, sizes = _word_index()
    counts: Counter[int] = Counter()
    for word in set(codes.normalize_text(text).split()):
        counts.update(index.get(word, ()))
    return any(count >= SEARCH_WORD_SHARE * sizes[entry] for entry, count in counts.items())


@functools.lru_cache(maxsize=1024)
def closest_codes(text: str, limit: int = CLOSEST_LIMIT) -> list[tuple[int, float]]:
    """Return up to ``limit`` ``(code, score)`` pairs whose message is closest to ``text``."""
    try:
        matches = codes.search(repair_mojibake(text), limit=limit)
    except Exception:  # noqa: BLE001 - a search failure must not stop decoding
        log.debug("code search failed for a message", exc_info=True)
        return []
    best: dict[int, float] = {}
    for entry, score in matches:
        if entry.code not in best:
            best[entry.code] = round(float(score), 3)
    return list(best.items())[:limit]


def text_match_finding(
    text: str, *, source: str = "text-match", **context: Any
) -> Finding | None:
    """Match a line that carries only a published message to its code.

    The finding is explained from the table version whose wording matched
    best. Returns None unless ``codes.search`` scores that match at least
    ``TEXT_MATCH_MIN_SCORE``.
    """
    if not worth_searching(text):
        return None
    try:
        matches = codes.search(repair_mojibake(text), limit=CLOSEST_LIMIT)
    except Exception:  # noqa: BLE001 - a search failure must not stop decoding
        log.debug("code search failed for a log line", exc_info=True)
        return None
    if not matches or matches[0][1] < TEXT_MATCH_MIN_SCORE:
        return None
    entry, score = matches[0]
    values = _table_fields(entry.code, entry.table_version)
    if values is None:
        return None
    (known, kind, table_version, name, summary, cause, fix, retryable,
     retry_advice, expected, endpoints, field_names) = values
    return Finding(
        entry.code, known, kind, table_version, name, masked(text.strip()),
        f"Matched by message text (score {score:.2f}); the line carried no code. "
        + summary,
        cause, fix, retryable, retry_advice, context.get("http_status"), expected,
        masked(context.get("request_id")), context.get("method"),
        masked(context.get("url")), endpoints, field_names,
        [(m.code, round(float(s), 3)) for m, s in matches], source,
    )


@functools.lru_cache(maxsize=None)
def _codes_by_name() -> dict[str, int]:
    names: dict[str, int] = {}
    for version in codes.versions():
        for entry in codes.all_codes(version):
            if entry.name:
                names.setdefault(entry.name.upper(), entry.code)
    return names


def code_for_name(name: str) -> int | None:
    """Return the code whose symbolic name is ``name`` in any table version."""
    return _codes_by_name().get(name.strip().upper())


def clear_caches() -> None:
    """Forget cached table values, for tests that reload the code table."""
    _table_fields.cache_clear()
    _codes_by_name.cache_clear()
    _version_cache.clear()
    _known_cache.clear()
    _word_index.cache_clear()
    _versions.cache_clear()
    closest_codes.cache_clear()
