"""The widgets of notebook 02: reproduce one code and fix it, or run every
code of the repro catalog.

``ReproWidget`` walks through one catalog case against a sandbox. The user
chooses a code (a text filter over code, name, description and endpoint
narrows the drop-down) and looks at the failing request and its curl form.
Then the user sends it, reads the decoded response, applies the fix (shown as
a unified diff of the two requests) and sends again to see the fix verified. ``RunEveryCode`` runs every case with
a progress bar and returns a table.

Both need a sandbox: the catalog's mistakes use the sandbox fixture's
alternate tokens and channels, and some cases arm a fault on the sandbox.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from typing import Any

import ipywidgets as widgets
import requests

from helpers import transport
from helpers.model import ApiRequest
from helpers.repro import (
    build_failing,
    build_fixed,
    catalog,
    fetch_profile,
    response_code,
    run_case,
    run_setup,
    succeeded,
)
from helpers.secrets import mask_text
from helpers.widgets.base import CompositeWidget, InvalidInput, guarded
from helpers.widgets.cards import Card, CardList
from helpers.widgets.tryit import curl_text, exchange_cards

UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Epoch milliseconds of two requests built within this window count as the
# same generated timestamp in a diff.
SAME_TIMESTAMP_WINDOW_MS = 3_600_000
STAGE_FAILING = "failing"
STAGE_FIXED = "fixed"


def _generated_pair(left: Any, right: Any) -> bool:
    """Return True when two values are both generated ids or timestamps."""
    if isinstance(left, str) and isinstance(right, str):
        return bool(UUID_PATTERN.match(left) and UUID_PATTERN.match(right))
    if isinstance(left, int) and isinstance(right, int) and not isinstance(left, bool):
        return left > 10**12 and right > 10**12 and abs(left - right) < SAME_TIMESTAMP_WINDOW_MS
    return False


def _align_generated(failing: Any, fixed: Any) -> Any:
    """Return ``fixed`` with generated values replaced by those of ``failing``.

    Each request gets fresh UUIDs and timestamps when it is built, which
    would show as changes in every diff although the fix did not touch them.
    """
    if isinstance(failing, dict) and isinstance(fixed, dict):
        return {key: _align_generated(failing.get(key), value) if key in failing else value
                for key, value in fixed.items()}
    if isinstance(failing, list) and isinstance(fixed, list):
        aligned = [_align_generated(a, b) for a, b in zip(failing, fixed)]
        return aligned + fixed[len(failing):]
    return failing if _generated_pair(failing, fixed) else fixed


def request_diff(failing: ApiRequest, fixed: ApiRequest) -> str:
    """Return a unified diff of two requests as masked, indented JSON.

    Generated ids and timestamps that differ only because each request was
    built separately are aligned first, so the diff shows the fix alone.
    """
    before = failing.to_dict()
    after = _align_generated(before, fixed.to_dict())
    lines_before = json.dumps(before, indent=2, sort_keys=True).splitlines()
    lines_after = json.dumps(after, indent=2, sort_keys=True).splitlines()
    diff = difflib.unified_diff(
        lines_before, lines_after, "failing request", "fixed request", lineterm=""
    )
    return "\n".join(diff) or "(no difference: the fix clears a fault on the sandbox)"


def case_label(case: Any) -> str:
    """Return the drop-down label of a repro case: code, name and description."""
    from helpers.codes import lookup

    entry = lookup(case.code)
    name = entry.name if entry else "unknown code"
    return f"{case.code} {name}: {case.description}"


def matching_cases(cases: dict[int, Any], text: str) -> list[tuple[str, int]]:
    """Return ``(label, code)`` pairs of the cases whose code, name,
    description, summary or endpoint contains every word of ``text``."""
    from helpers.codes import lookup

    words = text.lower().split()
    options = []
    for code, case in sorted(cases.items()):
        entry = lookup(code)
        haystack = " ".join(
            [str(code), case.description, case.endpoint, case.base.get("method", "")]
            + ([entry.name, entry.summary] if entry else [])
        ).lower()
        if all(word in haystack for word in words):
            options.append((case_label(case), code))
    return options


class ReproWidget(CompositeWidget):
    """Reproduce one error code on a sandbox, apply the fix, verify it.

    Parameters
    ----------
    target
        Base URL of a running sandbox, such as ``profile.base_url`` of the
        sandbox profile.
    code
        The code selected at start; the first catalog code when None.

    Examples
    --------
    >>> repro = ReproWidget(profile.base_url, code=10016)  # doctest: +SKIP
    >>> repro.send()          # the failing request returns 10016  # doctest: +SKIP
    >>> repro.apply_fix()     # shows the diff  # doctest: +SKIP
    >>> repro.send()          # the fixed request succeeds  # doctest: +SKIP
    """

    css_class = "isapi-repro"

    def __init__(self, target: str, code: int | None = None) -> None:
        self._target = target.rstrip("/")
        self._profile = fetch_profile(self._target)
        self._cases = catalog()
        self._http = requests.Session()
        self._context: dict[str, Any] | None = None
        self.stage = STAGE_FAILING
        self.exchange: Any = None
        self.verified = False

        self._filter = widgets.Text(
            placeholder="filter by code, name, text or endpoint", description="Find"
        )
        self._filter.add_class("isapi-repro-filter")
        self._choice = widgets.Dropdown(
            options=matching_cases(self._cases, ""), description="Code", layout={"width": "95%"}
        )
        self._choice.add_class("isapi-repro-choice")
        self._request_view = widgets.HTML()
        self._request_view.add_class("isapi-request")
        self._send_button = widgets.Button(description="Send", button_style="primary", icon="paper-plane")
        self._send_button.add_class("isapi-send")
        self._fix_button = widgets.Button(description="Apply the fix", button_style="warning", icon="wrench")
        self._fix_button.add_class("isapi-fix")
        self._stage_label = widgets.HTML()
        self._stage_label.add_class("isapi-stage")

        self._filter.observe(lambda change: self.filter(change["new"]), names="value")
        self._choice.observe(lambda _change: self._select(), names="value")
        self._send_button.on_click(lambda _button: self.send())
        self._fix_button.on_click(lambda _button: self.apply_fix())
        super().__init__(
            [
                self._filter,
                self._choice,
                widgets.HBox([self._send_button, self._fix_button, self._stage_label]),
                self._request_view,
            ]
        )
        if code is not None:
            self.value = code
        self._reset_case()

    # -- public face ---------------------------------------------------------

    @property
    def value(self) -> int | None:
        """The selected code."""
        return self._choice.value

    @value.setter
    def value(self, code: int) -> None:
        code = int(code)
        if code not in self._cases:
            raise ValueError(
                f"code {code} has no repro in the catalog; choose one of {sorted(self._cases)}"
            )
        if code not in [value for _, value in self._choice.options]:
            self._filter.value = ""
        self._choice.value = code

    @property
    def case(self) -> Any:
        """The selected ``ReproCase``.

        Raises
        ------
        InvalidInput
            When no code is selected because the filter matches no code.
        """
        if self.value is None:
            raise InvalidInput(self._no_code_notice())
        return self._cases[self.value]

    def _no_code_notice(self) -> str:
        example = min(self._cases) if self._cases else None
        hint = f" such as {example}" if example is not None else ""
        text = self._filter.value.strip()
        if text:
            return f"No code matches the filter {text!r}; clear the filter or type a code{hint}."
        return f"No code is selected; choose a code in the list or type a code{hint} in Find."

    @guarded("filtering the codes")
    def filter(self, text: str) -> list[tuple[str, int]]:
        """Narrow the drop-down to the cases that match ``text``."""
        options = matching_cases(self._cases, text)
        self._choice.options = options
        if options:
            self._choice.value = options[0][1]
        # The selected code may be unchanged, which fires no change event.
        self._reset_case()
        return options

    def failing_request(self) -> ApiRequest:
        """Build the failing request (placeholders of setup steps stay visible
        until the first send runs the setup)."""
        strict = self._context is not None
        return build_failing(self.case, self._profile, self._context, strict=strict)

    def fixed_request(self) -> ApiRequest:
        """Build the fixed request with the values captured by the setup."""
        return build_fixed(self.case, self._profile, self._ensure_setup(), strict=True)

    def current_request(self) -> ApiRequest:
        """Build the request that **Send** sends now: failing, or fixed after the fix."""
        return self.failing_request() if self.stage == STAGE_FAILING else self.fixed_request()

    @guarded("sending the request")
    def send(self) -> CardList:
        """Send the current request and show the response.

        Before the fix, the card states whether the expected code came back;
        after it, whether the fixed request succeeded (``verified``).
        """
        case = self.case
        if self.stage == STAGE_FAILING:
            self._context = None
            self._ensure_setup()
            request = self.failing_request()
            self.exchange = self._send_failing(request)
            cards = exchange_cards(self.exchange)
            cards.cards.insert(0, self._reproduced_card(case))
        else:
            self.exchange = transport.send(
                self.fixed_request(), self._target, session=self._http, target="sandbox"
            )
            self.verified = succeeded(self.exchange)
            cards = exchange_cards(self.exchange)
            cards.cards.insert(0, self._verified_card(case))
        self._show_request()
        self.show(cards)
        return cards

    @guarded("applying the fix")
    def apply_fix(self) -> Card:
        """Switch to the fixed request and show the change as a diff."""
        case = self.case
        diff = request_diff(self.failing_request_for_diff(), self.fixed_request())
        self.stage = STAGE_FIXED
        self.verified = False
        self._show_request()
        card = Card(
            f"Fix for {case.code}: {case.fix}",
            "info",
            [("next", "Press Send to send the fixed request.")],
            body=diff,
            css_class="isapi-diff",
        )
        self.show(card)
        return card

    def failing_request_for_diff(self) -> ApiRequest:
        """Build the failing request with the setup's values, for the diff."""
        return build_failing(self.case, self._profile, self._ensure_setup(), strict=True)

    def close(self) -> None:
        """Close the HTTP session the widget sends with."""
        self._http.close()

    # -- internals -----------------------------------------------------------

    @guarded("showing the selected code")
    def _select(self) -> None:
        self._reset_case()

    def _reset_case(self) -> None:
        self.stage = STAGE_FAILING
        self.verified = False
        self._context = None
        self.exchange = None
        self.clear()
        if self.value is None:
            self._request_view.value = ""
            self._stage_label.value = ""
        else:
            self._show_request()

    def _ensure_setup(self) -> dict[str, Any]:
        """Run the case's setup requests once and keep the captured values."""
        if self._context is None:
            def sent(request: ApiRequest) -> Any:
                return transport.send(
                    request, self._target, session=self._http, target="sandbox"
                )

            self._context = run_setup(self.case, self._profile, sent)
        return self._context

    def _send_failing(self, request: ApiRequest) -> Any:
        fault = self.case.fault
        if fault:
            self._control("POST", "faults", fault)
        try:
            return transport.send(request, self._target, session=self._http, target="sandbox")
        finally:
            if fault:
                self._control("DELETE", "faults")

    def _control(self, method: str, name: str, body: Any = None) -> None:
        url = f"{self._target}/__sandbox__/{name}"
        response = self._http.request(method, url, json=body, timeout=10)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {url} returned HTTP {response.status_code}: {response.text[:200]}")

    def _show_request(self) -> None:
        request = self.current_request()
        text = json.dumps(request.to_dict(), indent=2)
        curl = curl_text(request, self._target)
        if curl:
            text += "\n\n" + curl
        stage = "failing request" if self.stage == STAGE_FAILING else "fixed request"
        self._stage_label.value = f"<b>Send</b> sends the {stage}"
        self._request_view.value = (
            f"<details open><summary>{stage.capitalize()}: {request.method} {request.path}"
            f"</summary><pre style='white-space:pre-wrap;max-height:20em;overflow:auto'>"
            f"{_escape(text)}</pre></details>"
        )

    def _reproduced_card(self, case: Any) -> Card:
        returned = response_code(self.exchange)
        if returned == case.code:
            return Card(
                f"Reproduced {case.code}: {case.description}",
                "fail",
                [("fix", case.fix), ("next", "Press Apply the fix.")],
                css_class="isapi-reproduced",
            )
        return Card(
            f"Expected {case.code}, got {returned if returned is not None else 'no code'}",
            "warn",
            [("status", self.exchange.status)],
            css_class="isapi-reproduced",
        )

    def _verified_card(self, case: Any) -> Card:
        if self.verified:
            return Card(
                f"Fix verified for {case.code}: the fixed request succeeded",
                "ok",
                [("status", self.exchange.status), ("fix", case.fix)],
                css_class="isapi-success",
            )
        return Card(
            f"The fixed request for {case.code} did not succeed",
            "fail",
            [("status", self.exchange.status)],
            css_class="isapi-not-fixed",
        )


def _escape(text: str) -> str:
    return html.escape(mask_text(text))


class RunEveryCode(CompositeWidget):
    """Run every repro case against a sandbox with a progress bar.

    Parameters
    ----------
    target
        Base URL of a running sandbox.
    """

    css_class = "isapi-run-all"

    def __init__(self, target: str) -> None:
        self._target = target.rstrip("/")
        self._progress = widgets.IntProgress(value=0, min=0, max=1, description="Codes")
        self._progress.add_class("isapi-progress")
        self._button = widgets.Button(description="Run every code", button_style="primary")
        self._button.add_class("isapi-run-every-code")
        self._button.on_click(lambda _button: self.run())
        self.results: list[Any] = []
        super().__init__([widgets.HBox([self._button, self._progress])])

    @property
    def value(self) -> list[Any]:
        """The ``ReproResult`` objects of the last run."""
        return self.results

    @guarded("running every code")
    def run(self, codes: list[int] | None = None) -> Any:
        """Run the cases of ``codes`` (default all) and show a table.

        Returns
        -------
        pandas.DataFrame
            One row per code: ``code``, ``name``, ``endpoint``,
            ``returned``, ``triggered``, ``fixed_status``, ``fixed``, ``error``.
        """
        import pandas as pd

        from helpers.codes import lookup

        cases = catalog()
        selected = list(codes) if codes else sorted(cases)
        profile = fetch_profile(self._target)
        self._progress.max = len(selected)
        self._progress.value = 0
        self.results = []
        rows = []
        with requests.Session() as http:
            for code in selected:
                result = run_case(code, self._target, profile, session=http)
                self.results.append(result)
                entry = lookup(code)
                rows.append(
                    {
                        "code": code,
                        "name": entry.name if entry else "",
                        "endpoint": cases[code].endpoint,
                        "returned": result.code_returned,
                        "triggered": result.triggered,
                        "fixed_status": result.fixed_status,
                        "fixed": result.fixed,
                        "error": result.error or "",
                    }
                )
                self._progress.value += 1
        table = pd.DataFrame(rows)
        passed = int((table["triggered"] & table["fixed"]).sum())
        self._progress.description = f"{passed}/{len(table)} ok"
        self.show(table)
        return table

