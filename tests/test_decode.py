"""Unit tests of ``helpers.decode``: findings, shapes, OAuth, failures, masking."""

from __future__ import annotations

import gzip
import io
import json
import logging
import random
import re

import pytest

from helpers import codes
from helpers import decode as decode_module
from helpers.decode import Finding, decode, decode_one, summarize, transport
from helpers.decode.body import ERROR_REASONS, MAX_JSON_NESTING, json_too_deep
from helpers.decode.explain import code_for_name
from helpers.decode.jsobject import MAX_NESTING, LiteralError, parse_js_object
from helpers.model import ApiRequest, Exchange

from decode_artifacts import FAKE_TOKEN, SCRT_URL, curl_verbose, har_text

FAKE_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmYWtlQGV4YW1wbGUuY29tIn0.ZmFrZXNpZ25hdHVyZQ"
CAPACITY_MESSAGE = "Specify either a capacityPercentage or a capacityWeight, but not both."


# --- Finding ------------------------------------------------------------------


def test_finding_dict_round_trip():
    finding = decode(curl_verbose(10013, CAPACITY_MESSAGE, "req-1"))[0]

    data = finding.to_dict()
    again = Finding.from_dict(json.loads(json.dumps(data)))

    assert again == finding
    assert data["endpoints"] == list(finding.endpoints)


def test_finding_from_dict_rejects_non_dict():
    with pytest.raises(TypeError, match="expects a dict"):
        Finding.from_dict(["code", 1])


def test_finding_uses_slots():
    finding = decode_one('{"code": 10004}')

    assert not hasattr(finding, "__dict__")


def test_finding_str_has_sections():
    text = str(decode(curl_verbose(10013, CAPACITY_MESSAGE, "req-1"))[0])

    assert text.splitlines()[0].startswith("10013 CAPACITY_INVALID (table ")
    assert "What happened: " in text
    assert "Likely cause: " in text
    assert "Fix: " in text
    assert "Retry: " in text
    assert "RequestId req-1" in text
    assert "HTTP status: 400" in text


def test_finding_html_escapes_values():
    finding = decode_one('{"code": 10004, "message": "<script>alert(1)</script>"}')

    card = finding._repr_html_()

    assert "<script>" not in card
    assert "&lt;script&gt;" in card
    assert "Likely cause" in card
    assert "Fix" in card


# --- API body shapes --------------------------------------------------------------


def test_unknown_code_lists_closest():
    finding = decode_one({"code": 19999, "message": "The file ID field is emptyy"})

    assert finding.known is False
    assert finding.kind == "api"
    assert finding.table_version is None
    assert "not in any known version" in finding.summary
    assert finding.closest[0][0] == 10007
    assert "10007" in finding.fix


def test_unknown_code_without_message():
    finding = decode_one('{"code": 777}')

    assert finding.known is False
    assert finding.closest == []


def test_removed_code_says_removed():
    finding = decode_one({"code": 10040})

    assert finding.known is True
    assert "removed" in finding.summary.lower()


@pytest.mark.parametrize(
    "message",
    [
        "The file is empty or doesnâ€™t exist",
        "The file is empty or doesn’t exist",
        "The file is empty or doesn't exist",
    ],
    ids=["mojibake", "curly", "straight"],
)
def test_message_match_survives_encoding(message):
    finding = decode_one(f"ERROR upload failed: {message}")

    assert finding.code == 10009
    assert finding.source == "text-match"


def test_mojibake_body_picks_its_wording():
    finding = decode_one({"code": 10009, "message": "The file is empty or doesnâ€™t exist"})

    assert finding.code == 10009
    assert finding.known is True


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("CONVERSATION_PRECONDITION_FAILED", 10055),
        ("CONVERSATION_PROCESSING_ABORTED", 10056),
        ("CHANNEL_ADDRESS_IS_INACTIVE", 10031),
    ],
)
def test_error_reason_maps_to_code(reason, code):
    finding = decode_one({"success": False, "errorReason": reason})

    assert finding.code == code
    assert reason in finding.summary


@pytest.mark.parametrize("reason", sorted(ERROR_REASONS))
def test_error_reason_without_code(reason):
    finding = decode_one(json.dumps({"success": False, "errorReason": reason}))

    expected = code_for_name(reason)
    assert finding.code == expected
    assert finding.known is True
    if expected is None:
        assert finding.name == reason
        assert finding.summary == ERROR_REASONS[reason]


def test_routing_error_without_code():
    finding = decode_one({"success": False, "errors": [
        {"errorMessage": "Something odd", "errorType": "RoutingFailure"}]})

    assert finding.code is None
    assert finding.name == "RoutingFailure"
    assert finding.message == "Something odd"


def test_success_false_without_detail():
    finding = decode_one('{"success": false}')

    assert finding.name == "SUCCESS_FALSE"
    assert finding.code is None


def test_success_answer_gives_nothing():
    assert decode('{"success": true, "conversationIdentifier": "x"}') == []


def test_log_keeps_order_of_appearance():
    log = "\n".join([
        '10:00 ERROR {"code": 10004, "message": "token"}',
        "10:01 ERROR requests.exceptions.ConnectionError: Connection refused",
        "10:02 ERROR { code: 10013, message: 'x' }",
        '10:03 ERROR {"error": "invalid_grant", "error_description": "audience is invalid"}',
        f"10:04 ERROR send failed: {CAPACITY_MESSAGE}",
    ])

    found = decode(log)

    assert [(f.code, f.kind) for f in found] == [
        (10004, "api"), (None, "transport"), (10013, "api"), (None, "oauth"),
        (10013, "api"),
    ]


def test_log_line_without_error_gives_nothing():
    assert decode("2026-03-01 INFO conversation started for end user 42\n" * 20) == []


# --- OAuth ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"error": "invalid_grant", "error_description": "audience is invalid"},
         ["aud", "My Domain", "2026-02"]),
        ({"error": "invalid_grant", "error_description": "user hasn't approved this consumer"},
         ["pre-authorized", "permission set"]),
        ({"error": "invalid_grant", "error_description": "expired authorization code"},
         ["exp", "seconds", "local time", "milliseconds"]),
        ({"error": "invalid_grant", "error_description": "invalid assertion"},
         ["certificate", "line breaks", "RS256"]),
        ({"error": "invalid_client_id", "error_description": "client identifier invalid"},
         ["iss", "consumer key"]),
        ({"error": "invalid_client", "error_description": "invalid client credentials"},
         ["consumer"]),
        ({"error": "app_not_found"}, ["consumer key"]),
        ({"error": "unsupported_grant_type", "error_description": "grant type not supported"},
         ["jwt-bearer", "x-www-form-urlencoded"]),
    ],
    ids=["audience", "not-approved", "expired", "assertion", "client-id", "client",
         "app-not-found", "grant-type"],
)
def test_oauth_error_explained(body, words):
    finding = decode_one(json.dumps(body))

    assert finding.kind == "oauth"
    assert finding.known is True
    assert finding.code is None
    assert finding.name == body["error"]
    text = f"{finding.cause} {finding.fix}"
    for word in words:
        assert word in text, word


def test_oauth_unknown_error():
    finding = decode_one({"error": "unauthorized_client", "error_description": "nope"})

    assert finding.kind == "oauth"
    assert finding.known is False


def test_oauth_in_query_string():
    finding = decode_one(
        "GET /callback?error=invalid_grant&error_description=audience+is+invalid"
    )

    assert finding.kind == "oauth"
    assert "audience is invalid" in finding.message


# --- responses that are not API bodies ---------------------------------------------------


def test_html_page_is_not_api():
    finding = decode_one("<html><head><title>502 Bad Gateway</title></head></html>")

    assert finding.kind == "not_api"
    assert "HTML page" in finding.summary
    assert "502 Bad Gateway" in finding.summary
    assert "base URL" in finding.fix


def test_empty_body_is_not_api():
    finding = decode_one(b"")

    assert finding.kind == "not_api"
    assert "empty" in finding.summary


def test_truncated_body_says_cut_off():
    finding = decode_one('{"code": 10013, "message": "Specify eith')

    assert finding.kind == "not_api"
    assert "cut off" in finding.summary
    assert "10013" in finding.summary


def test_core_rest_error_is_not_api():
    finding = decode_one('[{"message": "Session expired", "errorCode": "INVALID_SESSION_ID"}]')

    assert finding.kind == "not_api"
    assert "salesforce-scrt.com" in finding.cause


def test_framework_error_page_is_not_api():
    finding = decode_one({"timestamp": "x", "status": 404, "error": "Not Found",
                          "path": "/api/v1/agentwork"})

    assert finding.kind == "not_api"
    assert "/api/v1/agentwork" in finding.summary


# --- transport failures in text ---------------------------------------------------------

REFUSED_TRACEBACK = """Traceback (most recent call last):
  File "/venv/urllib3/connection.py", line 198, in _new_conn
    sock = connection.create_connection(
ConnectionRefusedError: [Errno 111] Connection refused

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/venv/urllib3/connectionpool.py", line 787, in urlopen
urllib3.exceptions.NewConnectionError: <HTTPSConnection(host='acme.my.salesforce.com', port=443)>: Failed to establish a new connection: [Errno 111] Connection refused

During handling of the above exception, another exception occurred:

requests.exceptions.ConnectionError: HTTPSConnectionPool(host='acme.my.salesforce.com', port=443): Max retries exceeded with url: /api/v1/interactions (Caused by NewConnectionError(...))
"""


def test_refused_traceback_is_one_finding():
    found = decode(REFUSED_TRACEBACK)

    assert len(found) == 1
    assert found[0].kind == "transport"
    assert found[0].name == "CONNECTION_REFUSED"
    assert "salesforce-scrt.com" in found[0].cause
    assert found[0].url == "https://acme.my.salesforce.com/api/v1/interactions"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='acme.my.salesforce"
         "-scrt.con', port=443): Max retries exceeded with url: /api/v1/route (Caused by "
         "NameResolutionError(\"<HTTPSConnection>: Failed to resolve 'acme.my.salesforce-"
         "scrt.con' ([Errno -2] Name or service not known)\"))", "DNS_RESOLUTION_FAILED"),
        ("requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='a.my.salesforce-scrt"
         ".com', port=443): Read timed out. (read timeout=30)", "READ_TIMEOUT"),
        ("requests.exceptions.ConnectTimeout: HTTPSConnectionPool(host='a', port=443): Max "
         "retries exceeded (Caused by ConnectTimeoutError(x, 'Connection to a timed out. "
         "(connect timeout=3.05)'))", "CONNECT_TIMEOUT"),
        ("requests.exceptions.SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
         "failed: unable to get local issuer certificate", "TLS_FAILED"),
        ("Error: connect ECONNREFUSED 127.0.0.1:8085", "CONNECTION_REFUSED"),
        ("Error: getaddrinfo ENOTFOUND acme.my.salesforce-scrt.com", "DNS_RESOLUTION_FAILED"),
        ("java.net.ConnectException: Connection refused", "CONNECTION_REFUSED"),
        ("requests.exceptions.ProxyError: Unable to connect to proxy", "PROXY_FAILED"),
    ],
    ids=["dns", "read-timeout", "connect-timeout", "ssl", "node-refused", "node-dns",
         "java-refused", "proxy"],
)
def test_transport_text_classified(text, name):
    found = decode(text)

    assert [f.name for f in found] == [name]
    assert found[0].kind == "transport"


def test_repeated_failures_each_count():
    log = "".join(
        f"2026-03-01T10:00:0{i}Z ERROR POST failed: Connection refused\n" for i in range(3)
    )

    assert [f.name for f in decode(log)] == ["CONNECTION_REFUSED"] * 3


def test_local_host_hint():
    finding = decode_one("Error: connect ECONNREFUSED 127.0.0.1:8085")

    assert "local sandbox" in finding.cause


# --- input kinds -------------------------------------------------------------------------------


def test_decode_path_and_gzip(tmp_path):
    plain = tmp_path / "capture.har"
    plain.write_text(har_text(10013, CAPACITY_MESSAGE, "req-9"))
    packed = tmp_path / "capture.har.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))

    assert [f.code for f in decode(plain)] == [10013]
    assert [f.code for f in decode(packed)] == [10013]
    assert decode(packed)[0].request_id == "req-9"


def test_corrupt_gzip_is_not_api(tmp_path, caplog):
    packed = tmp_path / "junk.gz"
    packed.write_bytes(b"\x1f\x8b\x08\x00junkjunk")

    with caplog.at_level(logging.WARNING, logger="helpers.decode"):
        found = decode(packed)

    assert _swallowed_failures(caplog) == []
    assert [f.name for f in found] == ["CORRUPT_GZIP"]
    assert found[0].kind == "not_api"
    assert "gzip" in found[0].summary


def test_gzip_corrupt_after_body():
    body = b'{"code": 10013, "message": "m"}\n'
    packed = gzip.compress(body + bytes(range(256)) * 400)
    broken = packed[:200] + b"\xff" * 64 + packed[264:]

    found = decode(broken)

    assert found[-1].name == "CORRUPT_GZIP"


def test_gzip_truncated_keeps_body(caplog):
    body = b'{"code": 10013, "message": "m"}\n' + b"log line\n" * 2000
    packed = gzip.compress(body)

    with caplog.at_level(logging.WARNING, logger="helpers.decode"):
        found = decode(packed[:-8])

    assert _swallowed_failures(caplog) == []
    assert 10013 in [f.code for f in found]
    assert "ended before" in caplog.text


def test_gzip_members_all_read():
    packed = gzip.compress(b'log {"code": 10013}\n') + gzip.compress(b'log {"code": 10004}\n')

    assert [f.code for f in decode(packed)] == [10013, 10004]


def test_gzip_padding_ignored(monkeypatch):
    monkeypatch.setattr(decode_module, "_GZIP_CHUNK", 16)
    packed = gzip.compress(b'log {"code": 10013}\n') + b"\x00" * 100

    assert [f.code for f in decode(packed)] == [10013]


def test_gzip_stops_at_input_cap(monkeypatch, caplog):
    monkeypatch.setattr(decode_module, "MAX_INPUT_BYTES", 4_096)
    packed = gzip.compress(b'log {"code": 10013}\n' + b"\x00" * 5_000_000)

    with caplog.at_level(logging.WARNING, logger="helpers.decode"):
        found = decode(packed)
    unpacked = decode_module._gunzip(packed, 4_096)

    assert [f.code for f in found] == [10013]
    assert "first 4096 bytes" in caplog.text
    assert len(unpacked.data) == 4_096
    assert unpacked.error is None
    assert unpacked.cut


def test_gzip_header_only_is_corrupt():
    found = decode(b"\x1f\x8b\x08\x00")

    assert [f.name for f in found] == ["CORRUPT_GZIP"]


def test_path_stops_at_input_cap(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(decode_module, "MAX_INPUT_BYTES", 4_096)
    path = tmp_path / "big.log"
    path.write_bytes(b'log {"code": 10013}\n' + b"x" * 10_000)

    with caplog.at_level(logging.WARNING, logger="helpers.decode"):
        found = decode(path)

    assert [f.code for f in found] == [10013]
    assert "first 4096 bytes" in caplog.text


def test_decode_missing_path():
    assert decode(__import__("pathlib").Path("/nonexistent/file.har")) == []


def test_decode_file_like():
    assert decode_one(io.StringIO('{"code": 10004}')).code == 10004
    assert decode_one(io.BytesIO(b'{"code": 10004}')).code == 10004


def test_decode_exchange():
    request = ApiRequest("POST", "/api/v1/agentWork", {"RequestId": "req-5"}, json={})
    exchange = Exchange(request=request, url=SCRT_URL, target="t", started_at="now",
                        status=400, response_body=json.dumps({"code": 10013}))
    failed = Exchange(request=request, url=SCRT_URL, target="t", started_at="now",
                      error="ConnectionError: [Errno 111] Connection refused")

    assert decode_one(exchange).code == 10013
    assert decode_one(exchange).request_id == "req-5"
    assert decode_one(failed).name == "CONNECTION_REFUSED"


@pytest.mark.parametrize("artifact", [None, 42, 3.5, object(), True, b"\x00\xff" * 50,
                                      [], {}, (), set()],
                         ids=["none", "int", "float", "object", "bool", "binary", "list",
                              "dict", "tuple", "set"])
def test_decode_odd_input(artifact, caplog):
    with caplog.at_level(logging.WARNING, logger="helpers.decode"):
        found = decode(artifact)

    assert _swallowed_failures(caplog) == []
    assert isinstance(found, list)
    assert all(isinstance(f, Finding) for f in found)


def test_decode_exception_with_body():
    class ApiFailure(Exception):
        body = '{"code": 10018, "message": "The conversation identifier is not valid."}'

    assert decode_one(ApiFailure("failed")).code == 10018


def test_decode_exception_text():
    error = RuntimeError('failed: {"code": 10017, "message": "x"}')

    finding = decode_one(error)

    assert finding.code == 10017
    assert finding.source == "exception"


def test_decode_large_log():
    rng = random.Random(3)
    lines = []
    for index in range(2000):
        lines.append(f"2026-03-01 INFO heartbeat {index} " + "x" * rng.randint(10, 200))
        if index % 4 == 0:
            lines.append(f'2026-03-01 ERROR {{"code": 10004, "message": "n{index}"}}')
    found = decode("\n".join(lines))

    assert len(found) == 500
    assert {f.code for f in found} == {10004}


def test_decode_deep_nesting(caplog):
    deep = "[" * 100_000 + "]" * 100_000
    deep_text = "log " + "{" * 50_000 + '"code": 10004' + "}" * 50_000

    assert decode(deep) == []
    assert isinstance(decode(deep_text), list)
    assert isinstance(decode("{" + deep), list)
    assert "decode failed" not in caplog.text


def test_decode_one_and_summarize():
    found = decode('[{"code": 10004}, {"error": "invalid_grant"}]')

    assert decode_one("nothing here") is None
    assert summarize([]) == "No Interaction API error found."
    lines = summarize(found).splitlines()
    assert lines[0].startswith("10004 AUTH_TOKEN_INVALID: ")
    assert lines[1].startswith("oauth invalid_grant: ")


# --- secrets ----------------------------------------------------------------------------


SECRET_ARTIFACTS = {
    "message": json.dumps({"code": 10004, "message": f"token Bearer {FAKE_TOKEN} invalid"}),
    "jwt-message": json.dumps({"code": 10004, "message": f"bad token {FAKE_JWT}"}),
    "curl": curl_verbose(10004, f"bad {FAKE_TOKEN}", f"id-{FAKE_TOKEN}"),
    "log-url": f"ERROR POST {SCRT_URL}?access_token={FAKE_TOKEN} "
               '{"code": 10004, "message": "m"}',
    "oauth": json.dumps({"error": "invalid_grant",
                         "error_description": f"invalid assertion {FAKE_JWT}"}),
    "transport": f"ConnectionError: Connection refused for Bearer {FAKE_TOKEN}",
    "text-match": "ERROR The supplied Authorization access token is not valid. "
                  f"Authorization: Bearer {FAKE_TOKEN}",
    "har": har_text(10004, f"token {FAKE_TOKEN}", "r"),
}


@pytest.mark.parametrize("name", sorted(SECRET_ARTIFACTS))
def test_no_token_in_findings(name):
    found = decode(SECRET_ARTIFACTS[name])

    assert found
    for finding in found:
        for rendered in (str(finding), finding._repr_html_(), json.dumps(finding.to_dict())):
            assert FAKE_TOKEN not in rendered
            assert "fake.token.for.tests" not in rendered
            assert FAKE_JWT not in rendered


def test_every_version_listed_in_unknown_summary():
    finding = decode_one({"code": 1})

    for version in codes.versions():
        assert version in finding.summary


# --- transcripts and captures ---------------------------------------------------------


def test_har_failed_connection_entry():
    har = {"log": {"entries": [{
        "request": {"method": "POST", "url": SCRT_URL,
                    "headers": [{"name": "RequestId", "value": "r-har"}]},
        "response": {"status": 0, "_error": "net::ERR_NAME_NOT_RESOLVED",
                     "headers": [], "content": {}},
    }]}}

    finding = decode_one(har)

    assert finding.kind == "transport"
    assert finding.name == "DNS_RESOLUTION_FAILED"
    assert finding.request_id == "r-har"
    assert finding.source == "har"


def test_har_entry_without_request_url():
    har = {"log": {"entries": [{"request": 5, "response": {"status": 0}}]}}

    finding = decode_one(har)

    assert finding.kind == "transport"
    assert finding.summary == "No connection could be made."


@pytest.mark.parametrize("category", sorted(transport.FAILURES))
def test_transport_summary_without_host(category):
    summary = transport.transport_finding(category).summary

    assert "  " not in summary
    assert re.search(r"\b(?:to|with) (?:could|was|failed)\b", summary) is None
    assert "{" not in summary


@pytest.mark.parametrize("category", sorted(transport.FAILURES))
def test_transport_summary_names_host(category):
    summary = transport.transport_finding(category, host="example.invalid").summary

    assert "example.invalid" in summary


def test_har_success_false_with_2xx():
    har = {"log": {"entries": [{
        "request": {"method": "POST", "url": SCRT_URL, "headers": []},
        "response": {"status": 202, "headers": [], "content": {
            "text": json.dumps({"success": False, "errors": [
                {"errorMessage": "m", "errorType": "t", "apiErrorCode": "10024"}]})}},
    }]}}

    finding = decode_one(har)

    assert finding.code == 10024
    assert finding.http_status == 202


def test_curl_resolve_failure():
    transcript = (
        "* Could not resolve host: acme.my.salesforce-scrt.con\n"
        "* Closing connection 0\n"
        "curl: (6) Could not resolve host: acme.my.salesforce-scrt.con\n"
    )

    found = decode(transcript)

    assert [f.name for f in found] == ["DNS_RESOLUTION_FAILED"]
    assert "acme.my.salesforce-scrt.con" in found[0].summary


def test_curl_two_exchanges():
    first = curl_verbose(10013, CAPACITY_MESSAGE, "req-a")
    second = curl_verbose(10004, "The supplied Authorization access token is not valid.",
                          "req-b")

    found = decode(first + second)

    assert [(f.code, f.request_id) for f in found] == [(10013, "req-a"), (10004, "req-b")]


def test_raw_http_request_and_response():
    text = (
        "POST /api/v1/route HTTP/1.1\nHost: acme.my.salesforce-scrt.com\n"
        "RequestId: req-raw\nContent-Type: application/json\n\n"
        '{"conversationIdentifier": "c", "routingType": "Initial"}\n\n'
        "HTTP/1.1 400 Bad Request\nContent-Type: application/json\n\n"
        '{"code": 10030, "message": "m"}\n'
    )

    finding = decode_one(text)

    assert finding.code == 10030
    assert finding.method == "POST"
    assert finding.url == "https://acme.my.salesforce-scrt.com/api/v1/route"
    assert finding.request_id == "req-raw"


def test_raw_http_gateway_page_with_status_hint():
    text = "HTTP/1.1 504 Gateway Timeout\nContent-Type: text/html\n\n<html>timeout</html>"

    finding = decode_one(text)

    assert finding.kind == "not_api"
    assert finding.http_status == 504
    assert "timed out" in finding.cause
    assert finding.retryable == "maybe"


def test_raw_http_empty_401():
    finding = decode_one("HTTP/1.1 401 Unauthorized\nContent-Length: 0\n\n")

    assert finding.name == "EMPTY_BODY"
    assert "Authorization header" in finding.cause


def test_json_lines_log():
    lines = [
        json.dumps({"level": "info", "msg": "sent"}),
        json.dumps({"level": "error", "status": 400, "body": {"code": 10018, "message": "m"}}),
        json.dumps({"level": "error", "response": json.dumps({"code": 10017})}),
    ]

    found = decode("\n".join(lines))

    assert [(f.code, f.http_status) for f in found] == [(10018, 400), (10017, None)]


@pytest.mark.parametrize(
    "text",
    ["[2026-03-01 10:00] INFO ok\n[2026-03-01 10:01] INFO fine",
     '{"level": "info"}\n{"level": "debug"}\n'],
    ids=["bracket-timestamps", "json-lines"],
)
def test_quiet_log_gives_nothing(text):
    assert decode(text) == []


def test_truncated_mid_literal():
    finding = decode_one('{"code": 10013, "message": "x", "success": fal')

    assert finding.name == "TRUNCATED_BODY"


def test_curl_failure_after_request():
    transcript = (
        "* Connected to acme.my.salesforce-scrt.com (203.0.113.9) port 443\n"
        "> POST /api/v1/interactions HTTP/1.1\n"
        "> Host: acme.my.salesforce-scrt.com\n"
        ">\n"
        "* Recv failure: Connection reset by peer\n"
        "curl: (56) Recv failure: Connection reset by peer\n"
    )

    found = decode(transcript)

    assert [f.name for f in found] == ["CONNECTION_RESET"]
    assert found[0].source == "curl"


# These inputs made every "{" parse to the end of the text, which is
# quadratic; the scanner's read budget and depth check keep them linear.
PATHOLOGICAL = {
    "unclosed-json": '{"a": ' * 20_000,
    "unclosed-js": "{a: " * 20_000,
    "escaped-opens": '{\\"' * 20_000,
    "csv-opens": '{""' * 20_000,
    "flat-js-unclosed": "{" + ", ".join(f"k{i}: {{a: 1}}" for i in range(20_000)),
    "cut-har": '{"log": {"entries": [' + ",".join(
        '{"request": {"url": "x"}, "response": {"status": 200}}' for _ in range(5_000)
    )[:-10],
    "cut-js-key": "{code: ",
    "cut-js-value": "{a: ",
    "cut-js-string": "error {code: 10013, message: 'x",
    "deep-array": "[" * 100_000,
    "deep-js": "{a: " * 5_000,
    "deep-json": '{"a": ' * 900 + "1" + "}" * 900,
    "deep-json-in-log": "log " + '{"a": ' * 900 + "1" + "}" * 900,
    "deep-mixed": '[{"a": ' * 600 + "1" + "}]" * 600,
    "ref-chain": "{a: " + "<ref *1> " * 30_000 + "1}",
    "prototype-chain": "{a: " + "[Object: null prototype] " * 10_000 + "{}}",
}


def _swallowed_failures(caplog):
    # decode logs and swallows any exception it raises internally, so a bug
    # shows only as this warning.
    return [record.getMessage() for record in caplog.records
            if record.name == "helpers.decode" and "decode failed" in record.getMessage()]


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_decode_pathological_text(name, caplog):
    with caplog.at_level(logging.WARNING, logger="helpers.decode"):
        found = decode(PATHOLOGICAL[name])

    assert _swallowed_failures(caplog) == []
    assert isinstance(found, list)
    assert all(isinstance(f, Finding) for f in found)


@pytest.mark.parametrize("text", [
    "error {code: 10013, message: 'x",
    "error {code: '10013', message: 'x' +",
    'log {"code": 10013',
    'log {"code": 10013, "message": "Specify either',
], ids=["js-string", "js-concatenation", "json-number", "json-string"])
def test_cut_off_body_in_log_names_code(text, caplog):
    with caplog.at_level(logging.WARNING, logger="helpers.decode"):
        found = decode(text)

    assert _swallowed_failures(caplog) == []
    assert [f.name for f in found] == ["TRUNCATED_BODY"]
    assert found[0].kind == "not_api"
    assert "names code 10013" in found[0].summary


def test_cut_off_body_without_code_ignored():
    assert decode("starting worker {a: 'x") == []


def test_cut_off_outer_record_keeps_inner_body():
    text = 'log {"record": {"code": 10013, "message": "m"}, "extra": "cut'

    assert [f.code for f in decode(text)] == [10013]


def test_js_reader_nesting_limit():
    deep = "{a: " * (MAX_NESTING + 1) + "1" + "}" * (MAX_NESTING + 1)
    shallow = "{a: " * MAX_NESTING + "1" + "}" * MAX_NESTING

    with pytest.raises(LiteralError, match="nested deeper"):
        parse_js_object(deep)
    assert parse_js_object(shallow)[1] == len(shallow)


def test_json_nesting_check():
    deep = '{"a": ' * (MAX_JSON_NESTING + 1) + "1" + "}" * (MAX_JSON_NESTING + 1)
    shallow = '{"a": ' * MAX_JSON_NESTING + "1" + "}" * MAX_JSON_NESTING
    quoted = '{"a": "' + "[" * 500 + '"}'

    assert json_too_deep(deep)
    assert not json_too_deep(shallow)
    assert not json_too_deep(quoted)
    assert json_too_deep("[" * 500)


def test_deep_json_body_is_not_api():
    found = decode('{"a": ' * 900 + "1" + "}" * 900)

    assert [f.kind for f in found] == ["not_api"]
    assert f"deeper than {MAX_JSON_NESTING} levels" in found[0].summary


def test_failure_line_after_text_that_lowers_longer():
    # "İ".lower() is two characters, which shifted every offset after it.
    text = "İ" * 200 + "\nError: connect ECONNREFUSED 127.0.0.1:8085\n" + "x" * 300

    assert [f.name for f in decode(text)] == ["CONNECTION_REFUSED"]


def test_message_line_marker_any_case():
    filler = "\n".join(f"worker {index} started" for index in range(50))
    text = f"{filler}\nFAILED: {CAPACITY_MESSAGE}\n{filler}"

    assert [f.code for f in decode(text)] == [10013]


def test_log_without_markers_has_no_findings():
    text = "\n".join(f"worker {index} took {index % 7} ms" for index in range(5_000))

    assert decode(text) == []


def test_body_after_large_record_field():
    text = "log " + json.dumps({"a": "x" * 300_000, "body": {"code": 10004, "message": "m"}})

    assert [f.code for f in decode(text)] == [10004]


def test_routing_errors_each_count():
    body = {"success": False, "errors": [
        {"errorMessage": "a", "errorType": "t", "apiErrorCode": "10024"},
        {"errorMessage": "b", "errorType": "t", "apiErrorCode": 10032},
    ]}

    assert [f.code for f in decode(body)] == [10024, 10032]


def test_node_dump_with_split_string_and_placeholders():
    text = (
        "ApiError: send failed {\n"
        "  request: <ref *1> ClientRequest { _header: [Getter], socket: [Socket] },\n"
        "  headers: [Object: null prototype] { requestid: 'rq-77' },\n"
        "  items: [ 1, 2, ... 98 more items ],\n"
        "  data: { code: 10013, message: 'Specify either a capacityPercentage ' +\n"
        "    'or a capacityWeight, but not both.' }\n"
        "}"
    )

    finding = decode_one(text)

    assert finding.code == 10013
    assert finding.message == CAPACITY_MESSAGE
    assert finding.request_id == "rq-77"


def test_swallowed_failure_log_is_masked(caplog, monkeypatch):
    import helpers.decode as decode_module

    def broken(text):
        raise ValueError(f"cannot read Bearer {FAKE_TOKEN}")

    monkeypatch.setattr(decode_module, "_decode_text", broken)
    with caplog.at_level("DEBUG", logger="helpers.decode"):
        found = decode("anything")

    assert found == []
    assert "decode failed on a str input" in caplog.text
    assert FAKE_TOKEN not in caplog.text
    assert "<token:" in caplog.text


@pytest.mark.parametrize(
    "line",
    [
        '10:00 INFO upstream said {"code": 200, "message": "OK"}',
        '10:00 INFO cache {"code": 0, "status": "ok"}',
        '10:00 WARN graphql {"errors": [{"message": "Cannot query field"}]}',
    ],
    ids=["http-like-code", "zero-code", "other-api-errors"],
)
def test_log_json_from_other_systems_ignored(line):
    assert decode(line) == []


def test_unknown_api_range_code_in_log():
    finding = decode_one('10:00 ERROR {"code": 10999, "message": "new thing"}')

    assert finding.code == 10999
    assert finding.known is False


def test_unknown_small_code_in_body():
    assert decode_one('{"code": 404, "message": "not found"}').code == 404


def test_traceback_with_body_before_error_line():
    text = (
        f'{{"code": 10013, "message": "{CAPACITY_MESSAGE}"}}\n'
        "Traceback (most recent call last):\n"
        '  File "send.py", line 12, in <module>\n'
        "requests.exceptions.HTTPError: 400 Client Error: Bad Request for url: "
        f"{SCRT_URL}\n"
    )

    found = decode(text)

    assert [f.code for f in found] == [10013]
    assert found[0].http_status == 400
    assert found[0].url == SCRT_URL


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("ERROR {'code': 10013, 'message': 'Specify either'}", 10013),
        ("ERROR {'success': False, 'errorDetail': {'code': 10022, 'message': 'x'}}", 10022),
        ("ERROR {'success': False, 'errorReason': 'CHANNEL_ADDRESS_IS_INACTIVE'}", 10031),
    ],
    ids=["code", "error-detail", "error-reason"],
)
def test_python_dict_repr(line, code):
    assert [f.code for f in decode(line)] == [code]


def test_python_dict_bare_failure():
    finding = decode_one("ERROR result {'success': False}")

    assert finding.name == "SUCCESS_FALSE"


def test_finding_pretty_text_is_readable():
    from IPython.lib.pretty import pretty

    finding = decode('{"code": 10013, "message": "Specify either"}')[0]

    assert pretty(finding) == str(finding)
    assert "10013" in pretty(finding)
