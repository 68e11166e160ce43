"""Tests of helpers.triage: exact counts on every log shape, and edge cases."""

from __future__ import annotations

import gzip
import io
import json
import os
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from helpers.triage import ROW_DTYPES, triage
from helpers.triage.synthetic import SHAPES, write_synthetic_log

UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

# (id, line, expected (code, endpoint, request_id, message, time) or None)
LINE_CASES = [
    (
        "plain body",
        f'2026-12-04T10:00:00Z ERROR POST /api/v1/interactions 400 {{"code":10013,"message":"Pick one"}} RequestId={UUID}',
        (10013, "/api/v1/interactions", UUID, "Pick one", "2026-12-04T10:00:00+00:00"),
    ),
    (
        "jsonl escaped body",
        json.dumps(
            {
                "ts": "2026-12-04T10:05:00.5+01:00",
                "level": "ERROR",
                "message": "call failed",
                "body": json.dumps({"code": 10025, "message": 'say "hi"'}),
                "requestId": "abc-123",
                "path": "/api/v1/consent",
            }
        ),
        (10025, "/api/v1/consent", "abc-123", 'say "hi"', "2026-12-04T09:05:00.500000+00:00"),
    ),
    (
        "jsonl escaped twice",
        json.dumps(
            {
                "ts": "2026-12-04 10:06:00",
                "event": json.dumps({"body": json.dumps({"message": "twice", "code": 10003})}),
                "request_id": "r-2",
                "url": "https://x.example.invalid/api/v1/route",
            }
        ),
        (10003, "/api/v1/route", "r-2", "twice", "2026-12-04T10:06:00+00:00"),
    ),
    (
        "csv doubled quotes",
        '2026-12-04 11:00:00,"POST","/api/v1/route","{""code"":10001,""message"":""bad, context""}"',
        (10001, "/api/v1/route", None, "bad, context", "2026-12-04T11:00:00+00:00"),
    ),
    (
        "common log format logfmt",
        '127.0.0.1 - - [04/Dec/2026:12:00:00 -0200] "POST /api/v1/conversation" code=500 message="internal" request_id=r-1',
        (500, "/api/v1/conversation", "r-1", "internal", "2026-12-04T14:00:00+00:00"),
    ),
    (
        "error detail wrapper",
        f'{{"success":false,"errorDetail":{{"code":10050,"message":"no integration"}}}} RequestId {UUID}',
        (10050, None, UUID, "no integration", None),
    ),
    (
        "python repr",
        "2026-12-04T10:00:00Z failed: {'code': 10016, 'message': 'header missing'} path=/agentWork",
        (10016, "/api/v1/agentWork", None, "header missing", "2026-12-04T10:00:00+00:00"),
    ),
    (
        "unknown code",
        '{"code":10999,"message":"from the future"}',
        (10999, None, None, "from the future", None),
    ),
    ("http status in body", '{"code":404,"message":"Not Found"}', None),
    ("status code words", "GET /api/v1/interactions status code 200, exit code 0", None),
    ("postal code", 'address saved {"zip code": 94105, "message": "ok"}', None),
    ("code without message", '{"code":10013}', None),
    ("key ending in code", '{"errorCode":10013,"message":"x"}', None),
    ("key starting with code", '{"codeVersion":10013,"message":"x"}', None),
]


@pytest.mark.parametrize("line, expected", [c[1:] for c in LINE_CASES], ids=[c[0] for c in LINE_CASES])
def test_triage_line_shapes(line, expected):
    summary = triage(line + "\n")
    if expected is None:
        assert summary.total_errors == 0
        return
    code, endpoint, request_id, message, time = expected
    assert summary.total_errors == 1
    row = summary.rows.iloc[0]
    assert row["code"] == code
    assert (None if pd.isna(row["endpoint"]) else row["endpoint"]) == endpoint
    assert (None if pd.isna(row["request_id"]) else row["request_id"]) == request_id
    assert row["message"] == message
    if time is None:
        assert pd.isna(row["time"])
    else:
        assert row["time"] == pd.Timestamp(time)
    assert row["line"] == 1


def test_triage_two_codes_one_line():
    line = '{"errors":[{"code":10013,"message":"a"},{"code":10014,"message":"b"},{"code":10013,"message":"a"}]}'
    summary = triage(line)
    assert summary.total_errors == 2
    assert list(summary.rows["code"]) == [10013, 10014]
    assert list(summary.rows["message"]) == ["a", "b"]


def _expected_by_code(log) -> dict:
    return {str(code): count for code, count in log.by_code.items()}


def _check_counts(summary, logs) -> None:
    by_code, by_endpoint = Counter(), Counter()
    first, last = {}, {}
    for log in logs:
        by_code.update(log.by_code)
        by_endpoint.update(log.by_endpoint)
        for code, time in log.first_seen.items():
            first[code] = min(time, first.get(code, time))
        for code, time in log.last_seen.items():
            last[code] = max(time, last.get(code, time))
    data = summary.to_dict()
    assert data["total_errors"] == sum(by_code.values())
    assert data["by_code"] == {str(code): n for code, n in by_code.items()}
    assert data["by_endpoint"] == dict(by_endpoint)
    for code in by_code:
        assert summary.first_seen[code] == pd.Timestamp(first[code])
        assert summary.last_seen[code] == pd.Timestamp(last[code])
    assert summary.untimed_errors == 0


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("shape", SHAPES)
def test_triage_exact_counts_per_shape(tmp_path, shape, compress):
    name = f"app.{shape}" + (".gz" if compress else "")
    log = write_synthetic_log(tmp_path / name, shape, error_lines=47, noise_per_error=4, seed=3)
    summary = triage(log.path)
    _check_counts(summary, [log])
    assert summary.total_errors == 47
    assert len(summary.rows) == 47
    assert summary.warnings == []
    if shape != "har":
        assert summary.lines_read == log.lines


def test_triage_gzip_detected_by_magic_not_name(tmp_path):
    log = write_synthetic_log(tmp_path / "misnamed.txt", "jsonl", error_lines=10, compress=True)
    summary = triage(log.path)
    assert summary.to_dict()["by_code"] == _expected_by_code(log)


def test_triage_mixed_file_set(tmp_path):
    logs = [
        write_synthetic_log(tmp_path / "a.log", "plain", error_lines=13, seed=1),
        write_synthetic_log(tmp_path / "b.jsonl.gz", "jsonl", error_lines=21, compress=True, seed=2),
        write_synthetic_log(tmp_path / "c.csv", "csv", error_lines=8, seed=3),
        write_synthetic_log(tmp_path / "d.har", "har", error_lines=6, seed=4),
    ]
    summary = triage([log.path for log in logs])
    _check_counts(summary, logs)
    assert summary.files == [str(log.path) for log in logs]
    assert summary.to_dict()["by_code_endpoint"]["10013"] == {"/api/v1/agentWork": 3 + 5 + 2 + 2}

    by_directory = triage(tmp_path)
    assert by_directory.to_dict()["by_code"] == summary.to_dict()["by_code"]


def test_triage_rows_match_lines(tmp_path):
    log = write_synthetic_log(tmp_path / "app.csv", "csv", error_lines=5, noise_per_error=2)
    summary = triage(log.path)
    lines = log.path.read_text().splitlines()
    for row in summary.rows.itertuples():
        text = lines[row.line - 1]
        assert str(row.code) in text
        assert row.request_id in text
    assert summary.rows["file"].unique().tolist() == [str(log.path)]


@pytest.mark.parametrize("chunk_size", [1, 2, 7, 64, 333])
def test_triage_chunk_borders(tmp_path, chunk_size):
    log = write_synthetic_log(tmp_path / "app.jsonl", "jsonl", error_lines=15, noise_per_error=2)
    whole = triage(log.path)
    split = triage(log.path, chunk_size=chunk_size)
    assert split.to_dict() == whole.to_dict()
    assert split.rows.equals(whole.rows)


@pytest.mark.parametrize("chunk_size", [1, 5, 100, 4096])
def test_triage_chunk_borders_gzip(tmp_path, chunk_size):
    log = write_synthetic_log(tmp_path / "app.log.gz", "plain", error_lines=12, compress=True)
    summary = triage(log.path, chunk_size=chunk_size)
    _check_counts(summary, [log])


def test_triage_worker_pool_same_as_one_pass(tmp_path):
    log = write_synthetic_log(tmp_path / "app.csv", "csv", error_lines=200, noise_per_error=3)
    one_pass = triage(log.path, workers=1)
    pooled = triage(log.path, workers=2, block_size=4096, chunk_size=1024)
    assert pooled.to_dict() == one_pass.to_dict()
    assert pooled.rows.equals(one_pass.rows)
    _check_counts(pooled, [log])


def test_triage_worker_pool_block_ends_at_newline(tmp_path):
    # Block borders that fall just before, on and after a line break.
    text = "".join(f'{{"code":{10001 + i % 3},"message":"m{i}"}}\n' for i in range(50))
    path = tmp_path / "app.log"
    path.write_text(text)
    first = len(text.splitlines()[0]) + 1
    for block_size in (first - 1, first, first + 1):
        pooled = triage(path, workers=2, block_size=block_size)
        assert pooled.total_errors == 50
        assert pooled.rows["line"].tolist() == list(range(1, 51))


def test_triage_empty_file(tmp_path):
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    summary = triage(path)
    assert summary.total_errors == 0
    assert summary.lines_read == 0
    assert summary.rows.dtypes.to_dict() == {k: pd.Series(dtype=v).dtype for k, v in ROW_DTYPES.items()}
    assert "0 Interaction API errors" in str(summary)
    assert summary.over_time().empty


def test_triage_binary_junk(tmp_path):
    path = tmp_path / "junk.bin"
    path.write_bytes(bytes(range(256)) * 400 + b'\x00"code":10013\x00')
    summary = triage(path)
    assert summary.total_errors == 0
    assert any("binary" in warning for warning in summary.warnings)


def test_triage_truncated_gzip_gives_partial_result(tmp_path):
    log = write_synthetic_log(tmp_path / "app.log.gz", "plain", error_lines=400, noise_per_error=20, compress=True)
    data = log.path.read_bytes()
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(data[: len(data) // 2])
    summary = triage(cut)
    assert 0 < summary.total_errors < 400
    assert len(summary.warnings) == 1
    assert "truncated" in summary.warnings[0]
    assert str(cut) in summary.warnings[0]
    assert "truncated" in str(summary)


def test_triage_corrupt_gzip_warns(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b" + b"\x00" * 64)
    summary = triage(path)
    assert summary.total_errors == 0
    assert any("corrupt" in warning for warning in summary.warnings)


def test_triage_concatenated_gzip_members(tmp_path):
    first = gzip.compress(b'{"code":10013,"message":"a"}\n')
    second = gzip.compress(b'{"code":10014,"message":"b"}\n')
    path = tmp_path / "two.gz"
    path.write_bytes(first + second)
    summary = triage(path)
    assert summary.to_dict()["by_code"] == {"10013": 1, "10014": 1}
    assert summary.warnings == []


@pytest.mark.parametrize(
    "make_source",
    [
        lambda text: text,
        lambda text: text.encode(),
        lambda text: io.StringIO(text),
        lambda text: io.BytesIO(text.encode()),
    ],
    ids=["str", "bytes", "text stream", "binary stream"],
)
def test_triage_source_kinds(make_source):
    text = '{"code":10013,"message":"a"}\nnoise\n{"code":500,"message":"b"}\n'
    summary = triage(make_source(text))
    assert summary.to_dict()["by_code"] == {"10013": 1, "500": 1}
    assert summary.rows["line"].tolist() == [1, 3]


def test_triage_missing_path_names_it(tmp_path):
    missing = tmp_path / "nope.log"
    with pytest.raises(FileNotFoundError, match="nope.log"):
        triage(missing)
    with pytest.raises(FileNotFoundError, match="nope.log"):
        triage(str(missing))


def test_triage_rejects_bad_options():
    with pytest.raises(ValueError, match="frequency"):
        triage("{}", freq="1M")
    with pytest.raises(ValueError, match="max_rows"):
        triage("{}", max_rows=-1)
    with pytest.raises(ValueError, match="chunk_size"):
        triage("{}", chunk_size=0)
    with pytest.raises(TypeError, match="cannot read a log"):
        triage(42)
    with pytest.raises(ValueError, match="unknown table version"):
        triage("{}", version="1999-01")


def test_triage_max_rows_keeps_counts_exact(tmp_path):
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=30)
    summary = triage(log.path, max_rows=7)
    assert summary.total_errors == 30
    assert len(summary.rows) == 7
    assert summary.rows_truncated
    assert summary.to_dict()["rows_truncated"] is True
    assert "kept the first 7 of 30 rows" in str(summary)
    assert summary.to_dict()["by_code"] == _expected_by_code(log)


def test_triage_max_rows_zero_is_not_a_cut(tmp_path):
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=3)
    summary = triage(log.path, max_rows=0)
    assert summary.total_errors == 3
    assert summary.rows.empty
    assert not summary.rows_truncated
    assert "kept the first" not in str(summary)


def test_triage_rows_csv_writes_every_row(tmp_path):
    log = write_synthetic_log(tmp_path / "app.jsonl", "jsonl", error_lines=25)
    out = tmp_path / "rows.csv"
    summary = triage(log.path, max_rows=3, rows_csv=out)
    written = pd.read_csv(out)
    assert len(written) == 25
    assert list(written.columns) == list(ROW_DTYPES)
    assert not summary.rows_truncated
    assert Counter(written["code"]) == log.by_code


def test_triage_rows_dtypes(tmp_path):
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=5)
    rows = triage(log.path).rows
    assert str(rows["time"].dtype) == "datetime64[ns, UTC]"
    assert str(rows["code"].dtype) == "Int64"
    assert str(rows["line"].dtype) == "Int64"
    for column in ("endpoint", "request_id", "message", "file"):
        assert isinstance(rows[column].dtype, pd.StringDtype)


def test_triage_over_time_counts(tmp_path):
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=100)
    summary = triage(log.path, freq="15min")
    series = summary.over_time()
    assert int(series.to_numpy().sum()) == 100
    assert series.index.freq is None or series.index[1] - series.index[0] == pd.Timedelta("15min")
    assert series.index[1] - series.index[0] == pd.Timedelta("15min")
    hourly = summary.over_time("1h")
    assert hourly.sum().to_dict() == dict(log.by_code)
    with pytest.raises(ValueError, match="finer"):
        summary.over_time("10s")


def test_triage_auto_frequency(tmp_path):
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=100)
    summary = triage(log.path)
    # 100 errors 37 s apart span about an hour.
    assert summary.freq == "1min"
    assert len(summary.over_time()) <= 120


def test_triage_codes_table_and_unknown(tmp_path):
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=10)
    codes = triage(log.path).codes.set_index("code")
    assert codes.loc[10013, "name"] == "CAPACITY_INVALID"
    assert bool(codes.loc[10013, "known"])
    assert codes.loc[10107, "name"] == "unknown"
    assert not bool(codes.loc[10107, "known"])
    assert codes["count"].sum() == 10


def test_triage_summary_renders(tmp_path):
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=10)
    summary = triage(log.path)
    text = str(summary)
    assert "10 Interaction API errors" in text
    assert "CAPACITY_INVALID" in text
    assert "/api/v1/agentWork" in text
    page = summary._repr_html_()
    assert "<table" in page
    assert "CAPACITY_INVALID" in page
    json.dumps(summary.to_dict())
    assert summary.top_messages["count"].sum() == 10


def test_triage_plot(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=20)
    figure = triage(log.path).plot()
    axes = figure.axes[0]
    assert len(axes.lines) == 5
    assert axes.get_legend() is not None
    import matplotlib.pyplot as plt

    plt.close(figure)


def test_triage_progress_bar_when_requested(tmp_path, capsys):
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=5)
    triage(log.path, progress=True)
    assert "triage" in capsys.readouterr().err
    triage(log.path, progress=False)
    assert capsys.readouterr().err == ""


def test_triage_package_imports_without_pandas():
    import subprocess
    import sys

    code = "import sys, helpers.triage.ranges; print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_triage_does_not_need_dask():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None\n"
        "from helpers.triage import triage\n"
        "print(triage('{\"code\":10013,\"message\":\"a\"}').total_errors)"
    )
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "1"


def test_triage_long_span_coarsens_buckets(monkeypatch):
    from helpers.triage.extract import Accumulator

    monkeypatch.setattr(Accumulator, "MAX_TIME_BUCKETS", 50)
    # One error per hour for ten days: 240 minute buckets, then 240 hour
    # buckets, so the counts end in day buckets.
    lines = [
        f'2026-11-{1 + hour // 24:02d}T{hour % 24:02d}:30:00Z {{"code":10013,"message":"m"}}'
        for hour in range(240)
    ]
    summary = triage("\n".join(lines) + "\n")
    assert summary.total_errors == 240
    assert summary.freq == "1D"
    daily = summary.over_time()
    assert daily[10013].tolist() == [24] * 10
    with pytest.raises(ValueError, match="finer"):
        summary.over_time("1h")


def test_triage_docker_json_log_is_not_har(tmp_path):
    body = json.dumps({"code": 10025, "message": "no conversation"})
    records = [
        {"log": f"2026-12-04T10:00:0{i}Z ERROR POST /api/v1/consent {body}\n", "stream": "stderr"}
        for i in range(3)
    ]
    path = tmp_path / "container-json.log"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    summary = triage(path)
    assert summary.warnings == []
    assert summary.to_dict()["by_code"] == {"10025": 3}
    assert summary.to_dict()["by_endpoint"] == {"/api/v1/consent": 3}


def test_triage_missing_file_name_is_not_text(tmp_path):
    with pytest.raises(FileNotFoundError, match="error_codes.log"):
        triage(str(tmp_path / "error_codes.log"))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_triage_utf16_export(tmp_path, encoding):
    text = '2026-12-04T10:00:00Z {"code":10013,"message":"a"}\r\n' * 3
    path = tmp_path / "export.log"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(gzip.compress(data) if encoding == "utf-16" else data)
    summary = triage(path, chunk_size=7)
    assert summary.warnings == []
    assert summary.to_dict()["by_code"] == {"10013": 3}
    assert summary.rows["line"].tolist() == [1, 2, 3]


def test_triage_glob_pattern(tmp_path):
    for name in ("a.log", "b.log", "c.txt"):
        (tmp_path / name).write_text('{"code":10013,"message":"a"}\n')
    summary = triage(str(tmp_path / "*.log"))
    assert summary.total_errors == 2
    assert [Path(f).name for f in summary.files] == ["a.log", "b.log"]
    with pytest.raises(FileNotFoundError, match="no log file matches"):
        triage(str(tmp_path / "*.gz"))


def test_triage_rows_csv_with_worker_pool(tmp_path):
    log = write_synthetic_log(tmp_path / "app.log", "plain", error_lines=120, noise_per_error=3)
    one_pass, pooled = tmp_path / "one.csv", tmp_path / "pooled.csv"
    triage(log.path, rows_csv=one_pass, workers=1)
    triage(log.path, rows_csv=pooled, workers=2, block_size=3000)
    assert pooled.read_text() == one_pass.read_text()
    assert len(pd.read_csv(pooled)) == 120
