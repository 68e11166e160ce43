"""Send one ``ApiRequest`` over HTTP and record it as an ``Exchange``.

This is the single place where the kit puts a request on the wire. The client
adds headers, retries and preflight on top; the repro runner and the replay
use it directly. Findings are decoded from the response by
``helpers.decode``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import requests

from helpers.decode import decode
from helpers.model import ApiRequest, Exchange
from helpers.secrets import mask_text

log = logging.getLogger(__name__)

# Connect and read timeouts in seconds. The connect timeout is slightly above
# a multiple of 3 s, the TCP retransmission window, as requests recommends.
DEFAULT_TIMEOUT = (3.05, 30.0)


def utc_now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def send(
    request: ApiRequest,
    base_url: str,
    *,
    session: requests.Session | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    target: str | None = None,
    attempt: int = 1,
    decode_findings: bool = True,
) -> Exchange:
    """Send ``request`` to ``base_url`` and return the exchange; never raise.

    Parameters
    ----------
    request
        The request to send; its headers must already be complete.
    base_url
        Root URL of the target; the request path is appended to it.
    session
        A ``requests.Session`` to reuse connections; a new one when None.
    timeout
        Connect and read timeouts in seconds, or one value for both.
    target
        Label stored in the exchange, such as ``"sandbox"``; defaults to
        ``base_url``.
    attempt
        Attempt number stored in the exchange (1 for the first send).
    decode_findings
        Decode the response into findings.

    Returns
    -------
    Exchange
        ``status`` is None and ``error`` is set when no response arrived, for
        example on a refused connection or a timeout.
    """
    kwargs = request.to_requests_kwargs(base_url)
    http = session or requests.Session()
    started_at = utc_now_iso()
    start = time.perf_counter()
    response = None
    failure: Exception | None = None
    try:
        response = http.request(timeout=timeout, allow_redirects=False, **kwargs)
    except requests.RequestException as exc:
        failure = exc
    finally:
        if session is None:
            http.close()
    elapsed_ms = (time.perf_counter() - start) * 1000.0

    request_id = request.headers.get("RequestId")
    exchange = Exchange(
        request=request,
        url=kwargs["url"],
        target=target or base_url,
        started_at=started_at,
        elapsed_ms=round(elapsed_ms, 3),
        status=response.status_code if response is not None else None,
        response_headers=dict(response.headers) if response is not None else {},
        response_body=_response_text(response),
        error=f"{type(failure).__name__}: {failure}" if failure else None,
        request_id=request_id,
        attempt=attempt,
    )
    if decode_findings:
        exchange.findings = _decode(response if response is not None else failure)
    log.info(
        "%s %s -> %s in %.1f ms (RequestId %s)",
        request.method.upper(),
        request.path,
        exchange.status if exchange.status is not None else mask_text(exchange.error or ""),
        elapsed_ms,
        request_id,
    )
    return exchange


def _response_text(response: requests.Response | None) -> str:
    if response is None:
        return ""
    try:
        return response.content.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:
        return response.content.decode("utf-8", errors="replace")


def _decode(artifact: object) -> list:
    # A 2xx answer is an error only when its JSON body says "success": false,
    # as a routing failure does; skip decoding every other success body.
    if isinstance(artifact, requests.Response) and 200 <= artifact.status_code < 300:
        compact = artifact.content.translate(None, b" \t\r\n")
        if not compact.startswith(b"{") or b'"success":false' not in compact:
            return []
    return decode(artifact)
