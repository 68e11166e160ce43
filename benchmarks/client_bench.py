"""Measure what the live client adds to one request, and the cost of minting.

Run by hand: ``.venv/bin/python benchmarks/client_bench.py [--calls N]``.
It starts an in-process sandbox and times, per call, a typing indicator sent
four ways: a bare ``requests`` post, ``helpers.transport.send``, the client
with preflight off, and the client with preflight in ``warn`` mode. Then it
times ``mint_token`` from PEM text and a ``token_provider`` call (key loaded
once) against the sandbox's token endpoint. Each figure is the
median of ``--rounds`` rounds. Logging is off so log handlers do not count.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

import requests
from cryptography.hazmat.primitives import serialization

from helpers import sandbox, transport
from helpers.client import InteractionClient
from helpers.tokens import generate_key_pair, mint_token, token_provider


def per_call_ms(function, calls: int, rounds: int) -> float:
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        results.append((time.perf_counter() - start) * 1000 / calls)
    return statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is shown")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)

    with sandbox.start() as box:
        session = requests.Session()
        quiet = InteractionClient(box, preflight="off", session=session)
        checked = InteractionClient(box, preflight="warn", session=session)
        request = quiet.build_send_typing()
        wire = quiet.standard_headers(request)
        wire["Authorization"] = f"Bearer {box.profile['access_token']}"
        prepared = request.replace(headers=wire)
        kwargs = prepared.to_requests_kwargs(box.url)

        rows = [
            ("requests.Session.request", lambda: session.request(**kwargs)),
            ("transport.send", lambda: transport.send(prepared, box.url, session=session)),
            ("client, preflight off", quiet.send_typing),
            ("client, preflight warn", checked.send_typing),
        ]
        for label, function in rows:
            quiet.history.clear()
            checked.history.clear()
            print(f"{label:28} {per_call_ms(function, args.calls, args.rounds):7.2f} ms")

        key, certificate = generate_key_pair("benchmark")
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        requests.post(
            box.url + "/__sandbox__/oauth/certificate",
            json={"certificate_pem": certificate},
            timeout=5,
        ).raise_for_status()
        profile = box.profile

        def mint_from_pem():
            mint_token(profile["consumer_key"], pem, profile["username"], box.url)

        provider = token_provider(
            profile["consumer_key"], pem, profile["username"], box.url
        )
        mint_calls = max(1, args.calls // 10)
        minting = (("mint_token, PEM text", mint_from_pem), ("token_provider call", provider))
        for label, function in minting:
            milliseconds = per_call_ms(function, mint_calls, args.rounds)
            print(f"{label:28} {milliseconds:7.2f} ms")


if __name__ == "__main__":
    main()
