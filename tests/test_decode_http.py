"""Decode real ``requests`` responses and exceptions from servers on 127.0.0.1."""

from __future__ import annotations

import json
import socket

import pytest
import requests
import urllib3

from helpers.decode import decode, decode_one

from decode_artifacts import FAKE_TOKEN, QuietHandler, local_server

CAPACITY_MESSAGE = "Specify either a capacityPercentage or a capacityWeight, but not both."

# path -> (status, content type, body, extra headers)
ROUTES = {
    "/api/v1/agentWork": (400, "application/json",
                          json.dumps({"code": 10013, "message": CAPACITY_MESSAGE}),
                          {"RequestId": "server-id-1"}),
    "/api/v1/consent": (400, "application/json",
                        json.dumps({"success": False, "errorDetail": {
                            "code": "10022", "message": "Cannot update"}}), {}),
    "/api/v1/route": (202, "application/json",
                      json.dumps({"success": False, "errors": [{
                          "errorMessage": "queue", "errorType": "Routing",
                          "apiErrorCode": 10032}]}), {}),
    "/api/v1/messagingSession": (200, "application/json",
                                 json.dumps({"success": False,
                                             "errorReason": "CHANNEL_ADDRESS_IS_INACTIVE"}), {}),
    "/api/v1/conversation": (202, "application/json",
                             json.dumps({"success": True, "conversationIdentifier": "c"}), {}),
    "/gateway": (502, "text/html",
                 "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", {}),
    "/empty": (503, "application/json", "", {}),
    "/text": (404, "text/plain", "no route to upstream", {}),
    "/cut": (400, "application/json", '{"code": 10004, "message": "The supplied Auth', {}),
    "/oauth": (400, "application/json",
               json.dumps({"error": "invalid_grant", "error_description": "audience is invalid"}),
               {}),
}


class _Handler(QuietHandler):
    def _answer(self):
        status, content_type, body, headers = ROUTES[self.path]
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = _answer


@pytest.fixture(scope="module")
def server_url():
    with local_server(_Handler) as url:
        yield url


def _post(url, **kwargs):
    headers = {"RequestId": "client-id-7", "Authorization": f"Bearer {FAKE_TOKEN}"}
    return requests.post(url, json={}, headers=headers, timeout=5, **kwargs)


def test_response_error_body(server_url):
    response = _post(server_url + "/api/v1/agentWork")

    finding = decode_one(response)

    assert finding.code == 10013
    assert finding.http_status == 400
    assert finding.method == "POST"
    assert finding.url == server_url + "/api/v1/agentWork"
    assert finding.request_id == "server-id-1"
    assert finding.source == "response"


def test_response_request_id_from_request(server_url):
    finding = decode_one(_post(server_url + "/api/v1/consent"))

    assert finding.code == 10022
    assert finding.request_id == "client-id-7"


def test_response_routing_failure_with_2xx(server_url):
    finding = decode_one(_post(server_url + "/api/v1/route"))

    assert finding.code == 10032
    assert finding.http_status == 202


def test_response_error_reason(server_url):
    assert decode_one(_post(server_url + "/api/v1/messagingSession")).code == 10031


def test_response_success_gives_nothing(server_url):
    assert decode(_post(server_url + "/api/v1/conversation")) == []


@pytest.mark.parametrize(
    ("path", "name", "words"),
    [
        ("/gateway", "HTML_ANSWER", "HTML page"),
        ("/empty", "EMPTY_BODY", "empty body"),
        ("/text", "PLAIN_TEXT_ANSWER", "plain text"),
        ("/cut", "TRUNCATED_BODY", "cut off"),
    ],
)
def test_response_not_api(server_url, path, name, words):
    found = decode(requests.get(server_url + path, timeout=5))

    assert [f.name for f in found] == [name]
    assert found[0].kind == "not_api"
    assert words in found[0].summary
    assert found[0].http_status == ROUTES[path][0]


def test_response_oauth_error(server_url):
    finding = decode_one(_post(server_url + "/oauth"))

    assert finding.kind == "oauth"
    assert finding.name == "invalid_grant"


def test_http_error_exception(server_url):
    response = _post(server_url + "/api/v1/agentWork")
    with pytest.raises(requests.HTTPError) as caught:
        response.raise_for_status()

    finding = decode_one(caught.value)

    assert finding.code == 10013
    assert finding.http_status == 400


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connection():
    port = _closed_port()
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get(f"http://127.0.0.1:{port}/api/v1/route", timeout=5)

    finding = decode_one(caught.value)

    assert finding.kind == "transport"
    assert finding.name == "CONNECTION_REFUSED"
    assert finding.url == f"http://127.0.0.1:{port}/api/v1/route"
    assert finding.method == "GET"
    assert "local sandbox" in finding.cause


def test_read_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        with pytest.raises(requests.ReadTimeout) as caught:
            requests.get(f"http://127.0.0.1:{port}/api/v1/route", timeout=(5, 0.3))
    finally:
        listener.close()

    finding = decode_one(caught.value)

    assert finding.name == "READ_TIMEOUT"
    assert finding.retryable == "yes"
    assert "POST /interactions" in finding.retry_advice


def _pool_error(reason):
    pool = urllib3.HTTPSConnectionPool("acme.my.salesforce-scrt.con", 443)
    return urllib3.exceptions.MaxRetryError(pool, "/api/v1/route", reason)


def test_dns_failure_built_by_hand():
    connection = urllib3.connection.HTTPSConnection("acme.my.salesforce-scrt.con", 443)
    gaierror = socket.gaierror(-2, "Name or service not known")
    reason = urllib3.exceptions.NameResolutionError(
        "acme.my.salesforce-scrt.con", connection, gaierror
    )
    request = requests.Request("POST", "https://acme.my.salesforce-scrt.con/api/v1/route",
                               headers={"RequestId": "r-dns"}).prepare()
    error = requests.exceptions.ConnectionError(_pool_error(reason), request=request)

    finding = decode_one(error)

    assert finding.name == "DNS_RESOLUTION_FAILED"
    assert "acme.my.salesforce-scrt.con" in finding.summary
    assert finding.request_id == "r-dns"
    assert finding.method == "POST"
    assert "salesforce-scrt.com" in finding.fix


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (requests.exceptions.ConnectTimeout("connect timeout=3.05"), "CONNECT_TIMEOUT"),
        (requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED]"), "TLS_FAILED"),
        (requests.exceptions.ProxyError("Unable to connect to proxy"), "PROXY_FAILED"),
        (ConnectionResetError(104, "Connection reset by peer"), "CONNECTION_RESET"),
        (socket.gaierror(-2, "Name or service not known"), "DNS_RESOLUTION_FAILED"),
        (TimeoutError("timed out"), "READ_TIMEOUT"),
    ],
    ids=["connect-timeout", "ssl", "proxy", "reset", "gaierror", "timeout"],
)
def test_exception_classified(error, name):
    finding = decode_one(error)

    assert finding.kind == "transport"
    assert finding.name == name
    assert finding.source == "exception"


def test_transport_send_records_findings(server_url):
    from helpers.model import ApiRequest
    from helpers.transport import send

    request = ApiRequest("POST", "/api/v1/agentWork", {"RequestId": "r-send"}, json={})
    exchange = send(request, server_url)

    assert [f.code for f in exchange.findings] == [10013]
