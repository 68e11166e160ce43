"""Property tests: ``decode`` never raises and always returns a list of findings."""

from __future__ import annotations

import contextlib
import json
import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.decode import Finding, decode

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Pieces of the syntax the scanner reacts to, so random text reaches its
# escaped, CSV, JavaScript and transcript branches.
FRAGMENTS = st.sampled_from([
    "{", "}", "[", "]", '"', '\\"', '""', "\\\\", ":", ",", "'", "code", '"code":',
    "code: ", "10013", '"10004"', "message", '"errorDetail":', '"errors":',
    '"error":', "invalid_grant", "\n", "> POST /api/v1/route HTTP/1.1\n",
    "< HTTP/1.1 400 Bad Request\n", "HTTP/1.1 502 Bad Gateway\r\n\r\n", "<html>",
    "Connection refused", "Traceback (most recent call last):\n", "+", "[Object]",
    "<ref *1>", "AxiosHeaders {", "status=400 ", "RequestId: x ", "\x00", "â€™",
])

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.sampled_from([10013, "10013", "success", "errorReason"]),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(
        st.sampled_from(["code", "message", "success", "errorDetail", "errors",
                         "errorReason", "error", "error_description", "log", "entries",
                         "apiErrorCode", "errorMessage", "status", "path", "body"])
        | st.text(max_size=8),
        children, max_size=5),
    max_leaves=20,
)

DECODE_LOGGER = "helpers.decode"


class _FailureRecorder(logging.Handler):
    """Collects the warnings ``decode`` logs when it swallows an exception."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _recorded_failures():
    # Attached for one decode call only: a handler left on the logger would
    # collect the warnings of every test that runs after this module loads.
    recorder = _FailureRecorder()
    logger = logging.getLogger(DECODE_LOGGER)
    logger.addHandler(recorder)
    try:
        yield recorder.messages
    finally:
        logger.removeHandler(recorder)


def _check(artifact):
    # decode swallows exceptions by contract, so a bug shows only as a warning.
    with _recorded_failures() as messages:
        found = decode(artifact)
    failures = [m for m in messages if m.startswith("decode failed")]
    assert failures == []
    assert isinstance(found, list)
    for finding in found:
        assert isinstance(finding, Finding)
        assert isinstance(str(finding), str)
        assert isinstance(finding._repr_html_(), str)
        json.dumps(finding.to_dict())


def test_no_recorder_left_on_logger():
    _check("{code: 10013}")

    leftover = [handler for handler in logging.getLogger(DECODE_LOGGER).handlers
                if isinstance(handler, _FailureRecorder)]
    assert leftover == []


def test_recorder_ignores_earlier_warnings():
    logging.getLogger(DECODE_LOGGER).warning("decode failed on an earlier input")

    _check('{"code": 10013, "message": "m"}')


@SETTINGS
@given(st.text(max_size=2000))
def test_decode_any_text(text):
    _check(text)


@SETTINGS
@given(st.binary(max_size=2000))
def test_decode_any_bytes(data):
    _check(data)


@SETTINGS
@given(st.lists(FRAGMENTS | st.text(max_size=10), max_size=60).map("".join))
def test_decode_syntax_soup(text):
    _check(text)


@SETTINGS
@given(JSON_VALUES)
def test_decode_any_json_value(value):
    _check(value)
    _check(json.dumps(value))


@SETTINGS
@given(st.lists(FRAGMENTS | st.text(max_size=6), max_size=40).map("".join))
def test_js_reader_raises_only_literal_error(text):
    from helpers.decode.jsobject import LiteralError, parse_js_object

    for position, char in enumerate(text):
        if char == "{":
            try:
                parse_js_object(text, position)
            except LiteralError:
                pass


def test_js_reader_at_end_of_text():
    # peek() returns "" at the end, and "" is in every string.
    with _recorded_failures() as messages:
        assert decode("m{b:") == []
        assert decode("x {a: 'x' +") == []

    assert messages == []
