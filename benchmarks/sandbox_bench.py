"""Latency and throughput of the sandbox against a bare Werkzeug app.

Measures ``POST /api/v1/interactions`` (a multipart Message) and
``POST /api/v1/agentWork`` with 1 and 8 concurrent clients, and the same
requests sent to a hello-world Werkzeug app served the same way (Werkzeug
``make_server(..., threaded=True)`` with the sandbox's request handler).
A second hello-world app also parses the body as the sandbox does (the
multipart form, or the raw bytes), which separates the cost of Werkzeug's
body parsing from the sandbox's own.
Each server runs in its own child process, so the clients' threads do not
compete with it for the GIL. The two servers are measured in alternating
rounds, so a change in machine load affects both alike. Clients use one ``requests.Session`` per
thread and talk to 127.0.0.1 only.

Run from the repository root::

    .venv/bin/python benchmarks/sandbox_bench.py [--requests 2000] [--markdown]

Targets: sandbox throughput at least 0.7 times the bare app's, p99 under
5 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import threading
import time
import uuid
from typing import Any

import requests

CONCURRENCY = (1, 8)
ROUNDS = 5
TARGET_RATIO = 0.7
TARGET_P99_MS = 5.0


def _serve_bare(queue) -> None:
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Response

    from helpers.sandbox import QuietRequestHandler

    def hello(environ, start_response):
        return Response('{"hello":"world"}', mimetype="application/json")(
            environ, start_response
        )

    server = make_server("127.0.0.1", 0, hello, threaded=True, request_handler=QuietRequestHandler)
    queue.put((f"http://127.0.0.1:{server.server_port}", None))
    server.serve_forever()


def _serve_parsing(queue) -> None:
    """Serve a hello-world app that parses the body the way the sandbox does."""
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    from helpers.sandbox import QuietRequestHandler

    def hello(environ, start_response):
        request = Request(environ)
        if request.mimetype == "multipart/form-data":
            request.form
        else:
            request.get_data()
        return Response('{"hello":"world"}', mimetype="application/json")(
            environ, start_response
        )

    server = make_server("127.0.0.1", 0, hello, threaded=True, request_handler=QuietRequestHandler)
    queue.put((f"http://127.0.0.1:{server.server_port}", None))
    server.serve_forever()


def _serve_sandbox(queue) -> None:
    import logging

    from helpers import sandbox

    logging.disable(logging.CRITICAL)
    box = sandbox.start()
    queue.put((box.url, box.profile))
    threading.Event().wait()


def _start(target) -> tuple[multiprocessing.Process, str, dict | None]:
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=target, args=(queue,), daemon=True)
    process.start()
    url, profile = queue.get(timeout=60)
    return process, url, profile


def _prepare(profile: dict) -> dict[str, dict]:
    """Return requests kwargs (without URL) for each measured endpoint."""
    from helpers import repro
    from helpers.model import ApiRequest

    templates = repro.base_requests()
    conversation = repro.build_request(templates["conversation"], profile)
    body = requests.post(
        profile["base_url"] + conversation.path,
        json=conversation.json,
        headers=conversation.headers,
        timeout=10,
    ).json()
    context = {
        "conversation_identifier": body["conversationIdentifier"],
        "messaging_session_id": body["messagingSessionId"],
    }
    prepared = {}
    for name, label in (("interaction_message", "interactions"), ("agent_work", "agentWork")):
        request: ApiRequest = repro.build_request(templates[name], profile, context, strict=True)
        kwargs = request.to_requests_kwargs("")
        kwargs.pop("url")
        prepared[label] = {"path": request.path, "kwargs": kwargs}
    return prepared


def _measure(base_url: str, prepared: dict, total: int, clients: int) -> dict[str, Any]:
    """Send ``total`` requests from ``clients`` threads; return latencies and wall time."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    per_client = max(1, total // clients)
    errors = []

    def client() -> None:
        own: list[float] = []
        url = base_url + prepared["path"]
        with requests.Session() as http:
            barrier.wait()
            for _ in range(per_client):
                kwargs = dict(prepared["kwargs"])
                kwargs["headers"] = {**kwargs["headers"], "RequestId": str(uuid.uuid4())}
                started = time.perf_counter()
                response = http.request(url=url, timeout=10, **kwargs)
                own.append((time.perf_counter() - started) * 1000.0)
                if response.status_code >= 300:
                    errors.append(response.text[:200])
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, first: {errors[0]}")
    return {"latencies": latencies, "elapsed": elapsed}


def _compare(urls: dict[str, str], prepared: dict, total: int, clients: int) -> dict:
    """Measure each target in alternating rounds, so load changes hit both alike."""
    runs = {name: {"latencies": [], "elapsed": 0.0} for name in urls}
    for _ in range(ROUNDS):
        for name, url in urls.items():
            run = _measure(url, prepared, total // ROUNDS, clients)
            runs[name]["latencies"] += run["latencies"]
            runs[name]["elapsed"] += run["elapsed"]
    summary = {}
    for name, run in runs.items():
        latencies = sorted(run["latencies"])
        summary[name] = {
            "requests": len(latencies),
            "throughput": len(latencies) / run["elapsed"],
            "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    sandbox_process, sandbox_url, profile = _start(_serve_sandbox)
    bare_process, bare_url, _ = _start(_serve_bare)
    parsing_process, parsing_url, _ = _start(_serve_parsing)
    try:
        prepared = _prepare(profile)
        rows = []
        urls = {"sandbox": sandbox_url, "bare": bare_url, "parsing": parsing_url}
        for endpoint, request in prepared.items():
            for clients in CONCURRENCY:
                # Warm up both servers so the first connections do not count.
                for url in urls.values():
                    _measure(url, request, 50, 1)
                summary = _compare(urls, request, args.requests, clients)
                rows.append((endpoint, clients, summary))
    finally:
        sandbox_process.terminate()
        bare_process.terminate()
        parsing_process.terminate()

    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(
        "| endpoint | clients | sandbox req/s | bare req/s | ratio | bare+parse req/s "
        "| ratio to bare+parse | sandbox p50 / p99 ms | bare p50 / p99 ms | targets met |"
    )
    print("|" + " --- |" * 10)
    for endpoint, clients, summary in rows:
        box, bare, parsing = summary["sandbox"], summary["bare"], summary["parsing"]
        ratio = box["throughput"] / bare["throughput"]
        met = ratio >= TARGET_RATIO and box["p99"] < TARGET_P99_MS
        print(
            f"| POST {endpoint} | {clients} | {box['throughput']:.0f} | "
            f"{bare['throughput']:.0f} | {ratio:.2f} | {parsing['throughput']:.0f} | "
            f"{box['throughput'] / parsing['throughput']:.2f} | "
            f"{box['p50']:.1f} / {box['p99']:.1f} | {bare['p50']:.1f} / {bare['p99']:.1f} | "
            f"{'yes' if met else 'no'} |"
        )


if __name__ == "__main__":
    main()
