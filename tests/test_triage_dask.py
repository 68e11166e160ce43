"""Tests of helpers.triage.triage_dask on a small local Dask cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.triage import triage, triage_dask
from helpers.triage.synthetic import write_synthetic_log

pytestmark = pytest.mark.dask

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    dask_client = distributed.Client(cluster)
    yield dask_client
    dask_client.close()
    cluster.close()


@pytest.fixture
def log_files(tmp_path):
    return [
        write_synthetic_log(tmp_path / "a.log", "plain", error_lines=60, seed=1).path,
        write_synthetic_log(tmp_path / "b.jsonl.gz", "jsonl", error_lines=25, compress=True, seed=2).path,
        write_synthetic_log(tmp_path / "c.csv", "csv", error_lines=40, seed=3).path,
        write_synthetic_log(tmp_path / "d.har", "har", error_lines=10, seed=4).path,
    ]


def test_triage_dask_same_summary_as_local(client, log_files):
    local = triage(log_files)
    # Small blocks so that the plain and CSV files are cut into many tasks.
    on_dask = triage_dask(log_files, client=client, block_size=2048)
    assert on_dask.to_dict() == local.to_dict()
    assert on_dask.rows.equals(local.rows)
    assert on_dask.total_errors == 135


def test_triage_dask_dataframe(client, tmp_path):
    log = write_synthetic_log(tmp_path / "export.csv", "csv", error_lines=30, noise_per_error=2)
    frame = dd.from_pandas(pd.read_csv(log.path), npartitions=4)
    summary = triage_dask(frame, client=client)
    assert summary.to_dict()["by_code"] == {str(c): n for c, n in log.by_code.items()}
    assert summary.to_dict()["by_endpoint"] == dict(log.by_endpoint)
    assert summary.rows["line"].tolist() == list(range(1, 90, 3))
    assert summary.files == ["<dask dataframe>"]


def test_triage_dask_default_cluster(log_files):
    summary = triage_dask(log_files[:1])
    assert summary.total_errors == 60


def test_triage_dask_rejects_text(client):
    with pytest.raises(TypeError, match="not a file"):
        triage_dask('{"code":10013,"message":"a"}\n', client=client)
