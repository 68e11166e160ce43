"""Export of a recorded session for sharing: notebook, HTML, curl script, bundle.

``export_session`` redacts a session (``helpers.redact``) and writes four
files into one folder:

- ``session.ipynb``: annotations as Markdown, and each exchange as a cell whose
  outputs show the request, the response and the decoded findings, each as
  plain text and HTML, so the notebook reads well on a code host that runs no
  widgets;
- ``session.html``: the same notebook converted by nbconvert;
- ``session.curl.sh``: every request as a curl command, with the token and
  the profile's ids read from ``ISAPI_*`` environment variables;
- ``session.bundle.json``: the redacted session plus what ``helpers.replay``
  needs to send it again.

Before anything is kept, every file is scanned with
``helpers.redact.find_secrets``; if a credential is still visible, the files
are removed and ``ExportError`` is raised.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import __version__
from helpers.journal import Session, load_journal, response_code
from helpers.model import ApiRequest
from helpers.redact import RedactionReport, RedactOptions, find_secrets, redact_session

log = logging.getLogger(__name__)

BUNDLE_FORMAT = "isapi-session-bundle"
BUNDLE_VERSION = 1
NOTEBOOK_NAME = "session.ipynb"
HTML_NAME = "session.html"
CURL_NAME = "session.curl.sh"
BUNDLE_NAME = "session.bundle.json"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# Profile values that a replay or the curl script fills in for the recorded
# ones, with the environment variable that helpers.profiles reads for each.
ROLE_VARIABLES = {
    "access_token": "ISAPI_TOKEN",
    "org_id": "ISAPI_ORG_ID",
    "authorization_context": "ISAPI_AUTHORIZATION_CONTEXT",
    "channel_address_identifier": "ISAPI_CHANNEL_ADDRESS_IDENTIFIER",
    "end_user_client_id": "ISAPI_END_USER_CLIENT_ID",
}
BASE_URL_VARIABLE = "ISAPI_BASE_URL"
BASE_URL_MARK = "http://isapi-base-url.invalid"
CHANNEL_KEYS = ("to", "channelAddressIdentifier")
END_USER_KEYS = ("from", "endUserClientId")


class ExportError(RuntimeError):
    """An export could not be written, or would have carried a credential."""


@dataclass
class ExportResult:
    """Files written by ``export_session`` and the redaction report."""

    directory: Path
    files: dict[str, Path] = field(default_factory=dict)
    report: RedactionReport | None = None

    def __str__(self) -> str:
        lines = [f"Exported to {self.directory}:"]
        lines += [f"  {path.name}" for path in self.files.values()]
        if self.report is not None:
            lines.append(str(self.report))
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def export_session(
    session: Session | str | os.PathLike,
    directory: str | os.PathLike,
    options: RedactOptions | None = None,
    *,
    html_file: bool = True,
) -> ExportResult:
    """Redact ``session`` and write the notebook, HTML, curl and bundle files.

    Parameters
    ----------
    session
        A ``Session``, or the path of a journal file.
    directory
        Output folder; created when missing. Existing files of the same names
        are overwritten.
    options
        What to redact beyond the secrets that are always replaced.
    html_file
        Also write ``session.html`` through nbconvert.

    Returns
    -------
    ExportResult
        The paths written and the redaction report.

    Raises
    ------
    ExportError
        If a written file still contains something that looks like a
        credential; the files of this export are removed first.
    """
    if not isinstance(session, Session):
        session = load_journal(session)
    redacted, report = redact_session(session, options)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult(directory=out, report=report)

    notebook = session_to_notebook(redacted, report)
    texts = {
        "notebook": (NOTEBOOK_NAME, _notebook_json(notebook)),
        "bundle": (
            BUNDLE_NAME,
            json.dumps(session_to_bundle(redacted, report), indent=1),
        ),
    }
    texts["curl"] = (CURL_NAME, session_to_curl(redacted, out))
    if html_file:
        texts["html"] = (HTML_NAME, notebook_to_html(notebook))

    for key, (name, text) in texts.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        result.files[key] = path
    os.chmod(result.files["curl"], 0o755)
    _check_no_secrets(result)
    log.info("exported session to %s (%d exchanges)", out, len(redacted))
    return result


def session_roles(session: Session) -> dict[str, str]:
    """Return the recorded value of each profile field a replay must swap.

    The header's profile ids are used when the journal has them. Otherwise
    each role gets the most frequent value in the requests: the
    ``Authorization`` token, the ``OrgId`` and ``AuthorizationContext``
    headers, ``to`` or ``channelAddressIdentifier``, and ``from`` or
    ``endUserClientId``. Values
    that differ from these, such as a wrong channel a repro case sends on
    purpose, are left as recorded.
    """
    profile = session.header.get("profile") or {}
    found: dict[str, Counter] = {role: Counter() for role in ROLE_VARIABLES}
    for record in session.exchange_records:
        request = record["exchange"].get("request") or {}
        recorded_headers = request.get("headers") or {}
        headers = {str(k).lower(): str(v) for k, v in recorded_headers.items()}
        credential = headers.get("authorization", "").partition(" ")[2].strip()
        if credential:
            found["access_token"][credential] += 1
        if headers.get("orgid"):
            found["org_id"][headers["orgid"]] += 1
        if headers.get("authorizationcontext"):
            found["authorization_context"][headers["authorizationcontext"]] += 1
        body = ApiRequest.from_dict(request).body_json()
        for key in CHANNEL_KEYS:
            _count_field(body, key, found["channel_address_identifier"])
        for key in END_USER_KEYS:
            _count_field(body, key, found["end_user_client_id"])
    roles = {}
    for role, counter in found.items():
        value = profile.get(role) if isinstance(profile, Mapping) else None
        if not value and counter:
            value = counter.most_common(1)[0][0]
        if value:
            roles[role] = value
    return roles


def session_to_bundle(
    session: Session, report: RedactionReport | None = None
) -> dict[str, Any]:
    """Return the replay bundle: the redacted session plus metadata.

    The bundle contains no original value of anything redacted. The report's
    ``placeholders`` give each placeholder's kind and length, and for tokens
    the 8-hex-digit fingerprint that ``helpers.secrets`` masks also show.
    """
    return {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_VERSION,
        "kit_version": __version__,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "roles": session_roles(session),
        "redaction": report.to_dict() if report is not None else None,
        "exchanges": [_exchange_row(r) for r in session.exchange_records],
        "session": session.to_dict(),
    }


def load_bundle(path: str | os.PathLike) -> dict[str, Any]:
    """Read a bundle written by ``export_session`` and check its format.

    Raises
    ------
    ExportError
        If the file is not JSON or not a session bundle.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ExportError(
            f"{path} is not a session bundle: invalid JSON ({exc})"
        ) from None
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise ExportError(
            f"{path} is not a session bundle (expected a JSON object with format "
            f"{BUNDLE_FORMAT!r}; export one with: python -m helpers session export)"
        )
    if data.get("format_version", 0) > BUNDLE_VERSION:
        raise ExportError(
            f"{path} was written by a newer kit (bundle format "
            f"{data['format_version']}); update the kit to read it"
        )
    data["session"] = Session.from_dict(data.get("session") or {}, source=str(path))
    return data


# ---------------------------------------------------------------------------
# Notebook and HTML


def session_to_notebook(session: Session, report: RedactionReport | None = None):
    """Build a notebook (``nbformat`` v4) that shows the session without running.

    Each exchange becomes a code cell whose source is a comment and whose
    outputs hold the request, the response and the findings, each with
    ``text/plain`` and ``text/html`` data. Annotations become Markdown cells
    at the place where they were written.
    """
    import nbformat.v4 as nbf

    cells = [nbf.new_markdown_cell(_title_markdown(session))]
    if report is not None:
        cells.append(
            _display_cell(
                "# What was redacted before sharing",
                [(str(report), report._repr_html_())],
            )
        )
    cells.append(nbf.new_markdown_cell(_summary_markdown(session)))
    for record in session.records:
        kind = record.get("type")
        if kind == "exchange":
            cells.append(_exchange_cell(record))
        elif kind == "annotation":
            cells.append(nbf.new_markdown_cell(_annotation_markdown(record)))
        elif kind == "error":
            cells.append(nbf.new_markdown_cell(_error_markdown(record)))
    cells.append(nbf.new_markdown_cell(_replay_markdown()))
    notebook = nbf.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["isapi"] = {"kind": "shared session", "kit_version": __version__}
    return notebook


def notebook_to_html(notebook) -> str:
    """Convert a notebook to a standalone HTML page with nbconvert.

    The page loads nothing from the network. nbconvert's default links to
    MathJax, RequireJS and Mermaid on a CDN are left out, because the page
    shows only text, tables and preformatted blocks. A shared file should
    not contact third parties when it is opened.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        mathjax_url="",
        require_js_url="",
        mermaid_js_url="",
        mermaid_layout_elk_js_url="",
    )
    body, _ = exporter.from_notebook_node(notebook)
    return body


def _notebook_json(notebook) -> str:
    import nbformat

    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def _display_cell(source: str, outputs: list[tuple[str, str]]):
    import nbformat.v4 as nbf

    cell = nbf.new_code_cell(source)
    cell.outputs = [
        nbf.new_output("display_data", data={"text/plain": text, "text/html": markup})
        for text, markup in outputs
    ]
    return cell


def _exchange_cell(record: dict[str, Any]):
    exchange = record["exchange"]
    request = exchange.get("request") or {}
    index = record.get("index")
    source = (
        f"# Exchange {index}: {request.get('method')} {request.get('path')}"
        f" -> {_outcome_text(exchange)}\n"
        f"# Recorded {exchange.get('started_at')} against {exchange.get('target')}"
        f", attempt {exchange.get('attempt') or 1}"
    )
    outputs = [
        _request_output(exchange),
        _response_output(exchange),
        _findings_output(exchange.get("findings") or []),
    ]
    if exchange.get("preflight"):
        outputs.append(_preflight_output(exchange["preflight"]))
    return _display_cell(source, outputs)


def _preflight_output(items: list[Any]) -> tuple[str, str]:
    """Show the checks the client ran before sending, one line per finding."""
    lines = []
    for item in items:
        if isinstance(item, Mapping):
            code = f" {item['code']}" if item.get("code") else ""
            field_name = f" ({item['field']})" if item.get("field") else ""
            message = item.get("message") or item.get("summary") or ""
            lines.append(f"{item.get('severity', 'note')}{code}{field_name}: {message}")
        else:
            lines.append(str(item))
    text = "\n".join(lines)
    return "Preflight\n" + text, _html_block("Preflight", text)


def _request_output(exchange: dict[str, Any]) -> tuple[str, str]:
    request = exchange.get("request") or {}
    lines = [f"{request.get('method')} {exchange.get('url') or request.get('path')}"]
    headers = request.get("headers") or {}
    lines += [f"{name}: {value}" for name, value in headers.items()]
    body = _request_body_text(request)
    text = "\n".join(lines) + ("\n\n" + body if body else "")
    return "Request\n" + text, _html_block("Request", text)


def _response_output(exchange: dict[str, Any]) -> tuple[str, str]:
    if exchange.get("status") is None:
        text = f"No response: {exchange.get('error') or 'unknown transport failure'}"
    else:
        elapsed = exchange.get("elapsed_ms")
        timing = f" in {elapsed:.0f} ms" if isinstance(elapsed, (int, float)) else ""
        lines = [f"HTTP {exchange.get('status')}{timing}"]
        body = exchange.get("response_body") or ""
        text = "\n".join(lines) + ("\n\n" + _pretty_json(body) if body else "")
    return "Response\n" + text, _html_block("Response", text)


def _findings_output(findings: list[Any]) -> tuple[str, str]:
    if not findings:
        text = "No error found in this response."
        return "Findings\n" + text, _html_block("Findings", text)
    texts, markups = [], []
    for data in findings:
        finding = _finding_object(data)
        if finding is not None:
            texts.append(str(finding))
            markups.append(finding._repr_html_())
        else:
            plain = _plain_finding(data)
            texts.append(plain)
            markups.append(f"<pre>{html.escape(plain)}</pre>")
    return (
        "Findings\n" + "\n\n".join(texts),
        "<div class='isapi-findings'><h4>Findings</h4>" + "".join(markups) + "</div>",
    )


def _finding_object(data: Any) -> Any:
    if not isinstance(data, Mapping):
        return None
    try:
        from helpers.decode import Finding
    except ImportError:
        return None
    try:
        return Finding.from_dict(dict(data))
    except (KeyError, TypeError, ValueError) as exc:
        log.debug("could not rebuild a finding for display: %s", exc)
        return None


def _plain_finding(data: Any) -> str:
    if not isinstance(data, Mapping):
        return str(data)
    parts = [f"code {data.get('code')}: {data.get('name') or ''}".strip()]
    for key in ("message", "summary", "cause", "fix"):
        if data.get(key):
            parts.append(f"{key}: {data[key]}")
    return "\n".join(parts)


def _html_block(title: str, text: str) -> str:
    return (
        f"<div class='isapi-{title.lower()}'><h4>{html.escape(title)}</h4>"
        f"<pre>{html.escape(text)}</pre></div>"
    )


def _title_markdown(session: Session) -> str:
    header = session.header
    return (
        "# Shared Interaction Service API session\n\n"
        f"Recorded from {header.get('started_at', '?')} against "
        f"`{header.get('target') or '?'}` with kit {header.get('kit_version', '?')}, "
        "then redacted for sharing: placeholders such as `<token-1>` or "
        "`<end-user-1>` replace secrets and personal values, and the same value "
        "has the same placeholder throughout."
    )


def _summary_markdown(session: Session) -> str:
    rows = [
        "| # | request | status | code | attempt |",
        "| --- | --- | --- | --- | --- |",
    ]
    for record in session.exchange_records:
        row = _exchange_row(record)
        rows.append(
            f"| {row['index']} | `{row['method']} {row['path']}` | {row['status']} "
            f"| {row['code']} | {row['attempt']} |"
        )
    if len(rows) == 2:
        rows = ["No exchanges were recorded."]
    return "## Exchanges\n\n" + "\n".join(rows)


def _annotation_markdown(record: dict[str, Any]) -> str:
    about = record.get("exchange_index")
    title = f"**Note on exchange {about}**" if about is not None else "**Note**"
    quoted = "\n".join("> " + line for line in str(record.get("text", "")).splitlines())
    return f"{title} ({record.get('at', '')})\n\n{quoted}"


def _error_markdown(record: dict[str, Any]) -> str:
    details = [f"`{record.get('error_type')}` raised at {record.get('at', '')}"]
    for key in ("code", "request_id", "status"):
        if record.get(key) is not None:
            details.append(f"{key} `{record[key]}`")
    message = str(record.get("message", ""))
    return "**Exception** " + ", ".join(details) + f"\n\n```\n{message}\n```"


def _replay_markdown() -> str:
    return (
        "## Replay\n\n"
        "Send these requests again against your own sandbox or org; your "
        "profile's token and ids fill the placeholders:\n\n"
        "```\npython -m helpers session replay session.bundle.json\n```"
    )


def _outcome_text(exchange: dict[str, Any]) -> str:
    status = exchange.get("status")
    if status is None:
        return "no response"
    code = response_code(exchange)
    return f"{status}" if code == status else f"{status}, code {code}"


def _exchange_row(record: dict[str, Any]) -> dict[str, Any]:
    exchange = record["exchange"]
    request = exchange.get("request") or {}
    return {
        "index": record.get("index"),
        "method": request.get("method"),
        "path": request.get("path"),
        "status": exchange.get("status"),
        "code": response_code(exchange),
        "attempt": exchange.get("attempt") or 1,
    }


def _request_body_text(request: dict[str, Any]) -> str:
    if request.get("json") is not None:
        return json.dumps(request["json"], indent=2, ensure_ascii=False)
    parts = []
    if request.get("json_part") is not None:
        part = request["json_part"]
        if isinstance(part, str):
            shown = part
        else:
            shown = json.dumps(part, indent=2, ensure_ascii=False)
        parts.append("multipart part 'json':\n" + shown)
    for attachment in request.get("attachments") or []:
        parts.append(
            f"multipart part 'attachments': {attachment.get('filename')} "
            f"({attachment.get('mime_type')}, {attachment.get('size')} bytes)"
        )
    if request.get("raw_body_base64") is not None:
        raw = ApiRequest.from_dict(request).raw_body or b""
        parts.append(raw.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _count_field(body: Any, key: str, counter: Counter) -> None:
    if isinstance(body, Mapping):
        value = body.get(key)
        if isinstance(value, str) and value:
            counter[value] += 1


# ---------------------------------------------------------------------------
# curl script


def session_to_curl(
    session: Session, attachment_dir: str | os.PathLike | None = None
) -> str:
    """Return a shell script with one curl command per recorded request.

    Commands come from ``helpers.curl.to_curl``. The base URL comes from
    ``$ISAPI_BASE_URL`` and the token from ``$ISAPI_TOKEN``. Where a
    placeholder replaced the profile's org id, channel address or end-user
    id, the matching ``ISAPI_*`` variable is used instead, so the script runs
    against the reader's own org.

    Parameters
    ----------
    session
        A redacted session.
    attachment_dir
        Folder to write uploaded files into (the script must then run from
        there); None names each file without writing it.
    """
    from helpers.curl import to_curl

    roles = session_roles(session)
    variables = {
        value: ROLE_VARIABLES[role]
        for role, value in roles.items()
        if role != "access_token" and _is_placeholder(value)
    }
    substitutions = {BASE_URL_MARK: BASE_URL_VARIABLE} | variables
    used = {BASE_URL_VARIABLE, ROLE_VARIABLES["access_token"]} | set(variables.values())
    lines = _curl_preamble(sorted(used))
    for record in session.exchange_records:
        request = ApiRequest.from_dict(record["exchange"]["request"])
        row = _exchange_row(record)
        outcome = f", code {row['code']}" if row["code"] != row["status"] else ""
        lines.append(f"# [{row['index']}] recorded: {row['status']}{outcome}")
        try:
            command = to_curl(
                request,
                BASE_URL_MARK,
                token_env=ROLE_VARIABLES["access_token"],
                attachment_dir=attachment_dir if request.attachments else None,
            )
        except ValueError as exc:
            lines += [f"# not written as curl: {exc}", ""]
            continue
        lines.append(_substitute_shell(command, substitutions))
        lines += ["echo", ""]
    return "\n".join(lines)


def _curl_preamble(variables: list[str]) -> list[str]:
    lines = [
        "#!/bin/sh",
        "# Requests of a shared Interaction Service API session, redacted.",
        "# Set these environment variables before running it:",
    ]
    lines += [f"#   {name}" for name in variables]
    lines.append("set -u")
    lines += [f': "${{{name}:?set {name} first}}"' for name in variables]
    lines.append("")
    return lines


def _substitute_shell(command: str, variables: dict[str, str]) -> str:
    """Replace literal values in a shell command with variable expansions.

    The command is read with its quoting state: inside single quotes the
    quote is closed around ``"$VAR"``, inside double quotes ``${VAR}`` is
    used, and outside quotes ``"$VAR"``.
    """
    if not variables:
        return command
    longest_first = sorted(variables, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(v) for v in longest_first))
    out, state, index = [], None, 0
    while index < len(command):
        match = pattern.match(command, index)
        if match:
            name = variables[match.group(0)]
            if state == "'":
                out.append(f"'\"${{{name}}}\"'")
            elif state == '"':
                out.append(f"${{{name}}}")
            else:
                out.append(f'"${{{name}}}"')
            index = match.end()
            continue
        char = command[index]
        if char == "\\" and state != "'" and index + 1 < len(command):
            out.append(command[index : index + 2])
            index += 2
            continue
        if char in "'\"" and state in (None, char):
            state = None if state == char else char
        out.append(char)
        index += 1
    return "".join(out)


def _is_placeholder(value: str) -> bool:
    return bool(re.fullmatch(r"<[a-z-]+-\d+>", value))


def _check_no_secrets(result: ExportResult) -> None:
    leaks = {}
    for key, path in result.files.items():
        found = find_secrets(path.read_text(encoding="utf-8"))
        if found:
            leaks[path.name] = found
    if leaks:
        for path in result.files.values():
            path.unlink(missing_ok=True)
        details = "; ".join(
            f"{name}: {', '.join(kinds)}" for name, kinds in leaks.items()
        )
        raise ExportError(
            f"export stopped because a credential is still visible ({details}); "
            "no file was kept. Add the value with --redact VALUE and export again."
        )
