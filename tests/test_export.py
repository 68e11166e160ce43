"""Tests of session export: notebook, HTML, curl script, bundle, and no leaks."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shutil
import subprocess

import nbformat
import pytest
from session_factory import (
    CANARY_END_USER,
    CANARY_TEXT,
    CANARY_TOKEN,
    EXPECTED_CODES,
    canary_sandbox,
    record_session,
)

from helpers import export as export_module
from helpers.export import (
    BUNDLE_FORMAT,
    ExportError,
    export_session,
    load_bundle,
    session_roles,
)
from helpers.journal import load_journal, response_code
from helpers.redact import RedactOptions

CANARIES = (CANARY_TOKEN, CANARY_END_USER, CANARY_TEXT, "CANARYtoken")


@pytest.fixture(scope="module")
def canary_box():
    handle = canary_sandbox()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def recorded(canary_box, tmp_path_factory):
    canary_box.reset()
    path = tmp_path_factory.mktemp("journal") / "session.jsonl"
    return record_session(canary_box, path)


@pytest.fixture(scope="module")
def exported(recorded, tmp_path_factory):
    return export_session(recorded, tmp_path_factory.mktemp("export"))


def test_recorded_session_has_errors_retries_and_raise(recorded):
    session = load_journal(recorded)
    codes = [response_code(r["exchange"]) for r in session.exchange_records]
    assert codes == EXPECTED_CODES
    attempts = [r["exchange"]["attempt"] for r in session.exchange_records]
    assert attempts.count(2) == 2
    assert len(session.errors) == 1
    assert len(session.annotations) == 3


def test_canaries_absent_from_every_file_and_log(canary_box, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    canary_box.reset()
    journal = record_session(canary_box, tmp_path / "s.jsonl")
    result = export_session(journal, tmp_path / "out", RedactOptions(org_ids=True))
    assert set(result.files) == {"notebook", "html", "curl", "bundle"}
    for path in result.files.values():
        text = path.read_text(encoding="utf-8")
        for canary in CANARIES:
            assert canary not in text, f"{canary} found in {path.name}"
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert caplog.records, "the session should have logged at DEBUG"
    for canary in (CANARY_TOKEN, "CANARYtoken"):
        assert canary not in logged
    # The journal itself keeps the end user for the engineer, never the token.
    raw_journal = journal.read_text(encoding="utf-8")
    assert CANARY_TOKEN not in raw_journal
    assert CANARY_END_USER in raw_journal


def test_end_user_absent_from_logs(canary_box, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    canary_box.reset()
    journal = record_session(canary_box, tmp_path / "s.jsonl")
    export_session(journal, tmp_path / "out", html_file=False)
    assert CANARY_END_USER not in caplog.text
    assert CANARY_TEXT not in caplog.text


def test_notebook_shape(exported):
    notebook = nbformat.read(exported.files["notebook"], as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    exchange_cells = [c for c in code_cells if c.source.startswith("# Exchange")]
    assert len(exchange_cells) == len(EXPECTED_CODES)
    for cell in code_cells:
        assert cell.outputs, cell.source
        for output in cell.outputs:
            assert output.output_type == "display_data"
            assert output.data["text/plain"]
            assert output.data["text/html"].startswith("<")
    titles = [o.data["text/plain"].split("\n", 1)[0] for o in exchange_cells[1].outputs]
    # The wrong channel also drew a warning from the client's preflight checks.
    assert titles == ["Request", "Response", "Findings", "Preflight"]
    assert "warning 10017 (to)" in exchange_cells[1].outputs[3].data["text/plain"]
    assert "10017" in exchange_cells[1].outputs[2].data["text/plain"]


def test_notebook_markdown_has_annotations_and_error(exported):
    notebook = nbformat.read(exported.files["notebook"], as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "**Note on exchange 1**" in markdown
    assert "10017: the channel address had a typo" in markdown
    assert "first message from <end-user-1> went through" in markdown
    assert "**Exception** `FixSetup`" in markdown
    assert "| 3 | `POST /api/v1/conversation` | 500 | 20002 | 1 |" in markdown
    assert "session replay session.bundle.json" in markdown


def test_html_loads_nothing_remote(exported):
    page = exported.files["html"].read_text(encoding="utf-8")
    sources = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["']([^"']*)""", page)
    remote = [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert remote == []


def test_html_shows_exchanges(exported):
    page = exported.files["html"].read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "Shared Interaction Service API session" in page
    assert "Findings" in page
    assert "10031" in page


def test_bundle_contents(exported, recorded):
    bundle = json.loads(exported.files["bundle"].read_text(encoding="utf-8"))
    assert bundle["format"] == BUNDLE_FORMAT
    assert [row["code"] for row in bundle["exchanges"]] == EXPECTED_CODES
    assert bundle["roles"]["access_token"] == "<token-1>"
    assert bundle["roles"]["end_user_client_id"] == "<end-user-1>"
    recorded_org = load_journal(recorded).header["profile"]["org_id"]
    assert bundle["roles"]["org_id"] == recorded_org
    placeholders = bundle["redaction"]["placeholders"]
    assert placeholders["<end-user-1>"]["length"] == len(CANARY_END_USER)
    assert len(placeholders["<token-2>"]["fingerprint"]) == 8
    loaded = load_bundle(exported.files["bundle"])
    assert len(loaded["session"]) == len(EXPECTED_CODES)


def test_session_roles_fall_back_to_requests(recorded):
    session = load_journal(recorded)
    expected = session.header.pop("profile")
    roles = session_roles(session)
    assert roles["channel_address_identifier"] == expected["channel_address_identifier"]
    assert roles["end_user_client_id"] == CANARY_END_USER
    assert roles["org_id"] == expected["org_id"]
    assert roles["access_token"].startswith("<token:")


@pytest.mark.parametrize(
    "content, message",
    [("not json", "invalid JSON"), ('{"format": "other"}', "not a session bundle")],
    ids=["text", "other-json"],
)
def test_load_bundle_rejects_other_files(tmp_path, content, message):
    path = tmp_path / "b.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExportError, match=message):
        load_bundle(path)


def test_curl_script_reads_variables(exported):
    script = exported.files["curl"].read_text(encoding="utf-8")
    assert os.access(exported.files["curl"], os.X_OK)
    assert script.startswith("#!/bin/sh")
    assert "$ISAPI_TOKEN" in script
    assert "${ISAPI_BASE_URL}" in script
    assert "${ISAPI_END_USER_CLIENT_ID}" in script
    assert "ISAPI_ORG_ID" not in script
    assert script.count("\ncurl ") == len(EXPECTED_CODES)
    check = subprocess.run(
        ["sh", "-n", str(exported.files["curl"])], capture_output=True
    )
    assert check.returncode == 0, check.stderr


def test_curl_script_org_variable_when_redacted(recorded, tmp_path):
    options = RedactOptions(org_ids=True)
    result = export_session(recorded, tmp_path, options, html_file=False)
    script = result.files["curl"].read_text(encoding="utf-8")
    assert "${ISAPI_ORG_ID}" in script
    assert "<org-id-1>" not in script


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl program")
def test_curl_script_runs_against_sandbox(canary_box, exported):
    canary_box.reset()
    env = dict(
        os.environ,
        ISAPI_BASE_URL=canary_box.url,
        ISAPI_TOKEN=CANARY_TOKEN,
        ISAPI_END_USER_CLIENT_ID=CANARY_END_USER,
    )
    run = subprocess.run(
        ["sh", str(exported.files["curl"])],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert '"success":true' in run.stdout.replace(" ", "")
    assert '"code":10017' in run.stdout.replace(" ", "")
    assert '"code":10031' in run.stdout.replace(" ", "")


def test_export_stops_on_leftover_secret(recorded, tmp_path, monkeypatch):
    def no_redaction(session, options=None):
        from helpers.redact import RedactionReport

        session.records[0]["exchange"]["response_body"] = f"Bearer {CANARY_TOKEN}"
        return session, RedactionReport(options=RedactOptions())

    monkeypatch.setattr(export_module, "redact_session", no_redaction)
    with pytest.raises(ExportError, match="credential is still visible") as info:
        export_session(recorded, tmp_path, html_file=False)
    assert CANARY_TOKEN not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_export_result_text(exported):
    text = str(exported)
    assert "session.ipynb" in text
    assert "Redaction:" in text
    assert "end-user client ids" in text


def test_attachment_written_redacted(sandbox, tmp_path):
    from helpers.client import InteractionClient
    from helpers.journal import Journal

    sandbox.reset()
    content = b"%PDF-1.4 statement of account for a private customer"
    path = tmp_path / "s.jsonl"
    with InteractionClient(sandbox.url) as client, Journal(path) as journal:
        journal.attach(client)
        request = client.build_send_attachment(
            "statement.pdf", content, "application/pdf", "my statement"
        )
        exchange = client.send(request)
    assert exchange.status == 202, exchange.response_body
    result = export_session(path, tmp_path / "out", html_file=False)
    written = tmp_path / "out" / "statement.pdf"
    assert written.read_bytes() != content
    assert len(written.read_bytes()) == len(content)
    assert "statement.pdf" in result.files["curl"].read_text(encoding="utf-8")
    assert result.report.attachments_replaced == 1
    bundle = json.loads(result.files["bundle"].read_text(encoding="utf-8"))
    request = bundle["session"]["records"][0]["exchange"]["request"]
    stored = base64.b64decode(request["attachments"][0]["content_base64"])
    assert b"private customer" not in stored
    assert len(stored) == len(content)
