"""The Interaction API error-code table: load, look up, search, list versions.

``data/codes.csv`` contains one row per error code and table version. Salesforce
has published the table several times: codes were added, two were removed and
several were reworded, so each row carries the ``table_version`` whose wording
it records (``2024-11`` is the 60-code table this kit starts from). Every other
module reads codes through this one: the decoder, the widgets, the sandbox's
error bodies and ``docs/codes.md``.

The CSV is found in this order:

1. the path in the environment variable ``ISAPI_CODES_CSV``, when it is set;
2. ``data/codes.csv`` at the root of the source tree (an editable install or a
   checkout on ``sys.path``);
3. ``helpers/data/codes.csv`` shipped inside an installed package. In the
   source tree it is a symlink to ``data/codes.csv``, so a build copies the
   same file.

The table is read once per process and cached. Set ``ISAPI_CODES_CSV`` before
the first call, or call ``clear_cache()`` after changing it.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import importlib.resources
import logging
import math
import numbers
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

BASE_VERSION = "2024-11"
LATEST_ALIAS = "latest"
CODES_CSV_ENV = "ISAPI_CODES_CSV"

# Root of the source tree when the package runs from src/ (editable install).
_SOURCE_ROOT = Path(__file__).resolve().parents[2]
_SOURCE_CSV = _SOURCE_ROOT / "data" / "codes.csv"
DOCS_PAGE = _SOURCE_ROOT / "docs" / "codes.md"
REGENERATE_DOCS_COMMAND = "python -m helpers codes --markdown > docs/codes.md"

COLUMNS = (
    "code",
    "table_version",
    "status",
    "category",
    "name",
    "name_evidence",
    "message",
    "summary",
    "endpoints",
    "fields",
    "cause",
    "fix",
    "retryable",
    "retry_advice",
    "http_status",
    "http_status_evidence",
    "evidence",
    "condition_grade",
)
_INT_COLUMNS = ("code", "http_status")
_LIST_COLUMNS = ("endpoints", "fields")
LIST_SEPARATOR = ";"

ALLOWED_VALUES = {
    "status": frozenset({"active", "removed"}),
    "category": frozenset({"client", "service", "other"}),
    "name_evidence": frozenset({"documented", "inferred"}),
    "retryable": frozenset({"no", "yes", "after-fix"}),
    "http_status_evidence": frozenset({"documented", "inferred"}),
    "evidence": frozenset({"documented", "inferred"}),
    "condition_grade": frozenset({"A", "B", "C", ""}),
}
_VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}$")

# Resource names of the API paths (/api/v1/<name>) that the endpoints column
# may list; "*" means every endpoint.
ENDPOINTS = (
    "interactions",
    "conversation",
    "acknowledgement",
    "route",
    "routingResult",
    "agentWork",
    "consent",
    "capabilities",
    "conversationHistory",
    "participant",
    "messagingSession",
    "conversationEntry",
)
ALL_ENDPOINTS = "*"


@dataclass(frozen=True)
class ErrorCode:
    """One error code as published in one table version.

    Attributes mirror the columns of ``data/codes.csv``. ``endpoints`` and
    ``fields`` are tuples; ``endpoints == ("*",)`` means every endpoint.
    An empty ``message`` means the version's wording is not known verbatim;
    ``message_for`` then falls back to older text or the summary.
    """

    code: int
    table_version: str
    status: str
    category: str
    name: str
    name_evidence: str
    message: str
    summary: str
    endpoints: tuple[str, ...]
    fields: tuple[str, ...]
    cause: str
    fix: str
    retryable: str
    retry_advice: str
    http_status: int
    http_status_evidence: str
    evidence: str
    condition_grade: str

    @property
    def removed(self) -> bool:
        """Whether this version of the table dropped the code."""
        return self.status == "removed"

    def applies_to(self, endpoint: str) -> bool:
        """Return whether the code can come back from ``endpoint``.

        ``endpoint`` is a resource name such as ``"interactions"``; a leading
        ``/`` and an ``/api/v1/`` prefix are ignored.
        """
        resource = str(endpoint).strip().strip("/").removeprefix("api/v1/")
        return ALL_ENDPOINTS in self.endpoints or resource in self.endpoints

    def to_dict(self) -> dict:
        """Return the row as a JSON-ready dict, with lists for the tuples."""
        data = dataclasses.asdict(self)
        for column in _LIST_COLUMNS:
            data[column] = list(data[column])
        return data


def csv_path() -> Path:
    """Return the path of the code table that ``table()`` reads.

    Returns
    -------
    pathlib.Path
        ``$ISAPI_CODES_CSV`` when set, else the source tree's
        ``data/codes.csv``, else the copy shipped inside the package.

    Raises
    ------
    FileNotFoundError
        When ``ISAPI_CODES_CSV`` names a missing file, or no copy is found.
    """
    override = os.environ.get(CODES_CSV_ENV)
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"{CODES_CSV_ENV}={override!r} does not name a file; "
                f"unset it or point it at a codes.csv"
            )
        return path
    if _SOURCE_CSV.is_file():
        return _SOURCE_CSV
    shipped = importlib.resources.files("helpers") / "data" / "codes.csv"
    if shipped.is_file():
        return Path(str(shipped))
    raise FileNotFoundError(
        f"code table not found at {_SOURCE_CSV} nor inside the installed "
        f"helpers package; set {CODES_CSV_ENV} to the path of codes.csv"
    )


def _read_csv(path: Path) -> pd.DataFrame:
    dtypes = {column: "string" for column in COLUMNS}
    dtypes.update({column: "int64" for column in _INT_COLUMNS})
    frame = pd.read_csv(
        path,
        dtype=dtypes,
        keep_default_na=False,
        na_values=[],
        encoding="utf-8",
    )
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}; expected {list(COLUMNS)}")
    frame = frame[list(COLUMNS)]
    _validate(frame, path)
    return frame.sort_values(["table_version", "code"], ignore_index=True)


def _validate(frame: pd.DataFrame, path: Path) -> None:
    for column, allowed in ALLOWED_VALUES.items():
        bad = sorted(set(frame[column]) - allowed)
        if bad:
            raise ValueError(
                f"{path}: column {column!r} has invalid values {bad}; "
                f"allowed: {sorted(allowed)}"
            )
    listed = {name for value in frame["endpoints"] for name in _split_list(value)}
    unknown = sorted(listed - set(ENDPOINTS) - {ALL_ENDPOINTS})
    if unknown:
        raise ValueError(
            f"{path}: column 'endpoints' has unknown names {unknown}; "
            f"allowed: {list(ENDPOINTS)} or {ALL_ENDPOINTS!r}"
        )
    bad_versions = sorted(
        {v for v in frame["table_version"] if not _VERSION_PATTERN.match(v)}
    )
    if bad_versions:
        raise ValueError(f"{path}: table_version values {bad_versions} are not YYYY-MM")
    duplicated = frame[frame.duplicated(["code", "table_version"], keep=False)]
    if not duplicated.empty:
        pairs = sorted(set(zip(duplicated["code"], duplicated["table_version"])))
        raise ValueError(f"{path}: duplicate (code, table_version) rows {pairs}")


@functools.cache
def _loaded() -> _Table:
    path = csv_path()
    frame = _read_csv(path)
    logger.debug("loaded %d code rows from %s", len(frame), path)
    return _Table(frame)


def clear_cache() -> None:
    """Forget the loaded table so the next call reads the CSV again."""
    _loaded.cache_clear()


def table() -> pd.DataFrame:
    """Return every row of the code table as a DataFrame.

    Returns
    -------
    pandas.DataFrame
        A copy of the cached table, sorted by version then code. ``code``
        and ``http_status`` are ``int64``, the other columns ``string``;
        ``endpoints`` and ``fields`` keep their ``;``-separated form.
    """
    return _loaded().frame.copy()


def versions() -> list[str]:
    """Return the table versions, oldest first.

    Examples
    --------
    >>> versions()[0]
    '2024-11'
    """
    return list(_loaded().versions)


def latest_version() -> str:
    """Return the newest table version in the data."""
    return _loaded().versions[-1]


def __getattr__(name: str):
    # LATEST_VERSION is computed from the data, so it is read lazily.
    if name == "LATEST_VERSION":
        return latest_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def resolve_version(version: str | None) -> str | None:
    """Check a ``version`` argument and expand the ``latest`` alias.

    Parameters
    ----------
    version : str or None
        A table version such as ``"2024-11"``, ``"latest"``, or None.

    Returns
    -------
    str or None
        The version, with ``latest`` replaced by the newest version.

    Raises
    ------
    ValueError
        When ``version`` is not a known version; the message lists them.
    """
    if version is None:
        return None
    known = _loaded().versions
    if isinstance(version, str):
        candidate = version.strip()
        if candidate.lower() == LATEST_ALIAS:
            return known[-1]
        if candidate in known:
            return candidate
    raise ValueError(
        f"unknown table version {version!r}; valid versions: "
        f"{', '.join(known)} (or {LATEST_ALIAS!r})"
    )


def _parse_code(code: object) -> int | None:
    # Codes read from a DataFrame arrive as numpy integers, or as floats when
    # the column has gaps, so both are accepted when they hold a whole number.
    if isinstance(code, (bool, np.bool_)):
        return None
    if isinstance(code, numbers.Integral):
        return int(code)
    if isinstance(code, float):
        return int(code) if math.isfinite(code) and code.is_integer() else None
    if isinstance(code, str):
        text = code.strip()
        if text.isascii() and text.isdigit():
            return int(text)
    return None


def lookup(code: int | str, version: str | None = None) -> ErrorCode | None:
    """Find one code in the table.

    Parameters
    ----------
    code : int or str
        The API's ``code`` value; a numeric string such as ``"10001"``, a
        numpy integer and a whole-number float such as ``10001.0`` work too.
    version : str, optional
        A table version or ``"latest"``. With None, the newest version that
        lists the code, so a removed code returns its ``removed`` row.

    Returns
    -------
    ErrorCode or None
        None for an unknown code, a code the version does not list, or input
        that is not a whole number (such as ``"abc"``, ``None``, ``1.5`` or NaN).

    Raises
    ------
    ValueError
        When ``version`` is not a known version.

    Examples
    --------
    >>> lookup(10004).name
    'AUTH_TOKEN_INVALID'
    >>> lookup("99999") is None
    True
    """
    version = resolve_version(version)
    number = _parse_code(code)
    if number is None:
        return None
    rows = _loaded().by_code.get(number)
    if not rows:
        return None
    if version is None:
        return rows[-1]
    for row in rows:
        if row.table_version == version:
            return row
    return None


def all_codes(
    version: str = BASE_VERSION, *, include_removed: bool = True
) -> list[ErrorCode]:
    """List the codes of one table version, in code order.

    Parameters
    ----------
    version : str
        A table version or ``"latest"``; default ``BASE_VERSION``.
    include_removed : bool
        Whether to keep rows whose ``status`` is ``removed``.

    Raises
    ------
    ValueError
        When ``version`` is not a known version.
    """
    version = resolve_version(version)
    rows = _loaded().by_version[version]
    if include_removed:
        return list(rows)
    return [row for row in rows if not row.removed]


def message_for(code: int | str, version: str = BASE_VERSION) -> str | None:
    """Return the message text the API sends for ``code`` in ``version``.

    When that version's wording is not known verbatim (a reworded or newer
    code, or a removed one), the newest earlier published text is returned,
    and failing that the row's plain-words summary.

    Parameters
    ----------
    code : int or str
        The API's ``code`` value.
    version : str
        A table version or ``"latest"``; default ``BASE_VERSION``.

    Returns
    -------
    str or None
        None when ``version`` does not list the code or ``code`` is not a code.

    Raises
    ------
    ValueError
        When ``version`` is not a known version.
    """
    row = lookup(code, version)
    if row is None:
        return None
    if row.message:
        return row.message
    for older in reversed(_loaded().by_code[row.code]):
        if older.table_version < row.table_version and older.message:
            return older.message
    return row.summary


# --- search -----------------------------------------------------------------

# Mis-encoded UTF-8 seen in published text and in logs (UTF-8 read as cp1252).
_MOJIBAKE = {
    "â€™": "'",
    "â€˜": "'",
    "â€œ": '"',
    "â€\x9d": '"',
    "â€": '"',
}
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"}
)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Token overlap decides most matches. Each word counts by its inverse document
# frequency over the table's texts, so rare words such as "capacity" outweigh
# common ones such as "valid". The difflib ratio, which rewards the same word
# order, only separates close candidates, so full scores are computed for the
# texts with the best token overlap and not for the whole table.
_TOKEN_WEIGHT = 0.6
_SEQUENCE_WEIGHT = 0.4
_SCORED_CANDIDATES = 24
# A summary is our wording, not the API's, so a match on it counts less.
_SUMMARY_DISCOUNT = 0.85


def normalize_text(text: str) -> str:
    """Reduce a message to lowercase words for comparison.

    Repairs the mis-encoded apostrophe (``â€™``), unifies quotes, drops
    markdown emphasis and backslash escapes, splits camelCase names into
    words, and turns every run of punctuation or whitespace into one space.
    """
    for broken, repaired in _MOJIBAKE.items():
        text = text.replace(broken, repaired)
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = text.replace("\\", "").replace("*", "")
    text = text.replace("'", "")
    text = _CAMEL_BOUNDARY.sub(" ", text).lower()
    return _NON_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class _SearchEntry:
    row: ErrorCode
    normalized: str
    tokens: frozenset[str]
    # 1.0 for a published message, _SUMMARY_DISCOUNT for a summary.
    discount: float
    # Sum of the token weights of ``tokens``.
    token_weight: float


class _TokenWeights:
    """Inverse document frequency of each word over the searchable texts."""

    def __init__(self, texts: Iterable[frozenset[str]]) -> None:
        frequency: dict[str, int] = {}
        count = 0
        for tokens in texts:
            count += 1
            for token in tokens:
                frequency[token] = frequency.get(token, 0) + 1
        self._weights = {
            token: math.log((count + 1) / (seen + 0.5))
            for token, seen in frequency.items()
        }
        # A word no text contains gets the weight of the rarest possible word.
        self._unseen = math.log((count + 1) / 0.5)

    def total(self, tokens: Iterable[str]) -> float:
        return sum(self._weights.get(token, self._unseen) for token in tokens)


def _score(
    query: str,
    query_tokens: frozenset[str],
    query_weight: float,
    entry: _SearchEntry,
    weights: _TokenWeights,
) -> float:
    if entry.normalized == query:
        return entry.discount
    if len(entry.normalized) >= 12 and f" {entry.normalized} " in f" {query} ":
        # The whole published text appears inside a longer log line.
        return entry.discount * (0.9 + 0.1 * len(entry.normalized) / len(query))
    common = weights.total(query_tokens & entry.tokens)
    dice = 2 * common / (query_weight + entry.token_weight)
    matcher = difflib.SequenceMatcher(None, query, entry.normalized, autojunk=False)
    ratio = matcher.ratio()
    return entry.discount * (_TOKEN_WEIGHT * dice + _SEQUENCE_WEIGHT * ratio)


def search(
    text: str, version: str | None = None, limit: int = 5
) -> list[tuple[ErrorCode, float]]:
    """Find the codes whose message best matches a free-text message.

    Use it for a log line that carries only the message, or a reworded one.
    Each row is matched on its published message and, at a discount, on its
    summary, which is the only text of codes with no published wording.

    Parameters
    ----------
    text : str
        The message or log line. Case, quotes, punctuation, the mis-encoded
        apostrophe and extra whitespace do not matter.
    version : str, optional
        Search only this table version (or ``"latest"``). With None, every
        version is searched and each code appears once, as the row of the
        best-matching wording (the newest row when wordings tie).
    limit : int
        Maximum number of results.

    Returns
    -------
    list of (ErrorCode, float)
        Best match first, with a score from 0 to 1 (1 for an exact match).
        Empty when ``text`` is empty, not a string, or shares no word with
        any message.

    Raises
    ------
    ValueError
        When ``version`` is unknown or ``limit`` is not a positive integer.

    Examples
    --------
    >>> best, score = search("The file ID field is empty")[0]
    >>> best.code, score
    (10007, 1.0)
    """
    version = resolve_version(version)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    if not isinstance(text, str):
        return []
    query = normalize_text(text)
    query_tokens = frozenset(query.split())
    if not query_tokens:
        return []

    loaded = _loaded()
    query_weight = loaded.token_weights.total(query_tokens)
    entries = loaded.search_entries
    if version is not None:
        entries = [entry for entry in entries if entry.row.table_version == version]
    overlapping = [entry for entry in entries if query_tokens & entry.tokens]
    overlapping.sort(
        key=lambda entry: len(query_tokens & entry.tokens)
        / len(query_tokens | entry.tokens),
        reverse=True,
    )

    best: dict[int, tuple[ErrorCode, float]] = {}
    for entry in overlapping[:_SCORED_CANDIDATES]:
        score = _score(query, query_tokens, query_weight, entry, loaded.token_weights)
        score = round(score, 4)
        current = best.get(entry.row.code)
        if current is None or (score, entry.row.table_version) > (
            current[1],
            current[0].table_version,
        ):
            best[entry.row.code] = (entry.row, score)
    ranked = sorted(best.values(), key=lambda item: (-item[1], item[0].code))
    return ranked[:limit]


# --- docs page ----------------------------------------------------------------


def _markdown_cell(text: object) -> str:
    # Escape what Markdown would read as table syntax or an HTML tag.
    text = str(text).replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;").strip()


def render_markdown() -> str:
    """Render ``docs/codes.md`` from the table, one section per version.

    Returns
    -------
    str
        Markdown text ending in a newline.
    """
    lines = [
        "# Interaction API error codes",
        "",
        "Generated from `data/codes.csv`; do not edit by hand. Regenerate with",
        f"`{REGENERATE_DOCS_COMMAND}`.",
        "",
        "HTTP statuses are inferred: no public source documents them, so decode",
        "errors by the body's `code`. Retryable: `yes` means resend after a",
        "backoff, `after-fix` means the same request can succeed once the token,",
        "the org setup or an earlier call is fixed, `no` means the request must",
        "change.",
    ]
    for version in versions():
        rows = all_codes(version)
        removed = sum(row.removed for row in rows)
        lines += [
            "",
            f"## Table version {version}",
            "",
            f"{len(rows) - removed} active codes"
            + (f", {removed} removed." if removed else "."),
            "",
            "| code | name | summary | fix | retryable | HTTP status |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for row in rows:
            name = f"`{row.name}`" + (" (removed)" if row.removed else "")
            if row.name_evidence == "inferred":
                name += " (name inferred)"
            cells = [
                str(row.code),
                name,
                _markdown_cell(row.summary),
                _markdown_cell(row.fix),
                row.retryable,
                str(row.http_status),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def is_stale(path: str | os.PathLike | None = None) -> bool:
    """Return whether the docs page differs from ``render_markdown()``.

    Parameters
    ----------
    path : path-like, optional
        The page to check; default ``docs/codes.md`` in the source tree.
        A missing file counts as stale.
    """
    page = Path(path) if path is not None else DOCS_PAGE
    try:
        current = page.read_text(encoding="utf-8")
    except FileNotFoundError:
        return True
    return current != render_markdown()


# --- loaded table -------------------------------------------------------------


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(LIST_SEPARATOR) if part.strip())


def _rows_from_frame(frame: pd.DataFrame) -> Iterable[ErrorCode]:
    for record in frame.to_dict("records"):
        values = {}
        for column in COLUMNS:
            value = record[column]
            if column in _INT_COLUMNS:
                values[column] = int(value)
            elif column in _LIST_COLUMNS:
                values[column] = _split_list(str(value))
            else:
                values[column] = str(value).strip()
        yield ErrorCode(**values)


class _Table:
    """The loaded table and the indexes built from it once."""

    def __init__(self, frame: pd.DataFrame) -> None:
        # Callers get copies from table(), so the cached frame stays intact.
        self.frame = frame
        rows = list(_rows_from_frame(frame))
        self.versions = tuple(sorted({row.table_version for row in rows}))
        self.by_version: dict[str, tuple[ErrorCode, ...]] = {
            version: tuple(
                sorted(
                    (row for row in rows if row.table_version == version),
                    key=lambda row: row.code,
                )
            )
            for version in self.versions
        }
        by_code: dict[int, list[ErrorCode]] = {}
        for row in sorted(rows, key=lambda row: (row.code, row.table_version)):
            by_code.setdefault(row.code, []).append(row)
        self.by_code = {code: tuple(group) for code, group in by_code.items()}
        self._index_texts(rows)

    def _index_texts(self, rows: list[ErrorCode]) -> None:
        texts = []
        for row in rows:
            candidates = [(row.message, 1.0)] if row.message else []
            candidates.append((row.summary, _SUMMARY_DISCOUNT))
            for text, discount in candidates:
                normalized = normalize_text(text)
                if normalized:
                    texts.append((row, normalized, discount))

        # Count each distinct text once, because most rows repeat across versions.
        distinct = {
            normalized: frozenset(normalized.split()) for _, normalized, _ in texts
        }
        self.token_weights = _TokenWeights(distinct.values())
        self.search_entries = tuple(
            _SearchEntry(
                row,
                normalized,
                distinct[normalized],
                discount,
                self.token_weights.total(distinct[normalized]),
            )
            for row, normalized, discount in texts
        )
