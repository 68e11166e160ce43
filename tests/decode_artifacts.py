"""Builders of error artifacts for the decoder tests, one per artifact shape.

Each builder takes a code, its message and a request id and returns the
artifact as a user would have it: a body, a log line, a transcript, a HAR
document. The tests decode them and check that the code comes back.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCRT_URL = "https://acme.my.salesforce-scrt.com/api/v1/agentWork"


class QuietHandler(BaseHTTPRequestHandler):
    """Request handler base that keeps the test output free of access logs."""

    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass


@contextlib.contextmanager
def local_server(handler: type[BaseHTTPRequestHandler]):
    """Serve ``handler`` on 127.0.0.1 on a free port; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
FAKE_TOKEN = "00DFAKE000000000001!fake.token.for.tests"


def body(code, message):
    return {"code": code, "message": message}


def js_string(text: str) -> str:
    """Quote ``text`` the way Node.js util.inspect does."""
    if "'" not in text:
        return "'" + text.replace("\\", "\\\\").replace("\n", "\\n") + "'"
    return json.dumps(text)


def json_number(code, message, request_id):
    return json.dumps(body(code, message))


def json_string_code_bytes(code, message, request_id):
    return json.dumps({"code": str(code), "message": message}).encode("utf-8")


def parsed_dict(code, message, request_id):
    return body(code, message)


def error_detail(code, message, request_id):
    return json.dumps({"success": False, "errorDetail": body(code, message)})


def routing_errors(code, message, request_id):
    return json.dumps({
        "success": False,
        "psrId": None,
        "errors": [{"errorMessage": message, "errorType": "RoutingError",
                    "apiErrorCode": str(code)}],
    })


def raw_http(code, message, request_id):
    return (
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
        f"RequestId: {request_id}\r\n\r\n{json.dumps(body(code, message))}"
    )


def curl_verbose(code, message, request_id):
    return (
        "*   Trying 203.0.113.9:443...\n"
        "* Connected to acme.my.salesforce-scrt.com (203.0.113.9) port 443\n"
        "> POST /api/v1/agentWork HTTP/1.1\n"
        "> Host: acme.my.salesforce-scrt.com\n"
        f"> Authorization: Bearer {FAKE_TOKEN}\n"
        f"> RequestId: {request_id}\n"
        "> Content-Type: application/json\n"
        ">\n"
        "} [120 bytes data]\n"
        "< HTTP/1.1 400 Bad Request\n"
        "< Content-Type: application/json\n"
        "<\n"
        "{ [90 bytes data]\n"
        f"{json.dumps(body(code, message))}\n"
        "* Connection #0 to host acme.my.salesforce-scrt.com left intact\n"
    )


def curl_include(code, message, request_id):
    return (
        f"HTTP/2 400\ncontent-type: application/json\nrequestid: {request_id}\n\n"
        f"{json.dumps(body(code, message))}"
    )


def log_line(code, message, request_id):
    return (
        "2026-03-01T10:00:00Z INFO sending\n"
        f"2026-03-01T10:00:01Z ERROR POST {SCRT_URL} status=400 RequestId={request_id} "
        f"body={json.dumps(body(code, message))}\n"
        "2026-03-01T10:00:02Z INFO next\n"
    )


def json_log_record(code, message, request_id):
    record = {"level": "error", "status": 400, "url": SCRT_URL, "requestId": request_id,
              "body": json.dumps(body(code, message))}
    return json.dumps(record) + "\n"


def double_escaped(code, message, request_id):
    inner = json.dumps({"status": 400, "body": json.dumps(body(code, message))})
    return json.dumps({"level": "error", "event": inner, "requestId": request_id})


def csv_field(code, message, request_id):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["time", "level", "request_id", "body"])
    writer.writerow(["2026-03-01", "ERROR", request_id, json.dumps(body(code, message))])
    return buffer.getvalue()


def node_object(code, message, request_id):
    return (
        f"error: send failed RequestId={request_id} "
        f"{{ code: {code}, message: {js_string(message)} }}"
    )


def axios_dump(code, message, request_id):
    return (
        "AxiosError: Request failed with status code 400\n"
        "    at settle (/app/node_modules/axios/lib/core/settle.js:19:12) {\n"
        "  code: 'ERR_BAD_REQUEST',\n"
        "  config: {\n"
        "    method: 'post',\n"
        f"    url: '{SCRT_URL}',\n"
        f"    headers: AxiosHeaders {{ RequestId: '{request_id}', Accept: '*/*' }}\n"
        "  },\n"
        "  request: <ref *1> ClientRequest { _events: [Object: null prototype], "
        "socket: [Socket] },\n"
        "  response: {\n"
        "    status: 400,\n"
        "    statusText: 'Bad Request',\n"
        f"    data: {{ code: {code}, message: {js_string(message)} }}\n"
        "  }\n"
        "}\n"
    )


def java_exception(code, message, request_id):
    return (
        f"com.example.isapi.ApiException: {json.dumps(body(code, message))}\n"
        "\tat com.example.isapi.Client.send(Client.java:88)\n"
    )


def spring_exception(code, message, request_id):
    return (
        "org.springframework.web.client.HttpClientErrorException$BadRequest: 400 : "
        f'"{json.dumps(body(code, message))}"\n'
    )


def python_traceback(code, message, request_id):
    return (
        "Traceback (most recent call last):\n"
        '  File "send.py", line 12, in <module>\n'
        "    response.raise_for_status()\n"
        "requests.exceptions.HTTPError: 400 Client Error: Bad Request for url: "
        f"{SCRT_URL}\n"
        f"response body: {json.dumps(body(code, message))}\n"
    )


def har_document(code, message, request_id):
    return {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {"method": "GET", "url": SCRT_URL, "headers": []},
                    "response": {"status": 200, "headers": [],
                                 "content": {"text": '{"success": true}'}},
                },
                {
                    "request": {
                        "method": "POST",
                        "url": SCRT_URL,
                        "headers": [{"name": "RequestId", "value": request_id},
                                    {"name": "Authorization", "value": f"Bearer {FAKE_TOKEN}"}],
                    },
                    "response": {
                        "status": 400,
                        "headers": [{"name": "Content-Type", "value": "application/json"}],
                        "content": {"mimeType": "application/json",
                                    "text": json.dumps(body(code, message))},
                    },
                },
            ],
        }
    }


def har_text(code, message, request_id):
    return json.dumps(har_document(code, message, request_id))


# name -> (builder, expected finding attributes beyond the code)
SHAPES = {
    "json-number": (json_number, {"source": "json"}),
    "json-string-code-bytes": (json_string_code_bytes, {"source": "json"}),
    "dict": (parsed_dict, {"source": "json"}),
    "error-detail": (error_detail, {"source": "json"}),
    "routing-errors": (routing_errors, {"source": "json"}),
    "raw-http": (raw_http, {"source": "http", "http_status": 400, "request_id": True}),
    "curl-v": (curl_verbose, {"source": "curl", "http_status": 400, "method": "POST",
                              "url": SCRT_URL, "request_id": True}),
    "curl-i": (curl_include, {"source": "http", "http_status": 400, "request_id": True}),
    "log-line": (log_line, {"source": "log", "http_status": 400, "method": "POST",
                            "url": SCRT_URL, "request_id": True}),
    "json-log-record": (json_log_record, {"source": "log", "http_status": 400,
                                          "url": SCRT_URL, "request_id": True}),
    "double-escaped": (double_escaped, {"source": "log", "http_status": 400,
                                        "request_id": True}),
    "csv-field": (csv_field, {"source": "log"}),
    "node-object": (node_object, {"source": "log", "request_id": True}),
    "axios-dump": (axios_dump, {"source": "log", "http_status": 400, "method": "POST",
                                "url": SCRT_URL, "request_id": True}),
    "java-exception": (java_exception, {"source": "log"}),
    "spring-exception": (spring_exception, {"source": "log", "http_status": 400}),
    "python-traceback": (python_traceback, {"source": "log", "http_status": 400,
                                            "url": SCRT_URL}),
    "har-dict": (har_document, {"source": "har", "http_status": 400, "method": "POST",
                                "url": SCRT_URL, "request_id": True}),
    "har-text": (har_text, {"source": "har", "http_status": 400, "method": "POST",
                            "url": SCRT_URL, "request_id": True}),
}
