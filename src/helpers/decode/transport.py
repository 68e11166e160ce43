"""Explain failures where no HTTP answer arrived: refused, DNS, timeout, TLS, proxy.

Two inputs lead here. A ``requests`` exception object is classified by its
type and by the exception it wraps. Text that shows such a failure (a Python
traceback, a Java or Node.js error line, a browser's ``net::ERR_*`` in a HAR
file) is classified by patterns. Both give a ``transport`` finding that states
in plain words what to check: the host, the SCRT2 host ``*.my.salesforce-scrt.com`` against the core
``*.my.salesforce.com`` host, the proxy, the VPN and the certificate.
"""

from __future__ import annotations

import re
import socket
import ssl
import string
from dataclasses import dataclass

import requests

from helpers.decode.finding import Finding, masked

SCRT_HOST_HINT = (
    "The Interaction API is served by the org's SCRT2 host, "
    "https://<MyDomain>.my.salesforce-scrt.com, not by the core host "
    "https://<MyDomain>.my.salesforce.com."
)


@dataclass(frozen=True, slots=True)
class Failure:
    """The explanation of one kind of transport failure.

    ``summary`` is a ``str.format`` template: ``{host}``, ``{to_host}`` and
    ``{with_host}`` become " HOST", " to HOST" and " with HOST", or nothing
    when the host is unknown.
    """

    name: str
    summary: str
    cause: str
    fix: str
    retryable: str
    retry_advice: str


FAILURES = {
    "dns": Failure(
        "DNS_RESOLUTION_FAILED",
        "The host name{host} could not be resolved, so no connection was made.",
        "The My Domain part of the base URL is misspelled, the SCRT2 and core host "
        "names were mixed up, or the DNS in use (VPN, corporate resolver, container) "
        "does not resolve the org's domain.",
        "Check the host in the base URL letter by letter. " + SCRT_HOST_HINT
        + " If the name is right, check VPN and DNS settings on this machine.",
        "after-fix",
        "Resending will fail the same way until the host name resolves.",
    ),
    "ssl": Failure(
        "TLS_FAILED",
        "The TLS handshake{with_host} failed, so the request was not sent.",
        "A corporate proxy re-signs HTTPS traffic with a CA that Python does not "
        "trust, the CA bundle is outdated, the certificate does not match the host "
        "name (a wrong or internal host), or the machine's clock is wrong.",
        "Set REQUESTS_CA_BUNDLE to a bundle that includes your corporate CA instead "
        "of turning verification off; check the host name and the system clock.",
        "after-fix",
        "Resending will fail the same way until the certificate is trusted.",
    ),
    "proxy": Failure(
        "PROXY_FAILED",
        "The HTTP proxy refused or failed the connection{to_host}.",
        "HTTPS_PROXY or HTTP_PROXY point at a proxy that is down, needs credentials, "
        "or does not allow the target host.",
        "Check HTTPS_PROXY, HTTP_PROXY and NO_PROXY, the proxy credentials, and "
        "whether the proxy allows *.my.salesforce-scrt.com.",
        "after-fix",
        "Resending will fail the same way until the proxy settings are right.",
    ),
    "refused": Failure(
        "CONNECTION_REFUSED",
        "The connection{to_host} was refused: nothing accepts connections on that "
        "host and port.",
        "The base URL has a wrong host or port, the local sandbox is not running, "
        "or a firewall rejects the connection.",
        "Check the host and port in the base URL. " + SCRT_HOST_HINT
        + " For the local sandbox, start it and use the URL it prints.",
        "after-fix",
        "Resending will fail the same way until something listens on that port.",
    ),
    "connect_timeout": Failure(
        "CONNECT_TIMEOUT",
        "No connection{to_host} could be opened within the connect timeout.",
        "A firewall drops the packets, the network needs a proxy or VPN that is "
        "not configured, or the host is wrong and unreachable.",
        "Check the VPN, the proxy variables (HTTPS_PROXY, NO_PROXY) and whether "
        "outbound HTTPS to *.my.salesforce-scrt.com is allowed. " + SCRT_HOST_HINT,
        "yes",
        "Retry with backoff; if every attempt times out, fix the network path first.",
    ),
    "read_timeout": Failure(
        "READ_TIMEOUT",
        "The connection{to_host} was open but no answer arrived within the read "
        "timeout.",
        "The service or a proxy in between was slow, or the request was stuck.",
        "Raise the read timeout a little and retry with backoff. If the same "
        "request keeps timing out, quote its RequestId to Salesforce Support.",
        "yes",
        "The request may have been processed even though no answer came; check "
        "before resending a call that creates something, such as POST /interactions.",
    ),
    "reset": Failure(
        "CONNECTION_RESET",
        "The connection{to_host} was closed before an answer arrived.",
        "A proxy, load balancer or firewall cut the connection, or TLS interception "
        "broke it.",
        "Retry with backoff; if it repeats, check the proxy and firewall between "
        "this machine and the host.",
        "yes",
        "The request may have been processed; check before resending a call that "
        "creates something.",
    ),
    "connection": Failure(
        "CONNECTION_FAILED",
        "No connection{to_host} could be made.",
        "The host or port is wrong, the network path is blocked, or a proxy or VPN "
        "is missing.",
        "Check the base URL, the VPN and the proxy settings. " + SCRT_HOST_HINT,
        "after-fix",
        "Resending will fail the same way until the connection problem is fixed.",
    ),
}

# Most specific first: a DNS failure also reads "Max retries exceeded" and
# "ConnectionError", so the first category that matches a line wins.
TEXT_PATTERNS = (
    ("dns", re.compile(
        r"NameResolutionError|Failed to resolve|getaddrinfo (?:failed|ENOTFOUND|EAI_AGAIN)"
        r"|Name or service not known|nodename nor servname|Temporary failure in name "
        r"resolution|No address associated with hostname|\bENOTFOUND\b|UnknownHostException"
        r"|ERR_NAME_NOT_RESOLVED|Could not resolve host|socket\.gaierror")),
    ("ssl", re.compile(
        r"SSLError|CERTIFICATE_VERIFY_FAILED|SSLCertVerificationError|certificate verify "
        r"failed|SSLHandshakeException|PKIX path building failed|ERR_CERT_|self[- ]signed "
        r"certificate|unable to get local issuer certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE"
        r"|SSL certificate problem|ERR_SSL_", re.IGNORECASE)),
    ("proxy", re.compile(
        r"ProxyError|Unable to connect to proxy|ERR_PROXY_CONNECTION_FAILED|"
        r"407 Proxy Authentication Required|Tunnel connection failed")),
    ("refused", re.compile(
        r"Connection refused|ConnectionRefusedError|\bECONNREFUSED\b|ERR_CONNECTION_REFUSED"
        r"|actively refused|ConnectException", re.IGNORECASE)),
    ("connect_timeout", re.compile(
        r"ConnectTimeout|connect timeout=|connect timed out|ERR_CONNECTION_TIMED_OUT"
        r"|\bETIMEDOUT\b|Connection timed out|ConnectTimeoutException")),
    ("read_timeout", re.compile(
        r"ReadTimeout|Read timed out|read timeout=|SocketTimeoutException|ESOCKETTIMEDOUT"
        r"|timeout of \d+ms exceeded|ERR_TIMED_OUT|Operation timed out after")),
    ("reset", re.compile(
        r"ConnectionResetError|Connection reset by peer|\bECONNRESET\b|RemoteDisconnected"
        r"|Connection aborted|socket hang up|ERR_CONNECTION_RESET|Empty reply from server"
        r"|ERR_EMPTY_RESPONSE")),
    ("connection", re.compile(
        r"Max retries exceeded|NewConnectionError|ConnectionError|ERR_CONNECTION_CLOSED"
        r"|ERR_INTERNET_DISCONNECTED|ERR_ADDRESS_UNREACHABLE|Network is unreachable")),
)

# A quick test before the per-category patterns run on a line.
_ANY_FAILURE = re.compile(
    "|".join(pattern.pattern for _, pattern in TEXT_PATTERNS), re.IGNORECASE
)

# Lower-case words of which every pattern above contains one. Only the lines
# they hit are classified, because _ANY_FAILURE over a large log is hundreds
# of times slower. Each word is searched with str.find: one regular
# expression of all of them took 1.6 to 2.4 s on 8 MiB of plain word lines.
KEYWORDS = ((
    "resolv", "getaddrinfo", "name or service", "nodename", "no address associated",
    "enotfound", "unknownhost", "gaierror", "ssl", "certificate", "pkix", "err_cert",
    "self signed", "self-signed", "unable_to_verify", "proxy", "tunnel connection",
    "refused", "connectexception", "connecttimeout", "connect timeout", "timed out",
    "timed_out", "etimedout", "readtimeout", "read timeout", "sockettimeout",
    "timeout of", "reset", "remotedisconnected", "aborted", "hang up", "empty reply",
    "err_empty_response", "max retries", "connectionerror", "err_connection",
    "err_internet", "unreachable",
))

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_HOST_PATTERNS = (
    re.compile(r"host='([^']+)'"),
    re.compile(r"Failed to resolve '([^']+)'"),
    re.compile(r"(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)\s+([\w.-]+(?::\d+)?)"),
    re.compile(r"UnknownHostException:\s*([\w.-]+)"),
    re.compile(r"Could not resolve host:\s*([\w.-]+)"),
    re.compile(r"Failed to connect to ([\w.-]+) port (\d+)"),
    re.compile(r"https?://([\w.-]+(?::\d+)?)"),
)
_URL_PATH = re.compile(r"with url: (/\S*?)(?= \(Caused|$|\s)")
_PORT = re.compile(r"port=(\d+)")

# Lines that continue a traceback or stack trace rather than start a new error.
_CONTINUATION = re.compile(
    r"^(?:\s|$|Traceback |During handling|The above exception|Caused by|\.\.\. \d+ more"
    r"|[\w.$]+(?:Error|Exception|Timeout|Warning)\b|[\w.]+\.[\w.]+: |\* |curl: \(\d+\))"
)
_GROUP_GAP = 40


def describe_host(host: str | None) -> str:
    """Return a sentence about ``host`` worth adding to a transport finding."""
    if not host:
        return ""
    name = host.split(":")[0].lower()
    if name.endswith(".my.salesforce.com") or name.endswith(".salesforce.com"):
        return (f" The host {host} is a core Salesforce host; the Interaction API "
                "needs the SCRT2 host ending in .my.salesforce-scrt.com.")
    if name in ("127.0.0.1", "localhost", "::1"):
        return (f" The host {host} is this machine: is the local sandbox running, "
                "and on that port?")
    return ""


def transport_finding(
    category: str,
    *,
    host: str | None = None,
    url: str | None = None,
    method: str | None = None,
    request_id: str | None = None,
    message: str = "",
    source: str = "exception",
) -> Finding:
    """Build the finding for a transport failure of ``category`` (a key of ``FAILURES``)."""
    failure = FAILURES.get(category, FAILURES["connection"])
    host = (host or "").strip()
    return Finding(
        kind="transport",
        known=True,
        name=failure.name,
        message=masked(message[:500]),
        summary=_summary_for_host(failure.summary, host),
        cause=failure.cause + describe_host(host),
        fix=failure.fix,
        retryable=failure.retryable,
        retry_advice=failure.retry_advice,
        request_id=masked(request_id),
        method=method,
        url=masked(url),
        source=source,
    )


def _summary_for_host(template: str, host: str) -> str:
    # The placeholders carry their preposition, so a summary without a host
    # (a HAR entry with no URL) still reads as a sentence.
    if not host:
        return template.format(host="", to_host="", with_host="")
    return template.format(host=f" {host}", to_host=f" to {host}", with_host=f" with {host}")


def classify_text(text: str) -> str | None:
    """Return the transport failure category ``text`` shows, or None."""
    if not _ANY_FAILURE.search(text):
        return None
    for category, pattern in TEXT_PATTERNS:
        if pattern.search(text):
            return category
    return None


def host_in(text: str) -> str | None:
    """Return the host (with port when shown) named in a failure text, or None."""
    for pattern in _HOST_PATTERNS:
        match = pattern.search(text)
        if match:
            host = match.group(1)
            if pattern.groups == 2:
                host = f"{host}:{match.group(2)}"
            port = _PORT.search(text)
            if port and ":" not in host and port.group(1) not in ("443", "80"):
                host = f"{host}:{port.group(1)}"
            return host
    return None


def url_in(text: str, host: str | None) -> str | None:
    """Return the URL a urllib3 failure text names (host plus ``with url:`` path)."""
    match = _URL_PATH.search(text)
    if not match or not host:
        return None
    scheme = "http" if re.search(r"HTTPConnectionPool|port=80\b", text) else "https"
    return f"{scheme}://{host}{match.group(1)}"


def classify_exception(exc: BaseException) -> str | None:
    """Return the transport failure category of exception ``exc``, or None."""
    if isinstance(exc, requests.exceptions.SSLError | ssl.SSLError):
        return "ssl"
    if isinstance(exc, requests.exceptions.ProxyError):
        return "proxy"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect_timeout"
    if isinstance(exc, requests.exceptions.Timeout | TimeoutError | socket.timeout):
        return "read_timeout"
    if isinstance(exc, socket.gaierror):
        return "dns"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError):
        return "reset"
    if isinstance(exc, requests.exceptions.ConnectionError | ConnectionError):
        return classify_text(_exception_text(exc)) or "connection"
    return None


def exception_finding(exc: BaseException) -> Finding | None:
    """Build the transport finding for ``exc``, or None when it is not a transport failure."""
    category = classify_exception(exc)
    if category is None:
        return None
    text = _exception_text(exc)
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None) if request is not None else None
    method = getattr(request, "method", None) if request is not None else None
    request_id = None
    headers = getattr(request, "headers", None)
    if headers is not None:
        request_id = headers.get("RequestId") or headers.get("X-Request-Id")
    host = _host_of_url(url) if url else host_in(text)
    return transport_finding(
        category, host=host, url=url or url_in(text, host), method=method,
        request_id=request_id, message=f"{type(exc).__name__}: {text}",
        source="exception",
    )


def _exception_text(exc: BaseException) -> str:
    parts = [str(exc)]
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if reason is not None:
        parts.append(f"{type(reason).__name__}: {reason}")
    return " ".join(parts)


def _host_of_url(url: str) -> str | None:
    match = re.match(r"[a-zA-Z][\w+.-]*://([^/?#@]+@)?([^/?#]+)", url)
    return match.group(2) if match else None


def scan_text(text: str) -> list[tuple[int, Finding]]:
    """Find transport failures in free text; one finding per traceback or log entry.

    Returns ``(offset, finding)`` pairs in order of appearance. Lines of one
    Python traceback, Java stack trace or Node.js error belong together and
    give one finding, named for the most specific failure among them.
    """
    groups: list[list] = []  # [offset, category rank, lines, end offset]
    for start, line in _candidate_lines(text):
        category = classify_text(line)
        if category is None:
            continue
        rank = _RANK[category]
        if groups and _continues(text, groups[-1][3], start, line):
            group = groups[-1]
            group[1] = min(group[1], rank)
            group[2].append(line)
            group[3] = start + len(line)
        else:
            groups.append([start, rank, [line], start + len(line)])
    findings = []
    for start, rank, lines, _ in groups:
        joined = "\n".join(lines)
        host = host_in(joined)
        findings.append((start, transport_finding(
            TEXT_PATTERNS[rank][0], host=host, url=url_in(joined, host),
            message=lines[-1].strip(), source="log",
        )))
    return findings


def _candidate_lines(text: str):
    """Yield ``(offset, line)`` for each line that contains a failure keyword."""
    last_start = -1
    for hit in keyword_offsets(lower_ascii(text), KEYWORDS):
        start = text.rfind("\n", 0, hit) + 1
        if start == last_start:
            continue
        last_start = start
        end = text.find("\n", hit)
        yield start, text[start:len(text) if end < 0 else end]


def lower_ascii(text: str) -> str:
    """Return ``text`` in lower case with every character at its own offset.

    ``str.lower`` changes the length of a few characters (``"İ"`` becomes two),
    which would shift offsets found in the result; then only ASCII letters
    are lowered.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return text.translate(_ASCII_LOWER)


def keyword_offsets(text: str, words: tuple[str, ...]) -> list[int]:
    """Return the sorted offsets in ``text`` where one of ``words`` starts.

    The search is case-sensitive: pass ``lower_ascii(text)`` and lower-case
    words to ignore case. Each word is searched with ``str.find``, so text
    that contains none of them costs one fast pass per word.
    """
    offsets: list[int] = []
    for word in words:
        position = text.find(word)
        while position >= 0:
            offsets.append(position)
            position = text.find(word, position + len(word))
    offsets.sort()
    return offsets


def _continues(text: str, previous_end: int, start: int, line: str) -> bool:
    """Return whether ``line`` continues the traceback that ended at ``previous_end``.

    A new log entry starts a new finding. A line of the same traceback
    (indented, or an exception line) joins the last one, when every line in
    between belongs to a traceback too.
    """
    if not _CONTINUATION.match(line):
        return False
    between = text[previous_end:start].split("\n")[1:-1]
    if len(between) > _GROUP_GAP:
        return False
    return all(_CONTINUATION.match(part) for part in between)


_RANK = {category: rank for rank, (category, _) in enumerate(TEXT_PATTERNS)}
