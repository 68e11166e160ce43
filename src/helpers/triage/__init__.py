"""Log triage at scale: which error codes, on which endpoints, since when.

``triage(source)`` reads one or many logs in binary chunks with bounded
memory. It reads plain text, JSON lines with the error body escaped in a
field, CSV exports, HAR files, and gzip of any of them. It returns a
``TriageSummary``: exact counts by code, by endpoint and over time, first and
last seen per code, the most frequent messages, each code's name and fix
from the code table, and a DataFrame of per-error rows (capped at
``max_rows``). Large plain files are cut into byte ranges and scanned by
forked worker processes (``workers``). ``triage_dask`` runs the same scan on
a ``dask.distributed`` cluster for logs that outgrow one machine, and Dask
is imported only there.

Examples
--------
>>> from helpers.triage import triage
>>> summary = triage('{"code":10013,"message":"Pick one capacity field"}\\n')
>>> summary.total_errors
1
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from pathlib import Path

from helpers.triage.extract import Accumulator, LineExtractor, is_api_code
from helpers.triage.ranges import DEFAULT_BLOCK_SIZE, merge_results, plan_ranges, scan_range
from helpers.triage.readers import DEFAULT_CHUNK_SIZE, ScanReport, resolve_inputs, scan_input

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_MAX_ROWS",
    "NO_ENDPOINT",
    "ROW_DTYPES",
    "TriageSummary",
    "is_api_code",
    "triage",
    "triage_dask",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_ROWS = 1_000_000
# Inputs smaller than this finish before a progress bar is worth drawing.
PROGRESS_MIN_BYTES = 64 * 1024 * 1024
# Worker processes cost about a tenth of a second to start, so they pay off
# only when there are at least two blocks of plain files to share.
MAX_AUTO_WORKERS = 4
_SUMMARY_NAMES = frozenset({"NO_ENDPOINT", "ROW_DTYPES", "TriageSummary"})


def __getattr__(name: str):
    # pandas is imported only when a summary is built, so that code which
    # needs only the scanner (Dask tasks unpickle it) imports little.
    if name in _SUMMARY_NAMES:
        from helpers.triage import summary

        return getattr(summary, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def triage(
    source,
    *,
    freq: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool | None = None,
    rows_csv: str | Path | None = None,
    version: str | None = None,
    workers: int | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
):
    """Find every Interaction API error in one or more logs and summarize them.

    Parameters
    ----------
    source : path, str, bytes, file object, or list of these
        Log files (a directory means every file below it, and a pattern
        such as ``"logs/*.gz"`` every matching file), an open file
        object (binary or text), or the log text itself. A ``str`` that
        spans lines is text. A one-line ``str`` is a path, unless no such
        file exists and it contains ``{``, ``"`` or ``=``.
    freq : str, optional
        Bucket width for counts over time (``"15min"``, ``"1h"``, ``"1D"``);
        chosen from the time span when omitted.
    max_rows : int
        Per-error rows to keep in ``summary.rows``; counts stay exact beyond
        it and the summary says the rows were cut.
    chunk_size : int
        Bytes read at a time; memory use grows with it.
    progress : bool or None
        Show a tqdm progress bar (a widget in Jupyter). ``None`` shows one
        when standard error is a terminal and the input is larger than 64 MB.
    rows_csv : path, optional
        Write every error row to this CSV file while reading, whatever
        ``max_rows`` is; ``summary.rows`` then stays empty.
    version : str, optional
        Code table version for names and fixes; by default the newest
        version that lists each code.
    workers : int, optional
        Processes that scan plain files on disk in parallel, one byte range
        of ``block_size`` at a time. ``None`` uses up to four (one per CPU)
        when the files hold at least two blocks; 1 scans in this process.
        Other inputs (gzip, HAR, text, file objects) are read in this
        process, and so is everything on systems without ``fork``.
    block_size : int
        Bytes per range handed to a worker.

    Returns
    -------
    TriageSummary

    Raises
    ------
    FileNotFoundError
        A path in ``source`` does not exist.
    ValueError
        ``freq``, ``max_rows``, ``chunk_size``, ``workers``, ``block_size``
        or ``version`` is invalid.

    Examples
    --------
    >>> summary = triage(["app.log", "export.csv.gz"])   # doctest: +SKIP
    >>> summary.by_code                                   # doctest: +SKIP
    >>> summary.plot()                                    # doctest: +SKIP
    """
    from helpers.triage.summary import build_summary

    _check_options(freq, max_rows, chunk_size, workers, block_size)
    if version is not None:
        from helpers import codes

        codes.resolve_version(version)
    inputs = resolve_inputs(source)
    sink = _CsvRowSink(rows_csv) if rows_csv is not None else None
    acc = Accumulator(max_rows, row_sink=sink)
    report = ScanReport()
    resources = known_resources()
    total = sum(item.size or 0 for item in inputs)
    pool_size = _pool_size(workers, inputs, block_size)
    try:
        with _progress_bar(progress, total) as counter:
            if pool_size > 1:
                _scan_in_pool(inputs, acc, report, resources, pool_size, block_size, chunk_size, counter)
            else:
                extractor = LineExtractor(acc, resources)
                for item in inputs:
                    scan_input(item, extractor, chunk_size, report, counter)
        acc.flush()
    finally:
        if sink is not None:
            sink.close()
    logger.info(
        "triage read %d lines in %d file(s) and found %d errors",
        report.lines_read,
        len(report.files),
        acc.total,
    )
    return build_summary(acc, report, freq, version)


def triage_dask(source, client=None, **options):
    """Run the triage extraction on a Dask cluster; see ``helpers.triage.dask_run``."""
    from helpers.triage.dask_run import triage_dask as run

    return run(source, client=client, **options)


def known_resources() -> frozenset[str]:
    """Return the resource names the code table lists as endpoints."""
    from helpers import codes

    names = set()
    for endpoints in codes.table()["endpoints"].dropna():
        names.update(str(endpoints).split(";"))
    names.discard("*")
    names.discard("")
    return frozenset(names)


def _check_options(freq, max_rows, chunk_size, workers=None, block_size=DEFAULT_BLOCK_SIZE) -> None:
    if freq is not None:
        from helpers.triage.summary import frequency_nanos

        frequency_nanos(freq)
    if not isinstance(max_rows, int) or max_rows < 0:
        raise ValueError(f"invalid max_rows {max_rows!r}; pass a whole number, 0 or more")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"invalid chunk_size {chunk_size!r}; pass a positive number of bytes")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError(f"invalid workers {workers!r}; pass 1 or more, or None")
    if not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"invalid block_size {block_size!r}; pass a positive number of bytes")


def _pool_size(workers: int | None, inputs, block_size: int) -> int:
    if any(item.path is None for item in inputs):
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if workers is not None:
        return workers
    total = sum(item.size or 0 for item in inputs)
    if total < 2 * block_size:
        return 1
    # The CPUs this process may run on, which a container can limit below
    # the machine's count.
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(usable or 1, MAX_AUTO_WORKERS))


def _scan_in_pool(inputs, acc, report, resources, pool_size, block_size, chunk_size, counter) -> None:
    # Rows are merged in range order, so a worker keeps at most max_rows of
    # them. With a CSV sink, it keeps all the rows of its range.
    keep = acc.max_rows if acc.row_sink is None else sys.maxsize
    tasks = plan_ranges([item.path for item in inputs], resources, keep, block_size, chunk_size)
    # NOTE: workers are forked. "spawn" would re-import the caller's main
    # module, which breaks scripts without a main guard and ``python -m
    # helpers``; forked workers share the parent's pages until they write.
    context = multiprocessing.get_context("fork")
    with context.Pool(min(pool_size, len(tasks))) as pool:
        results = pool.imap(scan_range, tasks)
        merge_results(_counted(results, counter), acc, report)


def _counted(results, counter):
    for result in results:
        counter(result.bytes_read)
        yield result


class _CsvRowSink:
    """Append each batch of rows to a CSV file, header first."""

    def __init__(self, path) -> None:
        self.path = Path(path)
        self._file = open(self.path, "w", encoding="utf-8", newline="")
        self._header = True

    def __call__(self, rows: dict) -> None:
        from helpers.triage.summary import rows_frame

        rows_frame(rows).to_csv(self._file, index=False, header=self._header)
        self._header = False

    def close(self) -> None:
        if self._header:
            self(Accumulator(0).take_rows())
        self._file.close()


class _progress_bar:
    """Context manager that yields a byte counter, drawing a bar if wanted."""

    def __init__(self, progress: bool | None, total: int) -> None:
        if progress is None:
            progress = total >= PROGRESS_MIN_BYTES and sys.stderr.isatty()
        self._bar = None
        if progress:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total or None, unit="B", unit_scale=True, desc="triage")

    def __enter__(self) -> Callable[[int], None]:
        if self._bar is None:
            return _ignore
        return self._bar.update

    def __exit__(self, *exc_info) -> None:
        if self._bar is not None:
            self._bar.close()


def _ignore(_: int) -> None:
    return None
