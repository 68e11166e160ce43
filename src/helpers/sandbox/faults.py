"""Fault injection: server-side errors on demand.

Some codes have no request property that triggers them: 10019 (org migration,
read-only), 10055 and 10056 (concurrent change to a conversation), 20002
(conversation look-up failure) and 500. The sandbox returns them when a fault
is armed: for the next ``count`` requests, on one endpoint or on all.

A fault is consumed only by a request that reaches its stage: 10019 applies
right after the authentication checks, the others after every validation
check passed and before the request changes state. A request rejected
earlier leaves the fault armed.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

INJECTABLE_CODES = (10019, 10055, 10056, 20002, 500)

# Stage at which each code applies.
STAGE_AFTER_AUTH = "after_auth"
STAGE_AFTER_VALIDATION = "after_validation"
FAULT_STAGES = {10019: STAGE_AFTER_AUTH}



class FaultError(ValueError):
    """A fault request is invalid; the message names the value and the choices."""


@dataclass
class Fault:
    """An armed fault: ``code`` for the next ``remaining`` matching requests."""

    code: int
    remaining: int
    endpoint: str | None = None

    @property
    def stage(self) -> str:
        return FAULT_STAGES.get(self.code, STAGE_AFTER_VALIDATION)

    def matches(self, endpoint: str) -> bool:
        return self.endpoint is None or self.endpoint.lower() == endpoint.lower()

    def to_dict(self) -> dict:
        return {**asdict(self), "stage": self.stage}


class FaultInjector:
    """A thread-safe list of armed faults, consumed in the order they were armed."""

    def __init__(self, endpoints: tuple[str, ...]) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        # Endpoint names a fault may be scoped to (the path after /api/v1/).
        self.endpoints = tuple(endpoints)

    def inject(self, code: int, count: int = 1, endpoint: str | None = None) -> Fault:
        """Arm ``code`` for the next ``count`` requests on ``endpoint`` (None: all).

        Raises
        ------
        FaultError
            When the code cannot be injected, ``count`` is not a positive
            integer or the endpoint is unknown.
        """
        fault = make_fault(code, count, endpoint, self.endpoints)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, endpoint: str, stage: str) -> int | None:
        """Consume one matching fault for ``stage`` and return its code, or None."""
        with self._lock:
            for fault in self._faults:
                if fault.stage == stage and fault.matches(endpoint):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault.code
        return None

    def clear(self) -> int:
        """Disarm every fault and return how many were armed."""
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            return count

    def list(self) -> list[dict]:
        with self._lock:
            return [fault.to_dict() for fault in self._faults]


def make_fault(
    code: object, count: object = 1, endpoint: object = None, endpoints: tuple[str, ...] = ()
) -> Fault:
    """Validate the three parts of a fault and return it."""
    if isinstance(code, bool) or not isinstance(code, (int, str)):
        raise FaultError(f"fault code must be one of {INJECTABLE_CODES}, got {code!r}")
    try:
        code_number = int(code)
    except ValueError:
        raise FaultError(f"fault code must be one of {INJECTABLE_CODES}, got {code!r}") from None
    if code_number not in INJECTABLE_CODES:
        raise FaultError(
            f"code {code_number} cannot be injected; injectable codes are "
            f"{', '.join(map(str, INJECTABLE_CODES))}. Other codes are triggered by "
            "the request itself: see data/repros.json"
        )
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise FaultError(f"fault count must be an integer >= 1, got {count!r}")
    if endpoint is not None:
        if not isinstance(endpoint, str) or endpoint.strip("/") not in endpoints:
            raise FaultError(
                f"unknown endpoint {endpoint!r} for a fault; use one of "
                f"{', '.join(endpoints)} or leave it out for all"
            )
        endpoint = endpoint.strip("/")
    return Fault(code=code_number, remaining=count, endpoint=endpoint)
