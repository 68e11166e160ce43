"""The org behind the sandbox: load and validate a fixture file.

A fixture is a JSON document that describes one fake Salesforce org: its id,
connected apps, access tokens, conversation channel definitions (CCDs),
messaging channels, queues, flows, users, end users and the default
connection profile. ``data/sandbox_org.json`` is the default; a user can pass
a path or a dict to ``helpers.sandbox.start(fixture=...)``. Validation names
the bad key (``messaging_channels[3].definition``) and what it expects, so a
hand-written fixture fails with a message that names what to change.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any



def _default_fixture_path() -> Path:
    # The source tree's data/ folder, else the copy shipped inside the package
    # (a regular install has no data/ folder beside the package).
    source = Path(__file__).resolve().parents[3] / "data" / "sandbox_org.json"
    if source.is_file():
        return source
    return Path(str(importlib.resources.files("helpers") / "data" / "sandbox_org.json"))


DEFAULT_FIXTURE_PATH = _default_fixture_path()
FORMAT_VERSION = 1

ROUTING_OWNERS = ("Partner", "Salesforce")
CONSENT_OWNERS = ("Partner", "Salesforce")
VENDOR_TYPES = ("CCaaS", "Messaging")
TOKEN_STYLES = ("opaque", "jwt")

# Salesforce messaging channel types other than CUSTOM. A channel of one of
# these types gets 10035, and a type that is neither listed nor CUSTOM 10002.
MESSAGING_TYPES = (
    "SMS",
    "WhatsApp",
    "Facebook",
    "AppleBusinessChat",
    "Line",
    "EmbeddedMessaging",
)

ID_PATTERN = re.compile(r"^[A-Za-z0-9]{15}$")


class FixtureError(ValueError):
    """A fixture is invalid; the message names the key and what it expects."""


@dataclass(frozen=True)
class ConnectedApp:
    """A connected app or external client app of the org."""

    name: str
    developer_name_prefix: str
    consumer_key: str
    certificate_pem: str | None = None


@dataclass(frozen=True)
class Token:
    """An access token the sandbox accepts or rejects deterministically."""

    name: str
    value: str
    app: str
    org_id: str
    scopes: tuple[str, ...]
    expires_at: dt.datetime
    username: str
    style: str = "opaque"

    def expired(self, now: dt.datetime | None = None) -> bool:
        now = now or dt.datetime.now(dt.timezone.utc)
        return self.expires_at <= now

    def __repr__(self) -> str:
        # The value is a credential even in the sandbox: keep it out of reprs.
        return f"Token(name={self.name!r}, app={self.app!r}, style={self.style!r})"


@dataclass(frozen=True)
class ChannelDefinition:
    """A ConversationChannelDefinition (CCD) record."""

    developer_name: str
    app: str
    routing_owner: str
    consent_owner: str
    vendor_type: str


@dataclass(frozen=True)
class MessagingChannel:
    """A MessagingChannel record, found by its channel address identifier."""

    name: str
    channel_address_identifier: str
    type: str
    active: bool
    definition: str | None
    supports_keywords: bool
    consent_owner: str
    provider_app: str | None = None


@dataclass(frozen=True)
class EndUser:
    """A Messaging end user known to the org before any request."""

    client_id: str
    channel: str


@dataclass(frozen=True)
class Fixture:
    """A validated org fixture; look-ups by name and id are dict-based."""

    org_id: str
    org_name: str
    my_domain: str
    apps: dict[str, ConnectedApp]
    users: dict[str, dict[str, str]]
    tokens: dict[str, Token]
    definitions: dict[str, ChannelDefinition]
    channels: dict[str, MessagingChannel]
    queues: dict[str, str]
    flows: dict[str, str]
    end_users: tuple[EndUser, ...]
    profile: dict[str, str]
    source: str = "<dict>"
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def channel_by_address(self, address: str) -> MessagingChannel | None:
        for channel in self.channels.values():
            if channel.channel_address_identifier == address:
                return channel
        return None

    def token_by_value(self, value: str) -> Token | None:
        for token in self.tokens.values():
            if token.value == value:
                return token
        return None

    def provider_of(self, channel: MessagingChannel) -> str | None:
        """Return the app that provides ``channel``: its own, else its CCD's."""
        if channel.provider_app:
            return channel.provider_app
        definition = self.definitions.get(channel.definition or "")
        return definition.app if definition else None


def load_fixture(source: str | Path | dict[str, Any] | None = None) -> Fixture:
    """Load and validate a fixture.

    Parameters
    ----------
    source
        A path to a JSON file, a dict with the same content, or None for
        ``data/sandbox_org.json``.

    Returns
    -------
    Fixture

    Raises
    ------
    FixtureError
        When the file is missing or not JSON, or a key is missing or invalid;
        the message names the key.
    """
    if isinstance(source, dict):
        return _build(source, "<dict>")
    path = Path(source) if source is not None else DEFAULT_FIXTURE_PATH
    if path.is_dir():
        raise FixtureError(
            f"sandbox fixture {path} is a directory; pass the path of a JSON "
            "fixture file such as data/sandbox_org.json"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FixtureError(
            f"sandbox fixture {path} is not UTF-8 text; pass a JSON fixture file "
            "such as data/sandbox_org.json"
        ) from None
    except OSError as exc:
        raise FixtureError(f"cannot read sandbox fixture {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FixtureError(f"sandbox fixture {path} is not valid JSON: {exc}") from None
    return _build(data, str(path))


def _build(data: Any, source: str) -> Fixture:
    reader = _Reader(source)
    reader.require_type("", data, dict)
    version = data.get("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        reader.fail("format_version", f"expected {FORMAT_VERSION}, got {version!r}")

    org = reader.mapping(data, "org")
    org_id = reader.string(org, "org.org_id")
    if not re.fullmatch(r"00D[A-Za-z0-9]{12}", org_id):
        reader.fail("org.org_id", f"expected 15 characters starting with 00D, got {org_id!r}")

    apps = {}
    for i, item in enumerate(reader.array(data, "connected_apps")):
        key = f"connected_apps[{i}]"
        app = ConnectedApp(
            name=reader.string(item, f"{key}.name"),
            developer_name_prefix=reader.string(item, f"{key}.developer_name_prefix"),
            consumer_key=reader.string(item, f"{key}.consumer_key"),
            certificate_pem=reader.optional_string(item, f"{key}.certificate_pem"),
        )
        reader.unique(apps, app.name, f"{key}.name")
        apps[app.name] = app

    users = {}
    for i, item in enumerate(reader.array(data, "users")):
        key = f"users[{i}]"
        user_id = reader.record_id(item, f"{key}.id", "005")
        users[user_id] = {
            "id": user_id,
            "username": reader.string(item, f"{key}.username"),
            "name": reader.string(item, f"{key}.name"),
        }

    tokens = {}
    for i, item in enumerate(reader.array(data, "tokens")):
        key = f"tokens[{i}]"
        token = Token(
            name=reader.string(item, f"{key}.name"),
            value=reader.string(item, f"{key}.value"),
            app=reader.reference(item, f"{key}.app", apps),
            org_id=reader.string(item, f"{key}.org_id"),
            scopes=tuple(reader.string_list(item, f"{key}.scopes")),
            expires_at=reader.timestamp(item, f"{key}.expires_at"),
            username=reader.string(item, f"{key}.username"),
            style=reader.choice(item, f"{key}.style", TOKEN_STYLES, default="opaque"),
        )
        reader.unique(tokens, token.name, f"{key}.name")
        if any(t.value == token.value for t in tokens.values()):
            reader.fail(f"{key}.value", "the same token value appears twice")
        tokens[token.name] = token

    definitions = {}
    for i, item in enumerate(reader.array(data, "conversation_channel_definitions")):
        key = f"conversation_channel_definitions[{i}]"
        definition = ChannelDefinition(
            developer_name=reader.string(item, f"{key}.developer_name"),
            app=reader.reference(item, f"{key}.app", apps),
            routing_owner=reader.choice(item, f"{key}.routing_owner", ROUTING_OWNERS),
            consent_owner=reader.choice(item, f"{key}.consent_owner", CONSENT_OWNERS),
            vendor_type=reader.choice(item, f"{key}.vendor_type", VENDOR_TYPES),
        )
        prefix = apps[definition.app].developer_name_prefix
        if not definition.developer_name.startswith(prefix + "_"):
            reader.fail(
                f"{key}.developer_name",
                f"expected the form {prefix}_<Name> (the prefix of app "
                f"{definition.app!r}), got {definition.developer_name!r}",
            )
        reader.unique(definitions, definition.developer_name, f"{key}.developer_name")
        definitions[definition.developer_name] = definition

    channels = {}
    addresses: set[str] = set()
    for i, item in enumerate(reader.array(data, "messaging_channels")):
        key = f"messaging_channels[{i}]"
        definition_name = reader.optional_string(item, f"{key}.definition")
        if definition_name is not None and definition_name not in definitions:
            reader.fail(
                f"{key}.definition",
                f"{definition_name!r} is not a conversation channel definition; "
                f"known: {', '.join(sorted(definitions))}",
            )
        provider = reader.optional_string(item, f"{key}.provider_app")
        if provider is not None and provider not in apps:
            reader.fail(f"{key}.provider_app", f"{provider!r} is not a connected app name")
        channel = MessagingChannel(
            name=reader.string(item, f"{key}.name"),
            channel_address_identifier=reader.string(
                item, f"{key}.channel_address_identifier"
            ),
            type=reader.string(item, f"{key}.type"),
            active=reader.boolean(item, f"{key}.active"),
            definition=definition_name,
            supports_keywords=reader.boolean(item, f"{key}.supports_keywords"),
            consent_owner=reader.choice(item, f"{key}.consent_owner", CONSENT_OWNERS),
            provider_app=provider,
        )
        reader.unique(channels, channel.name, f"{key}.name")
        if channel.channel_address_identifier in addresses:
            reader.fail(f"{key}.channel_address_identifier", "the same address appears twice")
        addresses.add(channel.channel_address_identifier)
        channels[channel.name] = channel

    queues = {
        reader.record_id(item, f"queues[{i}].id", "00G"): reader.string(
            item, f"queues[{i}].name"
        )
        for i, item in enumerate(reader.array(data, "queues"))
    }
    flows = {
        reader.record_id(item, f"flows[{i}].id", "300"): reader.string(
            item, f"flows[{i}].name"
        )
        for i, item in enumerate(reader.array(data, "flows"))
    }
    end_users = tuple(
        EndUser(
            client_id=reader.string(item, f"end_users[{i}].client_id"),
            channel=reader.reference(item, f"end_users[{i}].channel", channels),
        )
        for i, item in enumerate(reader.array(data, "end_users"))
    )

    profile = _read_profile(reader, data, tokens, channels, definitions, users, queues, flows)
    if not any(u.client_id == profile["end_user"] for u in end_users):
        reader.fail("profile.end_user", f"{profile['end_user']!r} is not in end_users")
    return Fixture(
        org_id=org_id,
        org_name=reader.string(org, "org.name"),
        my_domain=reader.string(org, "org.my_domain"),
        apps=apps,
        users=users,
        tokens=tokens,
        definitions=definitions,
        channels=channels,
        queues=queues,
        flows=flows,
        end_users=end_users,
        profile=profile,
        source=source,
        raw=data,
    )


def _read_profile(reader, data, tokens, channels, definitions, users, queues, flows):
    section = reader.mapping(data, "profile")
    profile = {
        "token": reader.reference(section, "profile.token", tokens),
        "channel": reader.reference(section, "profile.channel", channels),
        "authorization_context": reader.reference(
            section, "profile.authorization_context", definitions
        ),
        "end_user": reader.string(section, "profile.end_user"),
        "user": reader.reference(section, "profile.user", users),
        "queue": reader.reference(section, "profile.queue", queues),
        "flow": reader.reference(section, "profile.flow", flows),
    }
    return profile


class _Reader:
    """Typed access to the fixture's keys, raising ``FixtureError`` by key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> None:
        where = f" key {key}" if key else ""
        raise FixtureError(f"sandbox fixture {self.source}:{where}: {problem}")

    def require_type(self, key: str, value: Any, kind: type) -> Any:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(key, f"expected {_type_name(kind)}, got {_type_name(type(value))}")
        return value

    def _get(self, parent: Any, key: str) -> Any:
        name = key.rsplit(".", 1)[-1]
        if not isinstance(parent, dict) or name not in parent:
            self.fail(key, "missing")
        return parent[name]

    def mapping(self, parent: Any, key: str) -> dict:
        return self.require_type(key, self._get(parent, key), dict)

    def array(self, parent: Any, key: str) -> list:
        return self.require_type(key, self._get(parent, key), list)

    def string(self, parent: Any, key: str) -> str:
        value = self.require_type(key, self._get(parent, key), str)
        if not value.strip():
            self.fail(key, "must not be blank")
        return value

    def optional_string(self, parent: Any, key: str) -> str | None:
        name = key.rsplit(".", 1)[-1]
        if not isinstance(parent, dict) or parent.get(name) is None:
            return None
        return self.string(parent, key)

    def boolean(self, parent: Any, key: str) -> bool:
        return self.require_type(key, self._get(parent, key), bool)

    def string_list(self, parent: Any, key: str) -> list[str]:
        values = self.array(parent, key)
        for i, value in enumerate(values):
            self.require_type(f"{key}[{i}]", value, str)
        return values

    def choice(self, parent: Any, key: str, choices: tuple, default: str | None = None):
        name = key.rsplit(".", 1)[-1]
        if default is not None and isinstance(parent, dict) and name not in parent:
            return default
        value = self.string(parent, key)
        if value not in choices:
            self.fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def reference(self, parent: Any, key: str, known: dict) -> str:
        value = self.string(parent, key)
        if value not in known:
            self.fail(key, f"{value!r} is not defined; known: {', '.join(sorted(known))}")
        return value

    def record_id(self, parent: Any, key: str, prefix: str) -> str:
        value = self.string(parent, key)
        if not (ID_PATTERN.match(value) and value.startswith(prefix)):
            self.fail(key, f"expected a 15-character id starting with {prefix}, got {value!r}")
        return value

    def timestamp(self, parent: Any, key: str) -> dt.datetime:
        value = self.string(parent, key)
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(key, f"expected an ISO 8601 time such as 2099-12-31T00:00:00Z, got {value!r}")
        if moment.tzinfo is None:
            self.fail(key, f"expected a time with a zone such as Z, got {value!r}")
        return moment

    def unique(self, seen: dict, name: str, key: str) -> None:
        if name in seen:
            self.fail(key, f"{name!r} appears twice")


def _type_name(kind: type) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true or false"}.get(
        kind, kind.__name__
    )
