"""The setup doctor of notebook 00: check the token, the headers and the
channel, and show a pass/fail checklist with a fix for each failure.

``run_checks`` does the work and returns plain ``Check`` records, so the CLI,
tests and notebooks can use it without widgets. ``SetupDoctor`` wraps it
with a ``Password`` field for the token (never a text box) and a button.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from helpers.secrets import mask_text
from helpers.widgets.base import CompositeWidget, InvalidInput, guarded
from helpers.widgets.cards import CardList, checklist

log = logging.getLogger(__name__)

TOKEN_FIX = (
    "Set the ISAPI_TOKEN environment variable before starting JupyterLab, or "
    "paste the token into the Password field of the setup doctor."
)


@dataclass
class Check:
    """One line of the setup checklist.

    ``passed`` is True, False, or None when the check was skipped because an
    earlier one failed.
    """

    name: str
    passed: bool | None
    detail: str = ""
    fix: str = ""

    def __str__(self) -> str:
        label = {True: "pass", False: "FAIL", None: "skipped"}[self.passed]
        text = f"{label}: {self.name}"
        if self.detail:
            text += f" ({mask_text(self.detail)})"
        if self.fix and not self.passed:
            text += f"\n  fix: {self.fix}"
        return text


def check_token(profile: Any) -> tuple[Check, str | None]:
    """Read the profile's token and inspect it; return the check and the token."""
    try:
        token = profile.token()
    except Exception as exc:  # noqa: BLE001 - any token-source failure is a failed check
        return Check("access token", False, mask_text(str(exc)), TOKEN_FIX), None
    source = profile.token_source.describe()
    from helpers.tokens import inspect_token

    findings = inspect_token(token, profile.org_id)
    errors = [f for f in findings if f.severity == "error"]
    notes = "; ".join(f.message.rstrip(".") for f in findings if f.severity != "error")
    detail = f"read from {source}" + (f"; {notes}" if notes else "")
    if errors:
        problems = "; ".join(
            f"{f.message.rstrip('.')} (code {f.code})" if f.code else f.message for f in errors
        )
        fix = " ".join(f.fix for f in errors if f.fix) or TOKEN_FIX
        return Check("access token", False, f"{detail}; {problems}", fix), token
    return Check("access token", True, detail), token


def check_headers(profile: Any) -> Check:
    """Validate the values that become the OrgId, AuthorizationContext and
    channel headers and fields."""
    from helpers.profiles import validate_profile_values

    _, problems, warnings = validate_profile_values(profile.to_dict())
    detail = (
        f"OrgId {profile.org_id}, AuthorizationContext {profile.authorization_context}, "
        f"channel {profile.channel_address_identifier}"
    )
    if problems:
        return Check("headers and ids", False, detail, " ".join(problems))
    if warnings:
        detail += "; warnings: " + " ".join(warnings)
    return Check("headers and ids", True, detail)


def check_channel(client: Any) -> Check:
    """Make a real call that needs a valid token, headers and channel:
    ``POST /conversation``, which finds or creates the end user's
    conversation and changes nothing when it already exists."""
    exchange = client.create_conversation()
    if exchange.ok:
        body = exchange.response_json() or {}
        conversation = body.get("conversationIdentifier", "?")
        return Check(
            "channel call (POST /conversation)",
            True,
            f"status {exchange.status}, conversation {conversation}",
        )
    if exchange.status is None:
        return Check(
            "channel call (POST /conversation)",
            False,
            exchange.error or "no response",
            f"Check that base_url {client.profile.base_url} is reachable from this machine.",
        )
    finding = exchange.findings[0] if exchange.findings else None
    code = getattr(finding, "code", None)
    detail = f"status {exchange.status}" + (f", code {code}: {finding.summary}" if finding else "")
    fix = getattr(finding, "fix", "") or "Decode the response in 01_decode_an_error.ipynb."
    return Check("channel call (POST /conversation)", False, detail, fix)


def run_checks(profile: Any, client: Any = None) -> list[Check]:
    """Run the setup checks in order: token, headers, a real channel call.

    Parameters
    ----------
    profile
        A ``helpers.profiles.Profile``.
    client
        An ``InteractionClient`` for the channel call; one without retries is
        made from ``profile`` when None.

    Returns
    -------
    list of Check
        The channel call is skipped when no token could be read.
    """
    token_check, token = check_token(profile)
    checks = [token_check, check_headers(profile)]
    if token is None:
        checks.append(Check("channel call (POST /conversation)", None, "no token to call with"))
        return checks
    if client is None:
        from helpers.client import InteractionClient

        client = InteractionClient(profile, retries=0)
    checks.append(check_channel(client))
    return checks


class SetupDoctor(CompositeWidget):
    """Run the setup checks against a profile, with an optional token field.

    Parameters
    ----------
    profile
        The profile to check.

    Notes
    -----
    A token typed into the ``Password`` field replaces the profile's token
    source for the checks only; the profile passed in is not changed.
    """

    css_class = "isapi-doctor"

    def __init__(self, profile: Any) -> None:
        self._profile = profile
        self._token = widgets.Password(
            placeholder="leave empty to use the profile's token source",
            description="Token",
            layout={"width": "60%"},
        )
        self._token.add_class("isapi-token")
        self._button = widgets.Button(description="Run checks", button_style="primary")
        self._button.add_class("isapi-run-checks")
        self._button.on_click(lambda _button: self.run())
        self.checks: list[Check] = []
        super().__init__([widgets.HBox([self._token, self._button])])

    @property
    def value(self) -> list[Check]:
        """The checks of the last run."""
        return self.checks

    def profile(self) -> Any:
        """Return the profile to check, with the typed token when there is one."""
        typed = self._token.value
        if not typed:
            return self._profile
        from helpers.profiles import ValueToken

        return dataclasses.replace(self._profile, token_source=ValueToken(typed))

    def check_typed_token(self) -> None:
        """Raise ``InvalidInput`` when the Token field cannot hold a token.

        An access token never contains whitespace, so a field of spaces, a
        pasted ``Bearer`` prefix or a line break is a paste mistake. The
        message never repeats what was typed, because it may be a token.
        """
        typed = self._token.value
        if not typed:
            return
        if not typed.strip():
            raise InvalidInput(
                "The Token field contains only spaces. Clear it to use the profile's "
                "token source, or paste the token, then press Run checks."
            )
        if typed.strip().lower().startswith("bearer "):
            raise InvalidInput(
                "Paste the token without the 'Bearer ' prefix, because the kit adds it "
                "to the Authorization header. Then press Run checks."
            )
        if any(character.isspace() for character in typed):
            raise InvalidInput(
                "The Token field contains spaces or line breaks. Paste the token alone, "
                "on one line, then press Run checks."
            )

    @guarded("running the setup checks")
    def run(self) -> CardList:
        """Run the checks and show the checklist; return it.

        Returns None after a notice card when the Token field contains
        whitespace (see ``check_typed_token``).
        """
        self.check_typed_token()
        self.checks = run_checks(self.profile())
        result = checklist(self.checks)
        self.show(result)
        return result

    @property
    def passed(self) -> bool:
        """True when every check of the last run passed."""
        return bool(self.checks) and all(c.passed for c in self.checks)
