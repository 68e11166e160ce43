"""Sandbox under 16 concurrent clients: the state adds up afterwards."""

from __future__ import annotations

import threading

import requests

from helpers import repro
from helpers.transport import send

CLIENTS = 16
ROUNDS = 5


def build(name: str, profile: dict, **changes):
    request = repro.build_request(repro.base_requests()[name], profile, {}, strict=True)
    body = request.json_part if request.json_part is not None else request.json
    body.update(changes)
    return request


def test_concurrent_clients_consistent_state(fresh_sandbox, profile):
    failures: list[str] = []
    work_items: dict[str, set[str]] = {}
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(index: int) -> None:
        end_user = f"fake-concurrent-user-{index:02d}"
        with requests.Session() as http:
            start.wait()
            for _ in range(ROUNDS):
                for name in ("interaction_message", "conversation"):
                    request = build(name, profile)
                    if name == "conversation":
                        request.json["participants"][0]["subject"] = end_user
                    else:
                        request.json_part["from"] = end_user
                    exchange = send(request, profile["base_url"], session=http)
                    body = exchange.response_json() or {}
                    if exchange.status != 202:
                        failures.append(f"{index} {name}: {exchange.status} {body}")
                        continue
                    with lock:
                        ids = work_items.setdefault(end_user, set())
                        ids.add(body["conversationIdentifier"])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    assert all(len(ids) == 1 for ids in work_items.values())
    counts = fresh_sandbox.state()["counts"]
    assert counts["conversations"] == CLIENTS
    assert counts["messaging_sessions"] == CLIENTS
    assert counts["entries"] == CLIENTS * ROUNDS
    assert len(fresh_sandbox.received()) == CLIENTS * ROUNDS * 2


def test_concurrent_same_end_user_one_conversation(fresh_sandbox, profile):
    identifiers: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client() -> None:
        start.wait()
        exchange = send(build("interaction_message", profile), profile["base_url"])
        with lock:
            identifiers.append(exchange.response_json()["conversationIdentifier"])

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(identifiers) == CLIENTS
    assert len(set(identifiers)) == 1
    counts = fresh_sandbox.state()["counts"]
    assert counts["conversations"] == 1
    assert counts["entries"] == CLIENTS
