"""Run log triage on a ``dask.distributed`` cluster, for logs beyond one machine.

``triage_dask`` takes log paths or a Dask DataFrame. Paths are cut into the
same byte ranges as the local worker pool (``helpers.triage.ranges``), and
each range is scanned as one task. The client merges the results in range
order, so the summary equals the one ``triage`` gives for the same files. A DataFrame is scanned partition by partition, each row read as one
JSON record, so a column named ``requestId`` or ``path`` counts like the field
of a JSON log line.

Dask is an optional extra (``pip install 'interaction-api-troubleshooting-kit[dask]'``);
it is imported only when ``triage_dask`` runs.
"""

from __future__ import annotations

import json
import logging

from helpers.triage.extract import Accumulator, LineExtractor
from helpers.triage.ranges import DEFAULT_BLOCK_SIZE, RangeResult, merge_results, plan_ranges, scan_range
from helpers.triage.readers import DEFAULT_CHUNK_SIZE, ScanReport, resolve_inputs

logger = logging.getLogger(__name__)

DASK_MISSING = (
    "triage_dask needs Dask; install the extra with "
    "pip install 'interaction-api-troubleshooting-kit[dask]'"
)
DATAFRAME_NAME = "<dask dataframe>"


def triage_dask(
    source,
    client=None,
    *,
    freq: str | None = None,
    max_rows: int = 1_000_000,
    block_size: int = DEFAULT_BLOCK_SIZE,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    version: str | None = None,
):
    """Find the Interaction API errors in logs with a Dask cluster.

    Parameters
    ----------
    source : path, list of paths, or dask.dataframe.DataFrame
        Log files that every worker can read at the same path (a directory
        means every file below it), or a Dask DataFrame whose rows are log
        records.
    client : distributed.Client, optional
        The cluster to run on. When omitted, a ``LocalCluster`` with two
        worker threads in this process is started and closed afterwards.
    freq, max_rows, chunk_size, version
        As for ``helpers.triage.triage``.
    block_size : int
        Bytes of a plain file per task.

    Returns
    -------
    TriageSummary
        Equal to what ``triage`` returns for the same files.

    Raises
    ------
    ImportError
        Dask or distributed is not installed.
    TypeError
        ``source`` contains something other than paths or a Dask DataFrame.
    FileNotFoundError
        A path does not exist.
    """
    from helpers.triage import _check_options, known_resources
    from helpers.triage.summary import build_summary

    _check_options(freq, max_rows, chunk_size, None, block_size)
    try:
        import dask.dataframe as dd
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError(DASK_MISSING) from exc

    resources = known_resources()
    if isinstance(source, dd.DataFrame):
        make_futures = lambda c: _dataframe_futures(c, source, resources, max_rows)  # noqa: E731
    else:
        paths = _paths(source)
        tasks = plan_ranges(paths, resources, max_rows, block_size, chunk_size)
        make_futures = lambda c: c.map(scan_range, tasks, pure=False)  # noqa: E731

    acc = Accumulator(max_rows)
    report = ScanReport()
    own_cluster = client is None
    if own_cluster:
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        )
        client = Client(cluster)
    try:
        futures = make_futures(client)
        merge_results(_results_in_order(futures), acc, report)
    finally:
        if own_cluster:
            client.close()
            cluster.close()
    logger.info("triage_dask ran %d tasks and found %d errors", len(futures), acc.total)
    return build_summary(acc, report, freq, version)


def _paths(source) -> list[str]:
    inputs = resolve_inputs(source)
    missing = [item.name for item in inputs if item.path is None]
    if missing:
        raise TypeError(
            f"triage_dask reads files by path, and {missing[0]} is not a file; "
            "pass paths or a Dask DataFrame, or use triage() for text and file objects"
        )
    return [item.path for item in inputs]


def _results_in_order(futures):
    # One result at a time, in task order, released after its merge, so the
    # client keeps the rows of one task at a time.
    for future in futures:
        result = future.result()
        future.release()
        yield result


def _dataframe_futures(client, frame, resources, max_rows):
    import dask

    parts = frame.to_delayed()
    scans = [
        dask.delayed(scan_partition)(part, resources, max_rows, index == 0)
        for index, part in enumerate(parts)
    ]
    return client.compute(scans)


def scan_partition(frame, known_resources: frozenset[str], max_rows: int, first: bool) -> RangeResult:
    """Scan one pandas partition, each row serialized as a JSON record."""
    acc = Accumulator(max_rows)
    extractor = LineExtractor(acc, known_resources)
    records = frame.to_dict("records")
    text = "\n".join(json.dumps(record, default=str, ensure_ascii=False) for record in records)
    data = (text + "\n").encode("utf-8") if records else b""
    extractor.scan_block(data, 0, len(data), DATAFRAME_NAME, 1)
    return RangeResult(DATAFRAME_NAME, 0, acc, len(records), len(data), [], first_of_file=first)
