"""Connection profiles: where to send requests and how to find the token.

A ``Profile`` contains the values every request needs (base URL, OrgId,
AuthorizationContext, channel address identifier, end-user client id and
optional user, queue and flow ids) and refers to the access token instead of
storing it: the token comes from an environment variable, the OS keyring or a
provider function, and ``Profile.token()`` reads it at call time. A profile
file that contains a token value is rejected, so no token lands in a file or
a notebook.

``load_profile()`` reads a profile from a TOML or JSON file, from the
``ISAPI_*`` environment variables, or from the local sandbox, and validates
it: every problem is collected into one ``ProfileError`` whose message names
each value and its fix.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import threading
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from helpers.errors import ProfileError
from helpers.secrets import JWT_PATTERN, OPAQUE_TOKEN_PATTERN, token_placeholder

log = logging.getLogger(__name__)

DEFAULT_TOKEN_ENV = "ISAPI_TOKEN"
KEYRING_SERVICE = "interaction-api-kit"
DEFAULT_AUTHORIZATION_CONTEXT_TYPE = "ConversationChannelDefinition"

# Profile fields and the environment variables that set them.
ENV_VARS = {
    "base_url": "ISAPI_BASE_URL",
    "org_id": "ISAPI_ORG_ID",
    "authorization_context": "ISAPI_AUTHORIZATION_CONTEXT",
    "authorization_context_type": "ISAPI_AUTHORIZATION_CONTEXT_TYPE",
    "channel_address_identifier": "ISAPI_CHANNEL_ADDRESS_IDENTIFIER",
    "end_user_client_id": "ISAPI_END_USER_CLIENT_ID",
    "user_id": "ISAPI_USER_ID",
    "queue_id": "ISAPI_QUEUE_ID",
    "flow_id": "ISAPI_FLOW_ID",
    "target": "ISAPI_TARGET",
    "name": "ISAPI_PROFILE_NAME",
}
PROFILE_FILE_ENV = "ISAPI_PROFILE"
SANDBOX_URL_ENV = "ISAPI_SANDBOX_URL"
# Token source selection ("env", the default, or "keyring") and the variable name.
TOKEN_SOURCE_ENV = "ISAPI_TOKEN_SOURCE"
TOKEN_ENV_NAME_ENV = "ISAPI_TOKEN_ENV"

REQUIRED_FIELDS = (
    "base_url",
    "org_id",
    "authorization_context",
    "channel_address_identifier",
    "end_user_client_id",
)
OPTIONAL_FIELDS = ("user_id", "queue_id", "flow_id", "authorization_context_type")
LABEL_FIELDS = ("target", "name")
TARGETS = ("sandbox", "org")
# Keys of a profile file that name where the token is, never the token itself.
TOKEN_REFERENCE_KEYS = ("token_env", "token_keyring")
# Keys whose presence in a file means a token value was stored there.
TOKEN_VALUE_KEYS = frozenset(
    {"access_token", "token", "bearer", "authorization", "isapi_token", "session_id"}
)

SCRT_HOST_SUFFIX = ".my.salesforce-scrt.com"
CORE_HOST_SUFFIX = ".my.salesforce.com"
LOOPBACK_NAMES = frozenset({"localhost"})

ORG_ID_PATTERN = re.compile(r"^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
# A developer name: letters, digits and single underscores, starting with a
# letter; the part before the first underscore is the app's prefix.
AUTHORIZATION_CONTEXT_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$")
GUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
AUTHORIZATION_CONTEXT_TYPES = (
    "ConversationChannelDefinition",
    "EmbeddedMessagingChannel",
    "ExternalConversationParticipant",
)
# Record id prefixes: User, Group (queues) and FlowDefinitionView.
ID_PREFIXES = {"user_id": "005", "queue_id": "00G", "flow_id": "300"}
MAX_ADDRESS_LENGTH = 240

_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


# ---------------------------------------------------------------------------
# Token sources


class TokenSource:
    """Source of a profile's access token; it never writes the token to a file."""

    can_refresh = False

    def get(self) -> str:
        """Return the current access token."""
        raise NotImplementedError

    def refresh(self) -> str:
        """Return a new access token; sources that cannot refresh return ``get()``."""
        return self.get()

    def describe(self) -> str:
        """Return a short description of where the token is, without the token."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"


class EnvToken(TokenSource):
    """The token is read from an environment variable at call time."""

    def __init__(self, variable: str = DEFAULT_TOKEN_ENV) -> None:
        if not variable or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
            raise ProfileError(
                f"token_env {variable!r} is not an environment variable name; "
                "use letters, digits and underscores, such as ISAPI_TOKEN"
            )
        self.variable = variable

    def get(self) -> str:
        value = os.environ.get(self.variable, "").strip()
        if not value:
            raise ProfileError(
                f"environment variable {self.variable} is not set or empty; set it "
                f"to the access token (export {self.variable}=...) or mint one with "
                "python -m helpers token mint"
            )
        return value

    def describe(self) -> str:
        return f"env:{self.variable}"


class KeyringToken(TokenSource):
    """The token is read from the OS keyring (service ``interaction-api-kit``)."""

    def __init__(self, username: str, service: str = KEYRING_SERVICE) -> None:
        self.username = username
        self.service = service

    def get(self) -> str:
        try:
            import keyring
            import keyring.errors
        except ImportError as exc:  # keyring is a dependency: a broken install
            message = f"the keyring package cannot be imported: {exc}"
            raise ProfileError(message) from None
        try:
            value = keyring.get_password(self.service, self.username)
        except keyring.errors.KeyringError as exc:
            raise ProfileError(
                f"reading the token from the keyring failed ({type(exc).__name__}); "
                f"use an environment variable instead (set {DEFAULT_TOKEN_ENV})"
            ) from None
        if not value:
            raise ProfileError(
                f"no token in the keyring for service {self.service!r}, user "
                f"{self.username!r}; store one with: keyring set {self.service} "
                f"{self.username}"
            )
        return value.strip()

    def describe(self) -> str:
        return f"keyring:{self.service}/{self.username}"


class ProviderToken(TokenSource):
    """The token comes from a function, such as the token doctor's minting.

    The first token is cached; ``refresh()`` calls the provider again. The
    provider may return a string or an object with an ``access_token``
    attribute (a ``helpers.tokens.TokenResult``).
    """

    can_refresh = True

    def __init__(self, provider: Callable[[], Any], label: str | None = None) -> None:
        if not callable(provider):
            raise ProfileError(f"token provider {provider!r} is not callable")
        self.provider = provider
        self.label = label or getattr(provider, "__name__", "provider")
        self._token: str | None = None
        self._lock = threading.Lock()

    def get(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self._call()
            return self._token

    def refresh(self) -> str:
        with self._lock:
            self._token = self._call()
            return self._token

    def _call(self) -> str:
        value = self.provider()
        value = getattr(value, "access_token", value)
        if not isinstance(value, str) or not value.strip():
            raise ProfileError(
                f"token provider {self.label} returned no token; it must return "
                "a non-empty string or an object with an access_token"
            )
        return value.strip()

    def describe(self) -> str:
        return f"provider:{self.label}"


def _sandbox_url_fix(variable: str | None) -> str:
    """Return the fix for a sandbox URL that failed, worded for its origin.

    ``variable`` names the environment variable the URL was read from, or is
    None when the caller passed the URL (an argument or ``--target``).
    """
    if variable == SANDBOX_URL_ENV:
        return f"point {SANDBOX_URL_ENV} at a running sandbox, or unset it"
    if variable is not None:
        return f"point {variable} at a running sandbox or a profile file"
    return "pass the URL of a running sandbox"


def _sandbox_profile_dict(url: str, variable: str | None = None) -> dict[str, Any]:
    import requests

    profile_url = url.rstrip("/") + "/__sandbox__/profile"
    try:
        response = requests.get(profile_url, timeout=(3.05, 10))
    except requests.RequestException as exc:
        raise ProfileError(
            f"the sandbox at {url} did not respond ({type(exc).__name__}); start it "
            f"with python -m helpers sandbox, or {_sandbox_url_fix(variable)}"
        ) from None
    if response.status_code != 200:
        raise ProfileError(
            f"{profile_url} returned HTTP {response.status_code}; "
            f"{_sandbox_url_fix(variable)}"
        )
    try:
        return response.json()
    except ValueError:
        message = f"{profile_url} did not return JSON; check that it is the sandbox"
        raise ProfileError(message) from None


class SandboxToken(TokenSource):
    """The token of a running sandbox, read from it at call time.

    ``refresh()`` reads it again, so a sandbox reset that issued a new token
    is picked up.
    """

    can_refresh = True

    def __init__(self, handle: Any = None, url: str | None = None) -> None:
        self.handle = handle
        self.url = url or getattr(handle, "url", None)
        # The environment variable the URL came from, for the error's fix.
        self.variable: str | None = None

    def get(self) -> str:
        if self.handle is not None:
            return str(self.handle.profile["access_token"])
        return str(_sandbox_profile_dict(self.url, self.variable)["access_token"])

    def describe(self) -> str:
        return f"sandbox:{self.url}"


class ValueToken(TokenSource):
    """A token passed in memory, for example in a sandbox profile dict.

    It is never written anywhere; its repr shows only its placeholder.
    """

    def __init__(self, token: str) -> None:
        self._token = token.strip()

    def get(self) -> str:
        return self._token

    def describe(self) -> str:
        return f"memory:{token_placeholder(self._token)}"


# ---------------------------------------------------------------------------
# The profile


@dataclass(repr=False)
class Profile:
    """Connection settings: the target URL and the values every request carries.

    Parameters
    ----------
    base_url
        Root URL of the API host, without ``/api/v1``, such as
        ``https://example.my.salesforce-scrt.com`` or the sandbox URL.
    org_id
        The 15- or 18-character Salesforce org id (``00D...``).
    authorization_context
        The ConversationChannelDefinition developer name, ``{prefix}_{Name}``.
    channel_address_identifier
        The messaging channel's ChannelAddressIdentifier (a GUID).
    end_user_client_id
        The end user's id in the partner system, sent as ``from``.
    token_source
        A ``TokenSource``; defaults to the ``ISAPI_TOKEN`` environment variable.
    """

    base_url: str
    org_id: str
    authorization_context: str
    channel_address_identifier: str
    end_user_client_id: str
    user_id: str | None = None
    queue_id: str | None = None
    flow_id: str | None = None
    target: str = "org"
    name: str = "default"
    authorization_context_type: str = DEFAULT_AUTHORIZATION_CONTEXT_TYPE
    token_source: TokenSource = field(default_factory=EnvToken)
    warnings: list[str] = field(default_factory=list)

    def token(self) -> str:
        """Return the access token, read from the token source now.

        Raises
        ------
        ProfileError
            When the source has no token (variable unset, keyring empty).
        """
        return self.token_source.get()

    def refresh_token(self) -> str | None:
        """Return a new token when the source can make one, else None."""
        if not self.token_source.can_refresh:
            return None
        return self.token_source.refresh()

    @property
    def can_refresh_token(self) -> bool:
        return self.token_source.can_refresh

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as a dict; the token source is described, not read."""
        data = {name: getattr(self, name) for name in REQUIRED_FIELDS + OPTIONAL_FIELDS}
        data["target"] = self.target
        data["name"] = self.name
        data["token"] = self.token_source.describe()
        return data

    def __repr__(self) -> str:
        return (
            f"Profile(name={self.name!r}, target={self.target!r}, "
            f"base_url={self.base_url!r}, org_id={self.org_id!r}, "
            f"authorization_context={self.authorization_context!r}, "
            f"token={self.token_source.describe()})"
        )


# ---------------------------------------------------------------------------
# Validation


def org_id_checksum(org_id15: str) -> str:
    """Return the three-character suffix that turns a 15-character id into 18.

    Each suffix character encodes which of five id characters are upper case.

    Examples
    --------
    >>> org_id_checksum("00D000000000062")
    'EAA'
    """
    suffix = ""
    for start in (0, 5, 10):
        bits = 0
        for offset, char in enumerate(org_id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << offset
        suffix += _CHECKSUM_ALPHABET[bits]
    return suffix


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> tuple[str, list[str], list[str]]:
    """Return the normalized base URL, its problems and its warnings."""
    problems: list[str] = []
    warnings: list[str] = []
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        problems.append(
            f"base_url {url!r} is not an http(s) URL; use "
            "https://<MyDomain>.my.salesforce-scrt.com"
        )
        return url, problems, warnings
    path = parts.path.rstrip("/")
    if path.endswith("/api/v1"):
        warnings.append(
            f"base_url {url!r} ends with /api/v1, which the client adds itself; "
            "it was dropped"
        )
        path = path[: -len("/api/v1")]
    normalized = f"{parts.scheme}://{parts.netloc}{path}"

    if _is_loopback(host):
        return normalized, problems, warnings
    if parts.scheme != "https":
        problems.append(
            f"base_url {url!r} uses http; the API needs https "
            "(only a loopback address may use http)"
        )
    if host.endswith(CORE_HOST_SUFFIX):
        scrt = host[: -len(CORE_HOST_SUFFIX)] + SCRT_HOST_SUFFIX
        warnings.append(
            f"base_url host {host} is the core Salesforce host; the Interaction API "
            f"is on the SCRT host of the same My Domain: use https://{scrt}"
        )
    elif not host.endswith(SCRT_HOST_SUFFIX):
        problems.append(
            f"base_url host {host!r} is not an Interaction API host; use "
            "https://<MyDomain>.my.salesforce-scrt.com (127.0.0.1 for the sandbox)"
        )
    return normalized, problems, warnings


def _check_org_id(org_id: str, problems: list[str], warnings: list[str]) -> None:
    if not ORG_ID_PATTERN.match(org_id):
        problems.append(
            f"org_id {org_id!r} is not a Salesforce org id; use the 15- or "
            "18-character id that starts with 00D (Setup > Company Information)"
        )
    elif len(org_id) == 18 and org_id_checksum(org_id[:15]) != org_id[15:].upper():
        expected = org_id_checksum(org_id[:15])
        warnings.append(
            f"org_id {org_id!r} has suffix {org_id[15:]!r}, but its first 15 "
            f"characters give {expected!r}; a character was probably mistyped or "
            "its case changed"
        )


def _check_ids(
    values: Mapping[str, Any], problems: list[str], warnings: list[str]
) -> None:
    context = values["authorization_context"]
    if not AUTHORIZATION_CONTEXT_PATTERN.match(context):
        problems.append(
            f"authorization_context {context!r} is not a developer name in "
            "{prefix}_{Name} form; use the ConversationChannelDefinition developer "
            "name, such as Partner1_ChannelDefinition1"
        )
    channel = values["channel_address_identifier"]
    if not GUID_PATTERN.match(channel):
        problems.append(
            f"channel_address_identifier {channel!r} is not a GUID; copy the "
            "MessagingChannel's ChannelAddressIdentifier, such as "
            "1b7a5c3e-2f4d-4e6a-9c1b-0d2e3f4a5b6c"
        )
    end_user = values["end_user_client_id"]
    if len(end_user) > MAX_ADDRESS_LENGTH:
        problems.append(
            f"end_user_client_id is {len(end_user)} characters long; the API "
            f"accepts at most {MAX_ADDRESS_LENGTH}"
        )
    context_type = (
        values.get("authorization_context_type") or DEFAULT_AUTHORIZATION_CONTEXT_TYPE
    )
    if context_type.lower() not in {t.lower() for t in AUTHORIZATION_CONTEXT_TYPES}:
        problems.append(
            f"authorization_context_type {context_type!r} is not one of "
            f"{', '.join(AUTHORIZATION_CONTEXT_TYPES)}"
        )
    for name, prefix in ID_PREFIXES.items():
        value = values.get(name)
        if value and not (value.startswith(prefix) and len(value) in (15, 18)):
            warnings.append(
                f"{name} {value!r} does not look like a Salesforce id starting with "
                f"{prefix}; check that it is the right record"
            )


def validate_profile_values(
    values: Mapping[str, Any],
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Check profile values and return (normalized values, problems, warnings).

    Parameters
    ----------
    values
        A mapping with the profile fields; missing required fields are problems.
    """
    problems: list[str] = []
    warnings: list[str] = []
    clean = {k: (str(v).strip() if v is not None else None) for k, v in values.items()}
    missing = [name for name in REQUIRED_FIELDS if not clean.get(name)]
    for name in missing:
        problems.append(
            f"{name} is missing; set it in the profile file or {ENV_VARS[name]}"
        )
    target = clean.get("target")
    if target and target not in TARGETS:
        problems.append(
            f"target {target!r} is not one of {', '.join(TARGETS)}; use sandbox for "
            "the local emulator and org for a real org"
        )
    if clean.get("base_url"):
        url, url_problems, url_warnings = check_base_url(clean["base_url"])
        clean["base_url"] = url
        problems += url_problems
        warnings += url_warnings
    if clean.get("org_id"):
        _check_org_id(clean["org_id"], problems, warnings)
    if not missing:
        _check_ids(clean, problems, warnings)
    return clean, problems, warnings


def make_profile(
    values: Mapping[str, Any],
    token_source: TokenSource | None = None,
    *,
    source: str | None = None,
) -> Profile:
    """Validate ``values`` and build a ``Profile``.

    Raises
    ------
    ProfileError
        Listing every problem found, each with the value and the fix.
    """
    clean, problems, warnings = validate_profile_values(values)
    if problems:
        raise ProfileError(problems, source=source)
    for warning in warnings:
        log.warning("profile %s: %s", clean.get("name") or "default", warning)
    is_local = _is_loopback(urlsplit(clean["base_url"]).hostname or "")
    target = clean.get("target") or ("sandbox" if is_local else "org")
    return Profile(
        base_url=clean["base_url"],
        org_id=clean["org_id"],
        authorization_context=clean["authorization_context"],
        channel_address_identifier=clean["channel_address_identifier"],
        end_user_client_id=clean["end_user_client_id"],
        user_id=clean.get("user_id") or None,
        queue_id=clean.get("queue_id") or None,
        flow_id=clean.get("flow_id") or None,
        target=target,
        name=clean.get("name") or "default",
        authorization_context_type=clean.get("authorization_context_type")
        or DEFAULT_AUTHORIZATION_CONTEXT_TYPE,
        token_source=token_source or EnvToken(),
        warnings=warnings,
    )


# ---------------------------------------------------------------------------
# Loading


def _token_source_from(values: Mapping[str, Any], name: str) -> TokenSource:
    keyring_value = values.get("token_keyring")
    if keyring_value not in (None, False, "", "false", "0"):
        # token_keyring = true uses the profile name; a string names the user.
        named = isinstance(keyring_value, str) and keyring_value not in ("true", "1")
        return KeyringToken(keyring_value if named else name)
    variable = values.get("token_env") or DEFAULT_TOKEN_ENV
    return EnvToken(str(variable))


def _reject_token_values(data: Mapping[str, Any], where: str) -> None:
    problems = []
    for key, value in data.items():
        if key.lower() in TOKEN_VALUE_KEYS:
            problems.append(f"key {key!r} stores a token value")
        elif isinstance(value, str) and (
            OPAQUE_TOKEN_PATTERN.search(value) or JWT_PATTERN.search(value)
        ):
            problems.append(f"key {key!r} contains what looks like an access token")
    if problems:
        raise ProfileError(
            [
                *problems,
                "a profile file must not contain a token: put the token in an "
                f"environment variable (token_env = \"{DEFAULT_TOKEN_ENV}\") or in the "
                f"keyring (token_keyring = true, service {KEYRING_SERVICE!r}), then "
                "remove it from the file and revoke it if the file was shared",
            ],
            source=where,
        )


def _read_profile_file(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ProfileError(
            f"profile path {str(path)!r} is a directory; pass the path of a "
            "TOML or JSON profile file inside it"
        )
    if not path.is_file():
        raise ProfileError(
            f"profile file {str(path)!r} does not exist; check {PROFILE_FILE_ENV} "
            "or the path"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProfileError(
            "profile file is not UTF-8 text; pass a TOML or JSON profile file",
            source=str(path),
        ) from None
    except OSError as exc:
        raise ProfileError(
            f"profile file cannot be read ({exc.strerror}); check its permissions",
            source=str(path),
        ) from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        message = f"profile file is not valid {kind}: {exc}"
        raise ProfileError(message, source=str(path)) from None
    if isinstance(data, dict) and isinstance(data.get("profile"), dict):
        data = {**data["profile"], **{k: v for k, v in data.items() if k != "profile"}}
    if not isinstance(data, dict):
        raise ProfileError("profile file must hold a table of keys", source=str(path))
    return data


def profile_from_file(path: str | os.PathLike[str]) -> Profile:
    """Load a profile from a TOML or JSON file.

    The file holds the profile fields (``base_url``, ``org_id``, ...) at the
    top level or in a ``[profile]`` table, and at most a reference to the
    token: ``token_env = "NAME"`` or ``token_keyring = true``.

    Raises
    ------
    ProfileError
        When the file is missing, unreadable, contains a token value or
        contains invalid values.
    """
    path = Path(path).expanduser()
    data = _read_profile_file(path)
    _reject_token_values(data, str(path))
    known = set(REQUIRED_FIELDS + OPTIONAL_FIELDS + TOKEN_REFERENCE_KEYS + LABEL_FIELDS)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ProfileError(
            f"unknown keys {', '.join(unknown)}; "
            f"known keys are {', '.join(sorted(known))}",
            source=str(path),
        )
    name = str(data.get("name") or path.stem)
    data = {**data, "name": name}
    token_source = _token_source_from(data, name)
    return make_profile(data, token_source, source=str(path))


def profile_from_env(environ: Mapping[str, str] | None = None) -> Profile:
    """Load a profile from the ``ISAPI_*`` environment variables.

    The token stays in its variable (``ISAPI_TOKEN`` unless ``ISAPI_TOKEN_ENV``
    names another) and is read at call time; ``ISAPI_TOKEN_SOURCE=keyring``
    reads it from the keyring instead.
    """
    env = os.environ if environ is None else environ
    values = {name: env.get(var) for name, var in ENV_VARS.items() if env.get(var)}
    name = values.get("name") or "default"
    source = env.get(TOKEN_SOURCE_ENV, "env").strip().lower()
    if source == "keyring":
        token_source: TokenSource = KeyringToken(name)
    elif source == "env":
        token_source = EnvToken(env.get(TOKEN_ENV_NAME_ENV) or DEFAULT_TOKEN_ENV)
    else:
        raise ProfileError(f"{TOKEN_SOURCE_ENV}={source!r} is not 'env' or 'keyring'")
    return make_profile(values, token_source, source="environment variables")


def profile_from_sandbox(handle: Any = None, url: str | None = None) -> Profile:
    """Build a profile for a sandbox handle or a sandbox URL.

    The token is read from the sandbox at call time, never copied into the
    profile.
    """
    return _profile_from_sandbox(handle, url, variable=None)


def _profile_from_sandbox(handle: Any, url: str | None, variable: str | None) -> Profile:
    """Build a sandbox profile; ``variable`` names the variable ``url`` came from."""
    if handle is not None:
        data = dict(handle.profile)
    else:
        data = _sandbox_profile_dict(url, variable)
    data.pop("access_token", None)
    data.setdefault("target", "sandbox")
    data.setdefault("name", "sandbox")
    fields = REQUIRED_FIELDS + OPTIONAL_FIELDS + LABEL_FIELDS
    values = {k: v for k, v in data.items() if k in fields}
    token_source = SandboxToken(handle, url)
    token_source.variable = variable
    return make_profile(values, token_source, source="sandbox")


def profile_from_dict(
    data: Mapping[str, Any], token_provider: Callable[[], Any] | None = None
) -> Profile:
    """Build a profile from an in-memory dict.

    An ``access_token`` key is kept in memory only (``ValueToken``); prefer a
    ``token_provider`` or ``token_env``.
    """
    values = dict(data)
    token = values.pop("access_token", None)
    if token_provider is not None:
        source: TokenSource = ProviderToken(token_provider)
    elif token:
        source = ValueToken(str(token))
    else:
        source = _token_source_from(values, str(values.get("name") or "default"))
    for key in TOKEN_REFERENCE_KEYS:
        values.pop(key, None)
    return make_profile(values, source, source="dict")


_sandbox_lock = threading.Lock()
_sandbox_handle: Any = None


def default_sandbox() -> Any:
    """Return the in-process sandbox, starting it on first use (one per process)."""
    global _sandbox_handle
    with _sandbox_lock:
        if _sandbox_handle is None:
            from helpers import sandbox

            _sandbox_handle = sandbox.start()
            log.info("started the in-process sandbox at %s", _sandbox_handle.url)
        return _sandbox_handle


def load_profile(
    source: Any = None, *, token_provider: Callable[[], Any] | None = None
) -> Profile:
    """Load and validate a connection profile.

    Parameters
    ----------
    source
        A ``Profile`` (returned as is), a path to a TOML or JSON file, a
        sandbox URL (``http://127.0.0.1:PORT``), a sandbox handle, or a dict.
        With None: the file or sandbox URL named by ``ISAPI_PROFILE``; else the ``ISAPI_*``
        variables when ``ISAPI_BASE_URL`` is set; else the sandbox at
        ``ISAPI_SANDBOX_URL``; else an in-process sandbox, started once per
        process.
    token_provider
        A function that returns a token; it replaces the source's own token
        reference and lets the client refresh the token on 10004.

    Returns
    -------
    Profile

    Raises
    ------
    ProfileError
        Listing every invalid value with its fix.

    Examples
    --------
    >>> profile = load_profile("profiles/acme.toml")  # doctest: +SKIP
    >>> profile.token_source.describe()  # doctest: +SKIP
    'env:ISAPI_TOKEN'
    """
    profile = _load(source)
    if token_provider is not None:
        profile.token_source = ProviderToken(token_provider)
    return profile


def _load(source: Any, variable: str | None = None) -> Profile:
    """Load a profile from ``source``; ``variable`` names the variable it came from.

    A string read from ``ISAPI_PROFILE`` goes through the same checks as one
    passed by the caller, so both accept a sandbox URL or a file path.
    """
    if isinstance(source, Profile):
        return source
    if isinstance(source, Mapping):
        return profile_from_dict(source)
    if source is not None and hasattr(source, "profile") and hasattr(source, "url"):
        return profile_from_sandbox(handle=source)
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        return _profile_from_sandbox(None, source, variable)
    if isinstance(source, (str, os.PathLike)):
        return profile_from_file(source)
    if source is not None:
        raise ProfileError(
            f"cannot load a profile from {type(source).__name__}; "
            "pass a path, URL, dict or Profile"
        )

    if os.environ.get(PROFILE_FILE_ENV):
        return _load(os.environ[PROFILE_FILE_ENV], PROFILE_FILE_ENV)
    if os.environ.get(ENV_VARS["base_url"]):
        return profile_from_env()
    if os.environ.get(SANDBOX_URL_ENV):
        return _profile_from_sandbox(None, os.environ[SANDBOX_URL_ENV], SANDBOX_URL_ENV)
    return profile_from_sandbox(handle=default_sandbox())
