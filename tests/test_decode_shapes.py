"""Every code of every table version round-trips through every artifact shape.

The shapes are text and parsed artifacts (see ``decode_artifacts``), a live
``requests.Response`` from a server on 127.0.0.1 and the ``HTTPError`` it
raises, and files (plain and gzip) and streams.
"""

from __future__ import annotations

import gzip
import io
import json
import urllib.parse

import pytest
import requests

from helpers import codes
from helpers.decode import Finding, decode
from helpers.decode.explain import normalize_message

from decode_artifacts import SHAPES, QuietHandler, local_server

REQUEST_ID = "7d1e5c2a-0b7f-4a51-9d0c-3f0f5a6b8c21"


def _table_rows():
    return [(int(row.code), row.table_version) for row in codes.table().itertuples()]


def _row_id(row):
    return f"{row[0]}@{row[1]}"


TABLE_ROWS = _table_rows()
PUBLISHED_ROWS = [
    (code, version) for code, version in TABLE_ROWS
    if codes.lookup(code, version).message
]


def _check_finding(finding, code, version, message, expected):
    assert isinstance(finding, Finding)
    assert finding.code == code
    assert finding.known is True
    assert finding.kind == "api"
    assert codes.lookup(code, finding.table_version) is not None
    explained = codes.lookup(code, finding.table_version)
    if explained.message:
        # The wording of the version that explains it is the wording received.
        assert normalize_message(explained.message) == normalize_message(message)
    assert finding.name == explained.name
    assert finding.fix == explained.fix
    assert finding.expected_http_status == explained.http_status
    for attribute, value in expected.items():
        if value is True:
            assert getattr(finding, attribute) == REQUEST_ID, attribute
        else:
            assert getattr(finding, attribute) == value, attribute


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("row", TABLE_ROWS, ids=_row_id)
def test_decode_round_trips_code(row, shape):
    code, version = row
    message = codes.message_for(code, version)
    builder, expected = SHAPES[shape]

    found = decode(builder(code, message, REQUEST_ID))

    assert len(found) == 1, [str(f) for f in found]
    _check_finding(found[0], code, version, message, expected)


@pytest.mark.parametrize("row", TABLE_ROWS, ids=_row_id)
def test_decode_list_of_bodies(row):
    code, version = row
    message = codes.message_for(code, version)

    found = decode([{"code": code, "message": message}, {"code": str(code)}])

    assert [f.code for f in found] == [code, code]


@pytest.mark.parametrize("row", PUBLISHED_ROWS, ids=_row_id)
def test_decode_matches_message_without_code(row):
    code, version = row
    message = codes.lookup(code, version).message
    line = f"2026-03-01 12:00:01 ERROR send failed: {message}"

    found = decode(line)

    assert len(found) == 1, [str(f) for f in found]
    assert found[0].code == code
    assert found[0].source == "text-match"
    assert "matched by message text" in found[0].summary.lower()
    explained = codes.lookup(code, found[0].table_version)
    assert normalize_message(explained.message) == normalize_message(message)


@pytest.mark.parametrize("row", PUBLISHED_ROWS, ids=_row_id)
def test_decode_matches_bare_message(row):
    code, version = row
    message = codes.lookup(code, version).message

    found = decode(message)

    assert [f.code for f in found] == [code]


def test_decode_later_code_from_later_version():
    later = [
        code for code, version in TABLE_ROWS
        if codes.lookup(code, codes.BASE_VERSION) is None
    ]
    assert later, "the table has codes added after the base version"
    for code in later:
        finding = decode({"code": code, "message": "text not in any table"})[0]
        assert finding.known is True
        assert finding.table_version != codes.BASE_VERSION
        assert codes.lookup(code, finding.table_version) is not None


# --- the same codes as a live response, an exception, a file and a stream ----

class _EchoHandler(QuietHandler):
    """Respond with status 400 and the body given in the ``body`` query value."""

    def do_POST(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        data = query["body"][0].encode("utf-8")
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("RequestId", REQUEST_ID)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def echo_url():
    with local_server(_EchoHandler) as url:
        yield url + "/api/v1/agentWork"


@pytest.fixture(scope="module")
def http_session():
    with requests.Session() as session:
        yield session


def _body_text(code, version):
    return json.dumps({"code": code, "message": codes.message_for(code, version)})


@pytest.mark.parametrize("row", TABLE_ROWS, ids=_row_id)
def test_decode_round_trips_response(row, echo_url, http_session):
    code, version = row
    response = http_session.post(echo_url, params={"body": _body_text(code, version)},
                                 timeout=10)

    finding = decode(response)[0]
    with pytest.raises(requests.HTTPError) as caught:
        response.raise_for_status()
    from_exception = decode(caught.value)[0]

    expected = {"source": "response", "http_status": 400, "method": "POST",
                "request_id": True}
    message = codes.message_for(code, version)
    _check_finding(finding, code, version, message, expected)
    _check_finding(from_exception, code, version, message, expected)
    assert finding.url.startswith(echo_url)


@pytest.mark.parametrize("row", TABLE_ROWS, ids=_row_id)
def test_decode_round_trips_file_and_stream(row, tmp_path):
    code, version = row
    text = _body_text(code, version)
    plain = tmp_path / "body.json"
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "body.json.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))

    for artifact in (plain, packed, io.StringIO(text), io.BytesIO(text.encode("utf-8"))):
        found = decode(artifact)
        assert [f.code for f in found] == [code], artifact
