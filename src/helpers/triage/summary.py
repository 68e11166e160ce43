"""The result of a triage run: counts, time series, rows and the code table.

``TriageSummary`` is built from an ``Accumulator`` once reading is done. It
contains exact counts by code, by endpoint and by both; counts over time at a
frequency chosen from the time span (or given); first and last seen per
code; the most frequent messages; and, per code, its name, summary and fix
from ``helpers.codes`` (codes the table does not list are marked unknown).
Per-error rows are a DataFrame with fixed dtypes (``ROW_DTYPES``), capped at
``max_rows``; the summary says when the cap was reached.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.triage.extract import NAT, Accumulator

logger = logging.getLogger(__name__)

UTC_NANOS = pd.DatetimeTZDtype(unit="ns", tz="UTC")
ROW_DTYPES = {
    "time": UTC_NANOS,
    "code": "Int64",
    "endpoint": "string",
    "request_id": "string",
    "message": "string",
    "file": "string",
    "line": "Int64",
}
NO_ENDPOINT = "(none)"
# Bucket widths tried in order; the first that gives at most
# MAX_AUTO_BUCKETS buckets over the time span is used.
AUTO_FREQUENCIES = ("1min", "5min", "15min", "1h", "6h", "1D", "7D")
MAX_AUTO_BUCKETS = 120
TOP_MESSAGES = 10


def rows_frame(rows: dict) -> pd.DataFrame:
    """Build the per-error DataFrame from ``Accumulator.take_rows`` output."""
    times = np.array(rows["time"], dtype=np.int64)
    codes = np.array(rows["code"], dtype=np.int64)
    lines = np.array(rows["line"], dtype=np.int64)
    frame = pd.DataFrame(
        {
            "time": pd.DatetimeIndex(times.view("M8[ns]")).tz_localize("UTC"),
            "code": pd.array(codes, dtype="Int64"),
            "endpoint": pd.array(rows["endpoint"], dtype="string"),
            "request_id": pd.array(rows["request_id"], dtype="string"),
            "message": pd.array(rows["message"], dtype="string"),
            "file": pd.array(rows["file"], dtype="string"),
            "line": pd.arrays.IntegerArray(np.where(lines == NAT, 0, lines), lines == NAT),
        }
    )
    return frame.astype(ROW_DTYPES)


def choose_frequency(
    first: pd.Timestamp | None, last: pd.Timestamp | None, kept_nanos: int = 60_000_000_000
) -> str:
    """Return the narrowest bucket width that keeps the chart readable.

    The width is a multiple of ``kept_nanos``, the resolution the counts
    were kept at.
    """
    usable = [f for f in AUTO_FREQUENCIES if frequency_nanos(f) % kept_nanos == 0]
    if first is None or last is None:
        return usable[0]
    span = last - first
    for frequency in usable:
        if span / pd.Timedelta(frequency) <= MAX_AUTO_BUCKETS:
            return frequency
    return usable[-1]


def frequency_nanos(freq: str) -> int:
    """Return the width of ``freq`` in nanoseconds.

    Raises
    ------
    ValueError
        ``freq`` is not a fixed width such as ``"30s"``, ``"15min"``, ``"1h"``
        or ``"1D"`` (calendar widths such as months vary in length).
    """
    try:
        width = pd.Timedelta(pd.tseries.frequencies.to_offset(freq))
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"invalid frequency {freq!r}; use a fixed width such as '15min', '1h' or '1D'"
        ) from exc
    if width <= pd.Timedelta(0):
        raise ValueError(f"invalid frequency {freq!r}; it must be longer than zero")
    return int(width.value)


@dataclass
class CodeInfo:
    """Code-table entry for one code seen in the log."""

    code: int
    known: bool
    name: str
    summary: str
    fix: str
    retryable: str
    table_version: str


def code_info(code: int, version: str | None = None) -> CodeInfo:
    """Look ``code`` up in ``helpers.codes``; unknown codes are marked so."""
    from helpers import codes

    entry = codes.lookup(code, version)
    if entry is None:
        return CodeInfo(code, False, "unknown", "This code is not in the code table.", "", "", "")
    return CodeInfo(
        code,
        True,
        entry.name,
        entry.summary,
        entry.fix,
        entry.retryable,
        entry.table_version,
    )


@dataclass
class TriageSummary:
    """Counts and rows of the Interaction API errors found in one or more logs.

    Attributes
    ----------
    total_errors : int
        Number of errors found (one per distinct code per line).
    by_code, by_endpoint : pandas.Series
        Error counts, largest first; endpoints missing from a line are
        counted under ``"(none)"``.
    by_code_endpoint : pandas.DataFrame
        Counts with one row per code and one column per endpoint.
    first_seen, last_seen : pandas.Series
        Per code, the earliest and latest time (UTC); NaT when none of the
        code's lines had a time.
    codes : pandas.DataFrame
        One row per code: count, name, summary, fix, retryable, known,
        first and last seen.
    top_messages : pandas.DataFrame
        The most frequent ``(code, message)`` pairs with their counts.
    rows : pandas.DataFrame
        One row per error with the dtypes of ``ROW_DTYPES``, at most
        ``max_rows`` of them.
    rows_truncated : bool
        Whether errors beyond ``max_rows`` were counted but not kept. Always
        false when ``max_rows`` is 0, because the caller requested no rows.
    freq : str
        The width of the buckets of ``over_time()``.
    """

    total_errors: int
    by_code: pd.Series
    by_endpoint: pd.Series
    by_code_endpoint: pd.DataFrame
    first_seen: pd.Series
    last_seen: pd.Series
    codes: pd.DataFrame
    top_messages: pd.DataFrame
    rows: pd.DataFrame
    rows_truncated: bool
    max_rows: int
    freq: str
    untimed_errors: int
    files: list[str]
    lines_read: int
    bytes_read: int
    warnings: list[str] = field(default_factory=list)
    _buckets: pd.DataFrame = field(default=None, repr=False)
    _bucket_nanos: int = field(default=60_000_000_000, repr=False)

    def over_time(self, freq: str | None = None) -> pd.DataFrame:
        """Return error counts per time bucket, one column per code.

        Parameters
        ----------
        freq : str, optional
            Bucket width such as ``"15min"`` or ``"1h"``; by default the
            summary's ``freq``. It cannot be narrower than the resolution the
            counts were kept at (one minute, coarser for very long logs).

        Raises
        ------
        ValueError
            ``freq`` is not a fixed width, or is narrower than the kept
            resolution.
        """
        freq = freq or self.freq
        width = frequency_nanos(freq)
        if width < self._bucket_nanos or width % self._bucket_nanos:
            minutes = self._bucket_nanos // 60_000_000_000
            raise ValueError(
                f"frequency {freq!r} is finer than the counts kept ({minutes} min); "
                "use a multiple of that width"
            )
        buckets = self._buckets
        if buckets.empty:
            return pd.DataFrame(index=pd.DatetimeIndex([], dtype=UTC_NANOS, name="time"), dtype="int64")
        starts = buckets["start"].to_numpy() - buckets["start"].to_numpy() % width
        table = (
            pd.DataFrame({"start": starts, "code": buckets["code"], "count": buckets["count"]})
            .pivot_table(index="start", columns="code", values="count", aggfunc="sum", fill_value=0)
        )
        full = np.arange(table.index.min(), table.index.max() + width, width, dtype=np.int64)
        table = table.reindex(full, fill_value=0)
        table.index = pd.DatetimeIndex(table.index.to_numpy().view("M8[ns]"), name="time").tz_localize("UTC")
        table.columns = [int(code) for code in table.columns]
        table.columns.name = "code"
        return table.astype("int64")

    def to_dict(self) -> dict:
        """Return the summary as JSON-ready data (codes as string keys)."""
        series = self.over_time()
        return {
            "total_errors": self.total_errors,
            "by_code": {str(code): int(n) for code, n in self.by_code.items()},
            "by_endpoint": {str(name): int(n) for name, n in self.by_endpoint.items()},
            "by_code_endpoint": {
                str(code): {str(ep): int(n) for ep, n in row.items() if n}
                for code, row in self.by_code_endpoint.iterrows()
            },
            "first_seen": {str(code): _iso(t) for code, t in self.first_seen.items()},
            "last_seen": {str(code): _iso(t) for code, t in self.last_seen.items()},
            "codes": [
                {key: _plain(value) for key, value in row.items()}
                for row in self.codes.to_dict("records")
            ],
            "over_time": {
                "freq": self.freq,
                "buckets": [
                    {"time": _iso(time), "counts": {str(c): int(n) for c, n in row.items() if n}}
                    for time, row in series.iterrows()
                ],
            },
            "top_messages": [
                {"code": int(r.code), "message": r.message, "count": int(r.count)}
                for r in self.top_messages.itertuples()
            ],
            "untimed_errors": self.untimed_errors,
            "rows_kept": len(self.rows),
            "rows_truncated": self.rows_truncated,
            "max_rows": self.max_rows,
            "files": list(self.files),
            "lines_read": self.lines_read,
            "bytes_read": self.bytes_read,
            "warnings": list(self.warnings),
        }

    def __str__(self) -> str:
        lines = [
            f"{self.total_errors} Interaction API errors in {len(self.files)} file(s), "
            f"{self.lines_read} lines read",
        ]
        if self.total_errors:
            lines.append("")
            lines.append(f"{'code':>6}  {'count':>8}  {'first seen (UTC)':<20}  {'last seen (UTC)':<20}  name")
            for row in self.codes.itertuples():
                lines.append(
                    f"{row.code:>6}  {row.count:>8}  {_short(row.first_seen):<20}  "
                    f"{_short(row.last_seen):<20}  {row.name}"
                )
                advice = row.fix or row.summary
                if advice:
                    lines.append(f"{'':>18}{'fix' if row.fix else 'what'}: {advice}")
            lines.append("")
            lines.append("by endpoint:")
            for name, count in self.by_endpoint.items():
                lines.append(f"  {name:<34} {count:>8}")
        lines.extend(self._notes())
        return "\n".join(lines)

    def _notes(self) -> list[str]:
        notes = []
        if self.rows_truncated:
            notes.append(
                f"note: kept the first {self.max_rows} of {self.total_errors} rows; "
                "all counts are exact"
            )
        if self.untimed_errors:
            notes.append(f"note: {self.untimed_errors} errors had no timestamp")
        notes.extend(f"warning: {text}" for text in self.warnings)
        return notes

    def _repr_html_(self) -> str:
        header = (
            f"<p><b>{self.total_errors}</b> Interaction API errors in "
            f"{len(self.files)} file(s), {self.lines_read} lines read.</p>"
        )
        table = ""
        if self.total_errors:
            shown = self.codes[["code", "count", "name", "first_seen", "last_seen", "summary", "fix", "known"]]
            table = shown.to_html(index=False, escape=True)
        notes = "".join(f"<p>{html.escape(note)}</p>" for note in self._notes())
        return f"<div>{header}{table}{notes}</div>"

    def plot(self, freq: str | None = None, ax=None):
        """Draw error counts over time, one line per code, with matplotlib.

        Parameters
        ----------
        freq : str, optional
            Bucket width; by default the summary's ``freq``.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure is made when omitted.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        series = self.over_time(freq)
        if ax is None:
            figure, ax = plt.subplots(figsize=(9, 4))
        else:
            figure = ax.figure
        for code in series.columns:
            ax.plot(series.index, series[code], marker=".", label=str(code))
        ax.set_title(f"Interaction API errors per {freq or self.freq}")
        ax.set_xlabel("time (UTC)")
        ax.set_ylabel("errors")
        if len(series.columns):
            ax.legend(title="code", fontsize="small")
        figure.autofmt_xdate()
        return figure


def build_summary(acc: Accumulator, report, freq: str | None = None, version: str | None = None) -> TriageSummary:
    """Turn the counts of ``acc`` and the reading ``report`` into a summary."""
    acc.fold()
    by_code = _sorted_series(acc.by_code, "code", "Int64")
    by_endpoint_counts: dict[str, int] = {}
    for (_, endpoint), count in acc.by_code_endpoint.items():
        key = endpoint or NO_ENDPOINT
        by_endpoint_counts[key] = by_endpoint_counts.get(key, 0) + count
    by_endpoint = _sorted_series(by_endpoint_counts, "endpoint", "string")
    first_seen = _time_series(acc.first_seen, by_code.index, "first_seen")
    last_seen = _time_series(acc.last_seen, by_code.index, "last_seen")
    if freq is None:
        known_first = first_seen.dropna()
        freq = choose_frequency(
            known_first.min() if len(known_first) else None,
            last_seen.dropna().max() if last_seen.notna().any() else None,
            acc.bucket_nanos,
        )
    frequency_nanos(freq)
    return TriageSummary(
        total_errors=acc.total,
        by_code=by_code,
        by_endpoint=by_endpoint,
        by_code_endpoint=_cross_table(acc, by_code, by_endpoint),
        first_seen=first_seen,
        last_seen=last_seen,
        codes=_codes_table(by_code, first_seen, last_seen, version),
        top_messages=_top_messages(acc),
        rows=rows_frame(acc.take_rows()),
        # max_rows=0 means the caller needs no rows (the CLI only prints
        # counts), so keeping none of them is not a cut.
        rows_truncated=acc.row_sink is None and 0 < acc.max_rows < acc.rows_seen,
        max_rows=acc.max_rows,
        freq=freq,
        untimed_errors=acc.untimed,
        files=list(report.files),
        lines_read=report.lines_read,
        bytes_read=report.bytes_read,
        warnings=list(report.warnings),
        _buckets=pd.DataFrame(
            [(code, start, count) for (code, start), count in acc.by_bucket.items()],
            columns=["code", "start", "count"],
        ).astype({"code": "int64", "start": "int64", "count": "int64"}),
        _bucket_nanos=acc.bucket_nanos,
    )


def _sorted_series(counts: dict, name: str, index_dtype: str) -> pd.Series:
    items = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    index = pd.Index([key for key, _ in items], dtype=index_dtype, name=name)
    return pd.Series([count for _, count in items], index=index, dtype="int64", name="count")


def _time_series(nanos_by_code: dict, codes: pd.Index, name: str) -> pd.Series:
    values = np.array([nanos_by_code.get(int(code), NAT) for code in codes], dtype=np.int64)
    times = pd.DatetimeIndex(values.view("M8[ns]")).tz_localize("UTC")
    return pd.Series(times, index=codes, name=name)


def _cross_table(acc: Accumulator, by_code: pd.Series, by_endpoint: pd.Series) -> pd.DataFrame:
    table = pd.DataFrame(0, index=by_code.index, columns=pd.Index(by_endpoint.index, name="endpoint"), dtype="int64")
    for (code, endpoint), count in acc.by_code_endpoint.items():
        table.loc[code, endpoint or NO_ENDPOINT] += count
    return table


def _codes_table(by_code: pd.Series, first_seen, last_seen, version) -> pd.DataFrame:
    records = []
    for code, count in by_code.items():
        info = code_info(int(code), version)
        records.append(
            {
                "code": int(code),
                "count": int(count),
                "name": info.name,
                "known": info.known,
                "summary": info.summary,
                "fix": info.fix,
                "retryable": info.retryable,
                "table_version": info.table_version,
            }
        )
    columns = ["code", "count", "name", "known", "summary", "fix", "retryable", "table_version"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame.insert(4, "first_seen", first_seen.array)
    frame.insert(5, "last_seen", last_seen.array)
    return frame.astype(
        {
            "code": "int64",
            "count": "int64",
            "name": "string",
            "known": "bool",
            "summary": "string",
            "fix": "string",
            "retryable": "string",
            "table_version": "string",
        }
    )


def _top_messages(acc: Accumulator) -> pd.DataFrame:
    items = sorted(acc.messages.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))[:TOP_MESSAGES]
    frame = pd.DataFrame(
        [(code, message, count) for (code, message), count in items],
        columns=["code", "message", "count"],
    )
    return frame.astype({"code": "int64", "message": "string", "count": "int64"})


def _iso(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).isoformat()


def _short(value) -> str:
    if value is None or pd.isna(value):
        return "-"
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")


def _plain(value):
    # Values of the codes table as JSON types.
    if isinstance(value, pd.Timestamp) or value is pd.NaT:
        return _iso(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is pd.NA:
        return None
    return value
