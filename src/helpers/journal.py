"""Session journal: a JSON-lines record of a troubleshooting session.

A journal file contains one JSON object per line. The first line is a header
(kit version, start time, target, Python version, and the non-secret ids of
the profile when known). Then come ``exchange`` records (``Exchange.to_dict()``
with the request masked), ``annotation`` records (free text, optionally about
one exchange), and ``note`` and ``error`` records (an exception raised during
the session). Each record is written, flushed and passed to ``os.fsync`` before
the call returns, so a process or kernel crash loses nothing already recorded;
at worst the last line is torn, and ``load_journal`` drops it with a warning.

Every string is passed through ``helpers.secrets`` once more before it is
written, even though an ``Exchange`` already masks its request. The full
redaction for sharing (end-user ids, message text, consistent placeholders)
is in ``helpers.redact``.

Examples
--------
>>> with Journal("session.jsonl", target="sandbox") as journal:  # doctest: +SKIP
...     journal.attach(client)
...     client.send(request)
...     journal.annotate("10017: the channel address had a typo", exchange_index=0)
>>> session = load_journal("session.jsonl")  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import logging
import os
import platform
import threading
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import __version__
from helpers.model import Exchange
from helpers.secrets import mask_headers, mask_text

log = logging.getLogger(__name__)

JOURNAL_FORMAT = "isapi-session-journal"
FORMAT_VERSION = 1
RECORD_TYPES = ("header", "exchange", "annotation", "note", "error")

# Profile fields copied into the header. They identify the org and channel
# the session ran against; the token is never one of them.
PROFILE_FIELDS = (
    "base_url",
    "org_id",
    "authorization_context",
    "channel_address_identifier",
    "end_user_client_id",
    "user_id",
    "queue_id",
    "flow_id",
)
HEADER_KEYS = frozenset({"headers", "response_headers"})



class JournalError(ValueError):
    """A file is not a session journal, or a record in it is invalid."""


class TornRecordWarning(UserWarning):
    """The last line of a journal was cut off, usually by a crash mid-write."""


def utc_now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Session:
    """A journal read back: its header and its records, in order.

    Records are plain dicts as written, each with a ``type`` key. Redaction and
    export work on these dicts; ``exchanges()`` rebuilds ``Exchange`` objects.

    Attributes
    ----------
    header
        The header record.
    records
        Every record after the header, in the order written.
    source
        The file the session was read from, or None.
    warnings
        Problems tolerated while reading, such as a torn last line.
    meta
        Extra data attached by later steps, such as redaction details.
    """

    header: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def exchange_records(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("type") == "exchange"]

    @property
    def annotations(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("type") == "annotation"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("type") == "error"]

    def exchanges(self) -> list[Exchange]:
        """Return the recorded exchanges as ``Exchange`` objects, in order."""
        return [Exchange.from_dict(r["exchange"]) for r in self.exchange_records]

    def __len__(self) -> int:
        return len(self.exchange_records)

    def to_dict(self) -> dict[str, Any]:
        return {"header": self.header, "records": self.records}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> Session:
        """Build a session from ``to_dict()`` output, checking its shape."""
        header = data.get("header") if isinstance(data, Mapping) else None
        records = data.get("records") if isinstance(data, Mapping) else None
        name = source or "session data"
        if not isinstance(header, dict) or header.get("type") != "header":
            raise JournalError(f"{name}: missing the session header record")
        if not isinstance(records, list):
            raise JournalError(f"{name}: 'records' must be a list of records")
        for position, record in enumerate(records, start=1):
            _check_record(record, f"{name}: record {position}")
        return cls(header=header, records=list(records), source=source)

    def summary(self) -> str:
        """Return a plain-text summary: header facts and one line per exchange."""
        lines = [
            f"Session started {self.header.get('started_at', '?')} against "
            f"{self.header.get('target') or '?'} "
            f"(kit {self.header.get('kit_version', '?')})",
            f"{len(self)} exchanges, {len(self.annotations)} annotations, "
            f"{len(self.errors)} errors",
        ]
        for record in self.records:
            lines.append(_summary_line(record))
        lines.extend(f"warning: {text}" for text in self.warnings)
        return "\n".join(lines)


def response_code(exchange: Mapping[str, Any]) -> int | str | None:
    """Return the API error code of a recorded exchange, else its HTTP status.

    The code comes from the first decoded finding that has one, then from
    the ``code`` of the response body (top level or inside ``errorDetail``).
    A success has no API code, so its HTTP status is returned instead. An exchange that
    got no response returns ``"no response"``.

    Parameters
    ----------
    exchange
        An exchange as a dict (``Exchange.to_dict()``).
    """
    for finding in exchange.get("findings") or []:
        code = finding.get("code") if isinstance(finding, Mapping) else None
        code = code if code is not None else getattr(finding, "code", None)
        if code is not None:
            return code
    body = _json_or_none(exchange.get("response_body") or "")
    if isinstance(body, dict):
        detail = body.get("errorDetail")
        for source in (body, detail if isinstance(detail, dict) else {}):
            code = source.get("code")
            if isinstance(code, (int, str)) and str(code).strip():
                return int(code) if str(code).isdigit() else code
    status = exchange.get("status")
    return status if status is not None else "no response"


def _check_journal_path(path: Path) -> None:
    """Raise ``JournalError`` when ``path`` is a folder."""
    if path.is_dir():
        raise JournalError(
            f"{path} is a folder, not a journal file; "
            f"pass a file path such as {path / 'session.jsonl'}"
        )


class Journal:
    """Append-only JSON-lines journal of one troubleshooting session.

    Parameters
    ----------
    path
        File to write; missing parent folders are created. A new file gets a
        header record. An existing journal is appended to, after its torn
        last line, if any, is cut off.
    target
        Label of the target, such as ``"sandbox"`` or a base URL, stored in
        the header of a new journal.
    profile
        A profile (dict or object) whose non-secret ids go into the header of
        a new journal, so a replay can tell which values to swap for its own.

    Raises
    ------
    JournalError
        If ``path`` exists but is not a session journal.

    Notes
    -----
    Records are written under a lock, so several threads may share a journal.
    Two processes appending to one file at once are not supported.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        target: str | None = None,
        profile: Any = None,
    ) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._exchange_count = 0
        self._file = None
        self._attached: list[tuple[Any, Any]] = []
        _check_journal_path(self.path)
        existing = None
        if self.path.exists() and self.path.stat().st_size > 0:
            existing = _prepare_for_append(self.path)
        if existing is not None:
            self._exchange_count = existing
            self._open()
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise JournalError(
                    f"cannot create the folder {self.path.parent} for the journal: "
                    f"{exc.strerror}; pass a path in a folder you can write to"
                ) from exc
            self._open()
            _fsync_directory(self.path.parent)
            self._write(_header_record(target, profile))

    @property
    def exchange_count(self) -> int:
        """Number of exchanges recorded in the file so far."""
        return self._exchange_count

    @property
    def closed(self) -> bool:
        return self._file is None

    def record_exchange(self, exchange: Exchange | Mapping[str, Any]) -> int:
        """Append one exchange and return its index in the journal.

        Parameters
        ----------
        exchange
            An ``Exchange``, or a dict as returned by ``Exchange.to_dict()``.

        Returns
        -------
        int
            The 0-based index of the exchange, for ``annotate``.

        Raises
        ------
        TypeError
            If ``exchange`` is neither an ``Exchange`` nor a dict.
        """
        if isinstance(exchange, Exchange):
            data = exchange.to_dict()
        elif isinstance(exchange, Mapping) and "request" in exchange:
            data = dict(exchange)
        else:
            raise TypeError(
                "record_exchange() takes an Exchange or its to_dict() output, "
                f"not {type(exchange).__name__}"
            )
        with self._lock:
            index = self._exchange_count
            record = {
                "type": "exchange",
                "index": index,
                "at": utc_now_iso(),
                "exchange": data,
            }
            self._write_locked(record)
            self._exchange_count += 1
        return index

    def annotate(self, text: str, exchange_index: int | None = None) -> None:
        """Append a free-text annotation, optionally about one exchange.

        Parameters
        ----------
        text
            What the engineer observed or tried; must not be blank.
        exchange_index
            Index returned by ``record_exchange`` for the exchange the text is
            about, or None for the session as a whole.

        Raises
        ------
        TypeError
            If ``text`` is not a string or ``exchange_index`` not an int.
        ValueError
            If ``text`` is blank or ``exchange_index`` names no recorded
            exchange.
        """
        if not isinstance(text, str):
            raise TypeError(
                f"annotation text must be a string, not {type(text).__name__}"
            )
        if not text.strip():
            raise ValueError(
                "annotation text is empty; write what you observed or tried"
            )
        if exchange_index is not None:
            self._check_exchange_index(exchange_index)
        self._write(
            {
                "type": "annotation",
                "at": utc_now_iso(),
                "text": text,
                "exchange_index": exchange_index,
            }
        )

    def note(self, text: str) -> None:
        """Append a note written by the kit itself, such as a step name."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("a note must be a non-empty string")
        self._write({"type": "note", "at": utc_now_iso(), "text": text})

    def record_error(
        self, error: BaseException, exchange_index: int | None = None
    ) -> None:
        """Append an ``error`` record for an exception raised during the session.

        The record stores the exception's type and message (masked), its
        ``request_id`` and ``code`` attributes when it has them, and the
        exchange it belongs to when given.
        """
        if not isinstance(error, BaseException):
            raise TypeError(
                f"record_error() takes an exception, not {type(error).__name__}"
            )
        if exchange_index is not None:
            self._check_exchange_index(exchange_index)
        record = {
            "type": "error",
            "at": utc_now_iso(),
            "error_type": type(error).__name__,
            "message": str(error),
            "exchange_index": exchange_index,
        }
        for name in ("code", "request_id", "status"):
            value = getattr(error, name, None)
            if isinstance(value, (int, str)):
                record[name] = value
        self._write(record)

    @contextlib.contextmanager
    def capture(self) -> Iterator[Journal]:
        """Record any exception raised in the ``with`` block, then re-raise it.

        Examples
        --------
        >>> with journal.capture():  # doctest: +SKIP
        ...     client.send(request, raise_for_error=True)
        """
        try:
            yield self
        except Exception as exc:
            self.record_error(exc)
            raise

    def attach(self, client: Any):
        """Record every exchange ``client`` makes from now on.

        Parameters
        ----------
        client
            Any object with ``add_listener(callback)``, such as
            ``helpers.client.InteractionClient``. ``close()`` calls its
            ``remove_listener(callback)`` when it has one.

        Returns
        -------
        callable
            The listener that was registered.
        """
        add_listener = getattr(client, "add_listener", None)
        if not callable(add_listener):
            raise TypeError(
                f"cannot attach to {type(client).__name__}: it has no add_listener()"
            )

        def listener(exchange: Exchange) -> None:
            if not self.closed:
                self.record_exchange(exchange)

        add_listener(listener)
        self._attached.append((client, listener))
        return listener

    def close(self) -> None:
        """Stop listening to attached clients and close the file; safe to repeat."""
        for client, listener in self._attached:
            remove_listener = getattr(client, "remove_listener", None)
            if callable(remove_listener):
                remove_listener(listener)
        self._attached.clear()
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None and isinstance(exc, Exception) and not self.closed:
            self.record_error(exc)
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        count = self._exchange_count
        return f"<Journal {str(self.path)!r}: {count} exchanges, {state}>"

    def _check_exchange_index(self, index: Any) -> None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(
                f"exchange_index must be an int, not {type(index).__name__}"
            )
        if not 0 <= index < self._exchange_count:
            raise ValueError(
                f"exchange_index {index} names no recorded exchange; "
                f"this journal has {self._exchange_count} (indexes 0 to "
                f"{self._exchange_count - 1})"
            )

    def _open(self) -> None:
        try:
            self._file = open(self.path, "a", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise JournalError(
                f"cannot open the journal {self.path} for writing: {exc.strerror}; "
                "pass a path in a folder you can write to"
            ) from exc

    def _write(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._write_locked(record)

    def _write_locked(self, record: dict[str, Any]) -> None:
        if self._file is None:
            raise ValueError(
                f"journal {self.path} is closed; open a new Journal to append"
            )
        line = json.dumps(_mask_record(record), ensure_ascii=False, default=str)
        # One write per record, then flush and fsync: a crash can tear only
        # the line being written, never one that was already returned.
        self._file.write(line + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        log.debug("journal %s: wrote a %s record", self.path, record["type"])


def load_journal(path: str | os.PathLike) -> Session:
    """Read a journal file back into a ``Session``.

    Parameters
    ----------
    path
        A file written by ``Journal``.

    Returns
    -------
    Session
        The header and every complete record. A torn last line (from a crash
        mid-write) is dropped with a ``TornRecordWarning``, and its
        description is kept in ``Session.warnings``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    JournalError
        If the file is empty, its first line is not a journal header, or a
        line other than the last is not a valid record. The message names
        the file and the line number.
    """
    path = Path(path)
    lines = path.read_bytes().split(b"\n")
    ends_with_newline = lines[-1] == b""
    if ends_with_newline:
        lines.pop()
    if not lines:
        raise JournalError(f"{path} is empty; it is not a session journal")
    records: list[dict[str, Any]] = []
    session_warnings: list[str] = []
    for number, raw in enumerate(lines, start=1):
        is_last = number == len(lines)
        try:
            record = _parse_line(raw, f"{path}, line {number}")
        except JournalError:
            if is_last and number > 1:
                message = (
                    f"{path}, line {number}: the last record is incomplete, probably "
                    "cut off by a crash while it was written; it was skipped"
                )
                warnings.warn(message, TornRecordWarning, stacklevel=2)
                log.warning("%s", message)
                session_warnings.append(message)
                break
            if number == 1:
                raise JournalError(
                    f"{path}, line 1: not a session journal (the first line must be "
                    "a JSON header record written by helpers.journal.Journal)"
                ) from None
            raise
        records.append(record)
    header = records[0]
    if header.get("type") != "header" or header.get("format") != JOURNAL_FORMAT:
        _parse_header(lines[0], path)
    session = Session(header=header, records=records[1:], source=str(path))
    session.warnings = session_warnings
    return session


def _parse_line(raw: bytes, where: str) -> dict[str, Any]:
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise JournalError(f"{where}: not a JSON record ({exc})") from None
    _check_record(record, where)
    return record


def _check_record(record: Any, where: str) -> None:
    if not isinstance(record, dict) or record.get("type") not in RECORD_TYPES:
        raise JournalError(
            f"{where}: not a journal record (expected an object whose 'type' is "
            f"one of {', '.join(RECORD_TYPES)})"
        )
    if record["type"] == "exchange" and not isinstance(record.get("exchange"), dict):
        raise JournalError(f"{where}: exchange record without an 'exchange' object")


def _prepare_for_append(path: Path) -> int | None:
    """Check that ``path`` is a journal, cut a torn tail, count its exchanges.

    Returns None when the file held only a header cut off mid-write, which
    is then removed so the caller writes a new one. Nothing is cut from a
    file whose first line is not a journal header.
    """
    data = path.read_bytes()
    first_line_end = data.find(b"\n")
    if first_line_end == -1 and data.startswith(b'{"type": "header"'):
        log.warning("journal %s: replacing a header cut off mid-write", path)
        _truncate(path, 0)
        return None
    if first_line_end == -1:
        raise JournalError(f"{path}, line 1: not a session journal")
    _parse_header(data[:first_line_end], path)
    if not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        log.warning(
            "journal %s: dropping an incomplete last record (%d bytes) "
            "before appending",
            path,
            len(data) - cut,
        )
        _truncate(path, cut)
    session = load_journal(path)
    return len(session.exchange_records)


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())


def _parse_header(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        header = _parse_line(raw, f"{path}, line 1")
    except JournalError:
        header = {}
    if header.get("type") != "header" or header.get("format") != JOURNAL_FORMAT:
        raise JournalError(
            f"{path}, line 1: not a session journal (expected a header record "
            f"with format {JOURNAL_FORMAT!r})"
        )
    return header


def _header_record(target: str | None, profile: Any) -> dict[str, Any]:
    header: dict[str, Any] = {
        "type": "header",
        "format": JOURNAL_FORMAT,
        "format_version": FORMAT_VERSION,
        "kit_version": __version__,
        "started_at": utc_now_iso(),
        "target": target,
        "python": platform.python_version(),
    }
    ids = _profile_ids(profile)
    if ids:
        header["profile"] = ids
        header["target"] = target or ids.get("base_url")
    return header


def _profile_ids(profile: Any) -> dict[str, str]:
    if profile is None:
        return {}
    ids = {}
    for name in PROFILE_FIELDS:
        if isinstance(profile, Mapping):
            value = profile.get(name)
        else:
            value = getattr(profile, name, None)
        if isinstance(value, str) and value:
            ids[name] = value
    return ids


def _mask_record(value: Any, key: str | None = None) -> Any:
    """Mask every string in a record, the defence in depth before writing."""
    if isinstance(value, str):
        if key == "raw_body_base64" or key == "content_base64":
            return _mask_base64_text(value)
        return mask_text(value)
    if isinstance(value, Mapping):
        if key in HEADER_KEYS:
            return mask_headers({str(k): str(v) for k, v in value.items()})
        return {str(k): _mask_record(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_record(item, key) for item in value]
    if hasattr(value, "to_dict"):
        return _mask_record(value.to_dict(), key)
    return value


def _mask_base64_text(encoded: str) -> str:
    """Mask secrets in a base64 body that contains text, such as a form body."""
    try:
        text = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return encoded
    masked = mask_text(text)
    if masked == text:
        return encoded
    return base64.b64encode(masked.encode("utf-8")).decode("ascii")


def _fsync_directory(directory: Path) -> None:
    # A new file's directory entry must reach the disk too, or a crash can
    # lose the whole file even though its contents were synced.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def _summary_line(record: dict[str, Any]) -> str:
    kind = record.get("type")
    if kind == "exchange":
        exchange = record["exchange"]
        request = exchange.get("request") or {}
        status = exchange.get("status")
        code = response_code(exchange)
        shown = f"{status}" if code == status else f"{status}, code {code}"
        attempt = exchange.get("attempt") or 1
        retry = f" (attempt {attempt})" if attempt > 1 else ""
        return (
            f"  [{record.get('index')}] {request.get('method', '?')} "
            f"{request.get('path', '?')} -> {shown}{retry}"
        )
    if kind == "annotation":
        about = record.get("exchange_index")
        about_text = f" on [{about}]" if about is not None else ""
        return f"  note{about_text}: {record.get('text', '')}"
    if kind == "error":
        return f"  error {record.get('error_type')}: {record.get('message', '')}"
    return f"  ({record.get('text', kind)})"
