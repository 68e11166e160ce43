"""Read a curl command into an ``ApiRequest``, and write one back.

Engineers paste curl commands from the API's docs, from colleagues and from
their own shell history. ``parse_curl`` reads one into an ``ApiRequest`` the
kit can check (``helpers.preflight``) and send; ``parse_curl_command`` also
returns the base URL, curl's own options and notes about anything that was
skipped. ``to_curl`` writes a request as a runnable command that reads the
token from an environment variable, never the token itself.

The parser follows how curl itself reads its options: several ``-d`` values
are joined with ``&``, ``-d`` without a ``Content-Type`` header sends
``application/x-www-form-urlencoded``, a ``-F`` value is cut at the first
``;`` unless it is in double quotes, and ``-G`` moves the data into the
query. Shell variables (``$ISAPI_TOKEN``, ``${ORG_ID}``) are kept as text
unless ``environ`` gives their values.

The base URL is returned next to the request, not stored on it:
``ApiRequest.path`` is always relative (``/api/v1/...``), so the same
request can go to the sandbox or to an org.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.model import API_PREFIX, ApiRequest, Attachment
from helpers.secrets import SECRET_HEADERS, mask_text

log = logging.getLogger(__name__)

DEFAULT_TOKEN_ENV = "ISAPI_TOKEN"
# A scheme, a shell variable such as $SCRT_URL, or a host (and port) then a path.
_URL_LIKE = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|\$\{?[A-Za-z_]|(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d+)?/)"
)
_SHELL_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")

DATA_OPTIONS = {
    "-d": "data",
    "--data": "data",
    "--data-ascii": "data",
    "--data-binary": "binary",
    "--data-raw": "raw",
    "--data-urlencode": "urlencode",
    "--json": "json",
}
FORM_OPTIONS = {"-F": "form", "--form": "form", "--form-string": "form-string"}
# Options that take a value and do not change the request the API receives.
IGNORED_VALUE_OPTIONS = frozenset(
    {
        "-o", "--output", "-A", "--user-agent", "-e", "--referer", "-b", "--cookie",
        "-c", "--cookie-jar", "--connect-timeout", "-m", "--max-time", "--retry",
        "--retry-delay", "--retry-max-time", "--cacert", "--capath", "-E", "--cert",
        "--key", "--cert-type", "--key-type", "-w", "--write-out", "--resolve",
        "-x", "--proxy", "-U", "--proxy-user", "--limit-rate", "-r", "--range",
        "--stderr", "--trace", "--trace-ascii", "-K", "--config", "--interface",
        "--max-redirs", "-z", "--time-cond", "--keepalive-time", "--tls-max",
        "--ciphers", "--noproxy", "--connect-to", "--unix-socket", "-D", "--dump-header",
    }
)
# Flags that take no value; the ones the result keeps are named on the left.
FLAGS = {
    "-k": "insecure", "--insecure": "insecure",
    "-s": "silent", "--silent": "silent",
    "-S": "show_error", "--show-error": "show_error",
    "-v": "verbose", "--verbose": "verbose",
    "-i": "include", "--include": "include",
    "-L": "location", "--location": "location",
    "--compressed": "compressed",
    "-f": "fail", "--fail": "fail", "--fail-with-body": "fail",
    "-G": "get", "--get": "get",
    "-I": "head", "--head": "head",
    "-g": "globoff", "--globoff": "globoff",
    "-N": "no_buffer", "--no-buffer": "no_buffer",
    "-#": "progress_bar", "--progress-bar": "progress_bar",
    "-4": "ipv4", "--ipv4": "ipv4", "-6": "ipv6", "--ipv6": "ipv6",
    "--http1.1": "http1.1", "--http2": "http2", "--http1.0": "http1.0",
    "-n": "netrc", "--netrc": "netrc", "--location-trusted": "location",
}
VALUE_SHORT_OPTIONS = frozenset({"-H", "-d", "-F", "-X", "-u"}) | {
    option for option in IGNORED_VALUE_OPTIONS if len(option) == 2
}


class CurlParseError(ValueError):
    """Raised when the text is not a curl command the kit can read."""


class CurlFileNotFoundError(CurlParseError):
    """Raised when the command names a file (``@file``, ``<file``) that does not exist.

    Attributes
    ----------
    option
        The option that names the file, such as ``-d`` or ``-F json=<``.
    path
        The path as written in the command.
    base_dir
        The folder a relative ``path`` was looked up in. Callers that take
        that folder under another name (the CLI's ``--base-dir``) can build
        their own message from these attributes.
    """

    def __init__(self, option: str, path: str, base_dir: Path) -> None:
        self.option = option
        self.path = path
        self.base_dir = base_dir
        super().__init__(
            f"{option} names the file {path!r}, which was not found in {base_dir}; "
            "pass base_dir (or run from the folder the command was written for)"
        )


@dataclass
class CurlCommand:
    """A parsed curl command.

    Attributes
    ----------
    request
        The request, with its path relative to ``base_url``.
    base_url
        Scheme and host (and any path before ``/api/v1/``), such as
        ``https://example.my.salesforce-scrt.com``, or a shell variable such
        as ``$SCRT_URL`` when the command uses one.
    options
        curl's own switches that were given (``insecure``, ``verbose``, ...).
    notes
        Everything that was skipped or changed, in plain words.
    """

    request: ApiRequest
    base_url: str
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Parts:
    """Values collected from the options, before the request is assembled."""

    method: str | None = None
    # Words that are not options, each with the unknown option right before
    # it (or None); one of them is the URL.
    arguments: list[tuple[str, str | None]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    removed_headers: set[str] = field(default_factory=set)
    data: list[str] = field(default_factory=list)
    json_mode: bool = False
    forms: list[tuple[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def parse_curl(
    text: str,
    *,
    base_dir: str | os.PathLike[str] | None = None,
    environ: dict[str, str] | None = None,
) -> ApiRequest:
    """Parse a curl command into an ``ApiRequest``.

    Parameters
    ----------
    text
        The command, on one line or several joined with ``\\`` (or ``^`` as
        in Windows cmd). A leading ``$`` prompt and lines before the command
        (comments, ``export`` lines) are skipped.
    base_dir
        Folder that ``@file`` and ``<file`` paths are relative to; the
        current directory when None.
    environ
        Values of shell variables to put in place of ``$NAME`` or
        ``${NAME}`` in the URL and the headers. Variables not listed stay as
        text.

    Returns
    -------
    ApiRequest
        Use ``parse_curl_command`` to get the base URL and the notes too.

    Raises
    ------
    CurlParseError
        When the text is not a curl command, has unbalanced quotes, has no
        URL, or names a file that does not exist (``CurlFileNotFoundError``,
        a subclass). A word right after an
        unknown option is taken as that option's value unless it looks like
        a URL (a scheme, a shell variable, or a host followed by a path).

    Examples
    --------
    >>> request = parse_curl(
    ...     "curl -X PATCH https://acme.my.salesforce-scrt.com/api/v1/consent "
    ...     "-H 'Content-Type: application/json' -d '{\\"consentStatus\\": \\"OptedOut\\"}'"
    ... )
    >>> request.method, request.path, request.json
    ('PATCH', '/api/v1/consent', {'consentStatus': 'OptedOut'})
    """
    return parse_curl_command(text, base_dir=base_dir, environ=environ).request


def parse_curl_command(
    text: str,
    *,
    base_dir: str | os.PathLike[str] | None = None,
    environ: dict[str, str] | None = None,
) -> CurlCommand:
    """Parse a curl command into a ``CurlCommand`` (request, base URL, notes).

    Parameters and errors are those of ``parse_curl``.
    """
    if not isinstance(text, str):
        raise CurlParseError(f"expected the curl command as text, got {type(text).__name__}")
    tokens, later_commands, single_quoted_names = _command_tokens(text)
    parts = _Parts()
    if later_commands:
        parts.notes.append(
            f"the text holds {later_commands + 1} curl commands; only the first was read"
        )
    _read_options(tokens, parts, Path(base_dir) if base_dir is not None else Path.cwd())
    for name in sorted(single_quoted_names):
        parts.notes.append(
            f"${name} is inside single quotes, so a shell sends it as the text "
            f"'${name}' and not its value; use double quotes around it."
        )
    command = _assemble(parts, environ or {})
    for note in command.notes:
        log.debug("curl import: %s", mask_text(note))
    return command


def _command_tokens(text: str) -> tuple[list[str], int, set[str]]:
    """Split ``text`` into the words of its first curl command.

    Returns the words after ``curl``, how many more curl commands follow,
    and the ``$NAME`` references written inside single quotes in that command.
    """
    split = _split_shell_words(text)
    found = [(words, _curl_start(words)) for words in split.commands]
    curl_commands = [
        (words[start + 1 :], names)
        for (words, start), names in zip(found, split.quoted_names)
        if start is not None
    ]
    if curl_commands:
        words, names = curl_commands[0]
        return words, len(curl_commands) - 1, names
    first = next((words[0] for words in split.commands if words), "")
    if not first:
        raise CurlParseError("the text is empty; paste a curl command such as 'curl https://...'")
    raise CurlParseError(
        f"this is not a curl command: it starts with {mask_text(first)[:40]!r}; pass a "
        "command that starts with 'curl'"
    )


def _curl_start(words: list[str]) -> int | None:
    for index, word in enumerate(words):
        if word == "$" or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word):
            continue  # a prompt, or VAR=value before the command
        name = word.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return index if name in {"curl", "curl.exe"} else None
    return None


# Shell tokenizing. shlex is not used because (in Python 3.11) it builds each
# word one character at a time by string concatenation on an attribute, which
# is quadratic in the length of a quoted argument: over 10 s for a 1 MB -d
# body. This reader takes whole runs of characters with one regex match or
# str.find, so it is linear.
_PLAIN_RUN = re.compile(r"[^ \t\r\n'\"\\|&;$^]+")
_DOUBLE_QUOTED_RUN = re.compile(r'[^"\\]*')
_ANSI_C_QUOTED_RUN = re.compile(r"[^'\\]*")
# Characters a backslash escapes inside double quotes, as in a POSIX shell.
_DOUBLE_QUOTE_ESCAPES = frozenset('"\\$`')
_ANSI_C_ESCAPES = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
    "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}
_ANSI_C_NUMBER = re.compile(
    r"([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})|U([0-9A-Fa-f]{1,8})"
)
_UNBALANCED_FIX = (
    "check that every ' and \" is closed, and that a ' inside single quotes "
    "is written '\\''"
)


@dataclass
class _ShellWords:
    """Words of each shell command in a text, in order."""

    commands: list[list[str]] = field(default_factory=lambda: [[]])
    # The $NAME references inside single quotes, one set per command.
    quoted_names: list[set[str]] = field(default_factory=lambda: [set()])


def _split_shell_words(text: str) -> _ShellWords:
    """Split ``text`` into shell words the way a POSIX shell reads them.

    Single quotes, double quotes (where a backslash escapes only ``"``,
    ``\\``, ``$``, a backtick or a newline), ``$'...'`` with C escapes and a
    backslash outside quotes are understood. A backslash before a newline
    outside single quotes, or cmd's ``^`` before a newline outside quotes,
    continues the line. An unquoted newline, ``|``, ``&`` or ``;`` ends a
    command, and ``#`` at the start of a word starts a comment. Variables
    and command substitutions are kept as text.
    """
    result = _ShellWords()
    pieces: list[str] | None = None  # the word being read, None between words
    index = 0
    while index < len(text):
        char = text[index]
        if char in " \t\r\n|&;":
            if pieces is not None:
                result.commands[-1].append("".join(pieces))
                pieces = None
            if char not in " \t\r" and result.commands[-1]:
                result.commands.append([])
                result.quoted_names.append(set())
            index += 1
            continue
        if pieces is None and char == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        if char in "\\^" and _continues_line(text, index):
            index += 3 if text[index + 1] == "\r" else 2
            continue
        if pieces is None:
            pieces = []
        if char == "\\":
            # A backslash at the very end continues onto nothing.
            pieces.append(text[index + 1 : index + 2])
            index += 2
        elif char == "'":
            end = _closing_quote(text, index, "'")
            quoted = text[index + 1 : end]
            for match in _SHELL_VARIABLE.finditer(quoted):
                result.quoted_names[-1].add(match.group(1) or match.group(2))
            pieces.append(quoted)
            index = end + 1
        elif char == '"':
            word, index = _read_double_quoted(text, index)
            pieces.append(word)
        elif char == "$" and text.startswith("'", index + 1):
            word, index = _read_ansi_c_quoted(text, index + 1)
            pieces.append(word)
        else:
            match = _PLAIN_RUN.match(text, index)
            end = match.end() if match else index + 1
            pieces.append(text[index:end])
            index = end
    if pieces is not None:
        result.commands[-1].append("".join(pieces))
    return result


def _continues_line(text: str, index: int) -> bool:
    """Tell whether the character at ``index`` is a line continuation."""
    following = text[index + 1 : index + 3]
    return following.startswith("\n") or following == "\r\n"


def _closing_quote(text: str, start: int, quote: str) -> int:
    end = text.find(quote, start + 1)
    if end < 0:
        raise _unbalanced(text, start)
    return end


def _unbalanced(text: str, start: int) -> CurlParseError:
    return CurlParseError(
        f"the command has unbalanced quotes: the {text[start]} at character {start + 1} "
        f"is never closed; {_UNBALANCED_FIX}"
    )


def _read_double_quoted(text: str, start: int) -> tuple[str, int]:
    """Read the double-quoted string at ``start``; return it and the index after it."""
    pieces: list[str] = []
    index = start + 1
    while True:
        run = _DOUBLE_QUOTED_RUN.match(text, index)
        pieces.append(run.group())
        index = run.end()
        if index >= len(text) or index + 1 >= len(text) and text[index] == "\\":
            raise _unbalanced(text, start)
        if text[index] == '"':
            return "".join(pieces), index + 1
        escaped = text[index + 1]
        if _continues_line(text, index):
            index += 3 if escaped == "\r" else 2
        elif escaped in _DOUBLE_QUOTE_ESCAPES:
            pieces.append(escaped)
            index += 2
        else:
            pieces.append("\\")
            index += 1


def _read_ansi_c_quoted(text: str, start: int) -> tuple[str, int]:
    """Read the ``$'...'`` string whose quote is at ``start`` (bash's C escapes)."""
    pieces: list[str] = []
    index = start + 1
    while True:
        run = _ANSI_C_QUOTED_RUN.match(text, index)
        pieces.append(run.group())
        index = run.end()
        if index >= len(text):
            raise _unbalanced(text, start)
        if text[index] == "'":
            return "".join(pieces), index + 1
        escaped = text[index + 1 : index + 2]
        number = _ANSI_C_NUMBER.match(text, index + 1)
        if escaped in _ANSI_C_ESCAPES:
            pieces.append(_ANSI_C_ESCAPES[escaped])
            index += 2
        elif number:
            octal, *hexadecimal = number.groups()
            digits = octal or next(group for group in hexadecimal if group)
            code_point = int(digits, 8 if octal else 16)
            pieces.append(chr(min(code_point, 0x10FFFF)))
            index = number.end()
        else:
            # bash keeps an unknown escape as it is written.
            pieces.append("\\" + escaped)
            index += 2


def _split_short_cluster(word: str) -> list[str]:
    """Split ``-sSL`` into ``-s -S -L`` and ``-XPOST`` into ``-X POST``."""
    if not word.startswith("-") or word.startswith("--") or len(word) <= 2:
        return [word]
    result: list[str] = []
    for position in range(1, len(word)):
        option = "-" + word[position]
        if option in VALUE_SHORT_OPTIONS:
            result.append(option)
            value = word[position + 1 :]
            if value:
                result.append(value)
            return result
        result.append(option)
    return result


def _read_options(tokens: list[str], parts: _Parts, base_dir: Path) -> None:
    words = list(tokens)
    index = 0
    unknown_option: str | None = None
    while index < len(words):
        # Clusters are split only where an option is expected, never in a value.
        expanded = _split_short_cluster(words[index])
        words[index : index + 1] = expanded
        word = words[index]
        index += 1
        # An unknown option may take a value, so the word after it is kept
        # apart until _choose_url sees whether it looks like a URL.
        after_unknown, unknown_option = unknown_option, None
        if after_unknown is not None and word.startswith("-") and len(word) > 1:
            parts.notes.append(f"skipped the unknown option {after_unknown}")

        def value() -> str:
            nonlocal index
            if index >= len(words):
                raise CurlParseError(f"the option {word} needs a value after it")
            index += 1
            return words[index - 1]

        if word in ("-H", "--header"):
            header = value()
            if header.startswith("@"):
                # curl reads one header per line from a file given as @file.
                content = _read_file(header[1:], base_dir, word).decode("utf-8", errors="replace")
                for line in content.splitlines():
                    if line.strip():
                        _add_header(parts, line)
            else:
                _add_header(parts, header)
        elif word in DATA_OPTIONS:
            _add_data(parts, DATA_OPTIONS[word], value(), base_dir)
        elif word in FORM_OPTIONS:
            parts.forms.append(_parse_form(value(), FORM_OPTIONS[word], base_dir, parts))
        elif word in ("-X", "--request"):
            parts.method = value().upper()
        elif word == "--url":
            parts.arguments.append((value(), None))
        elif word in ("-u", "--user"):
            credential = value()
            encoded = base64.b64encode(credential.encode("utf-8")).decode("ascii")
            parts.headers["Authorization"] = f"Basic {encoded}"
            parts.notes.append(
                "-u sends HTTP Basic authentication; the Interaction API takes "
                "'Authorization: Bearer <token>' instead."
            )
        elif word == "--oauth2-bearer":
            parts.headers["Authorization"] = f"Bearer {value()}"
        elif word in FLAGS:
            parts.options[FLAGS[word]] = True
        elif word in IGNORED_VALUE_OPTIONS:
            skipped = value()
            parts.notes.append(f"skipped {word} {mask_text(skipped)[:60]!r}: it does not change the request")
        elif word.startswith("--") and "=" in word:
            parts.notes.append(f"skipped the unknown option {word.split('=', 1)[0]}")
        elif word.startswith("-") and len(word) > 1:
            unknown_option = word
        else:
            parts.arguments.append((word, after_unknown))
    if unknown_option is not None:
        parts.notes.append(f"skipped the unknown option {unknown_option}")


def _looks_like_url(text: str) -> bool:
    return _URL_LIKE.match(text) is not None


def _choose_url(parts: _Parts) -> str:
    """Return the URL among the arguments, noting every argument left out.

    The word right after an unknown option is taken as the URL only when it
    looks like one, because it is more likely that option's value.
    """
    url: str | None = None
    for text, unknown_option in parts.arguments:
        shown = repr(mask_text(text)[:60])
        probable_value = unknown_option is not None and not _looks_like_url(text)
        if probable_value:
            parts.notes.append(
                f"skipped the unknown option {unknown_option} and its probable value {shown}"
            )
            continue
        if unknown_option is not None:
            parts.notes.append(f"skipped the unknown option {unknown_option}")
        if url is None:
            url = text
        else:
            parts.notes.append(f"ignored the extra argument {shown}; curl would request it too")
    if url is not None:
        return url
    reason = ""
    if parts.arguments:
        # Every argument here came right after an unknown option.
        text, option = parts.arguments[0]
        reason = (
            f": {mask_text(text)[:60]!r} follows the unknown option {option}, so it is "
            "taken as that option's value and not as a URL"
        )
    raise CurlParseError(
        f"no URL was found in the command{reason}; add the endpoint URL, such as "
        "https://<host>/api/v1/interactions"
    )


def _add_header(parts: _Parts, raw: str) -> None:
    if ":" in raw:
        name, _, value = raw.partition(":")
        name, value = name.strip(), value.strip()
        if not value:
            # curl removes a header given as "Name:" with no value.
            _drop_header(parts, name)
            parts.removed_headers.add(name.lower())
            return
    elif raw.rstrip().endswith(";"):
        name, value = raw.rstrip()[:-1].strip(), ""
    else:
        parts.notes.append(f"skipped the header {mask_text(raw)[:60]!r}: it has no ':'")
        return
    if not name:
        parts.notes.append(f"skipped the header {mask_text(raw)[:60]!r}: it has no name")
        return
    existing = _find_header(parts.headers, name)
    if existing is not None:
        parts.notes.append(f"the header {name} is given twice; the last value is kept")
        del parts.headers[existing]
    parts.headers[name] = value


def _find_header(headers: dict[str, str], name: str) -> str | None:
    return next((key for key in headers if key.lower() == name.lower()), None)


def _drop_header(parts: _Parts, name: str) -> None:
    existing = _find_header(parts.headers, name)
    if existing is not None:
        del parts.headers[existing]


def _read_file(path_text: str, base_dir: Path, option: str) -> bytes:
    if path_text == "-":
        raise CurlParseError(
            f"{option} reads its data from standard input ('@-'), which cannot be "
            "imported; put the data in a file and pass @file"
        )
    path = Path(os.path.expanduser(path_text))
    if not path.is_absolute():
        path = base_dir / path
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CurlFileNotFoundError(option, path_text, base_dir) from None
    except OSError as exc:
        raise CurlParseError(f"{option} could not read the file {path_text!r}: {exc.strerror}") from None


def _add_data(parts: _Parts, kind: str, raw: str, base_dir: Path) -> None:
    option = {"data": "-d", "binary": "--data-binary", "raw": "--data-raw",
              "urlencode": "--data-urlencode", "json": "--json"}[kind]
    if kind == "raw":
        text = raw
    elif kind == "urlencode":
        text = _url_encode_data(raw, base_dir)
    elif raw.startswith("@"):
        content = _read_file(raw[1:], base_dir, option).decode("utf-8", errors="replace")
        # -d and --data-ascii drop carriage returns and newlines from a file.
        text = content.replace("\r", "").replace("\n", "") if kind == "data" else content
    else:
        text = raw
    if kind == "json":
        if parts.json_mode and parts.data:
            parts.data[-1] += text  # curl joins several --json values as one text
            return
        parts.json_mode = True
    parts.data.append(text)


def _url_encode_data(raw: str, base_dir: Path) -> str:
    name, sep, content = raw.partition("=")
    if raw.startswith("="):
        return urllib.parse.quote_plus(raw[1:])
    if not sep and "@" in raw:
        name, _, path = raw.partition("@")
        data = _read_file(path, base_dir, "--data-urlencode").decode("utf-8", errors="replace")
        encoded = urllib.parse.quote_plus(data)
        return f"{name}={encoded}" if name else encoded
    if not sep:
        return urllib.parse.quote_plus(raw)
    return f"{name}={urllib.parse.quote_plus(content)}"


def _curl_word(text: str) -> tuple[str, str]:
    """Read one -F word: a double-quoted string or text up to ``;``."""
    if text.startswith('"'):
        out: list[str] = []
        index = 1
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text) and text[index + 1] in '"\\':
                out.append(text[index + 1])
                index += 2
                continue
            if char == '"':
                rest = text[index + 1 :]
                return "".join(out), rest
            out.append(char)
            index += 1
        return "".join(out), ""
    word, sep, rest = text.partition(";")
    return word.rstrip(), (sep + rest)


def _form_params(rest: str, parts: _Parts, name: str) -> dict[str, str]:
    params: dict[str, str] = {}
    while rest.startswith(";"):
        rest = rest[1:].lstrip()
        key, sep, after = rest.partition("=")
        if not sep:
            break
        word, rest = _curl_word(after)
        key = key.strip().lower()
        if key in ("type", "filename", "headers", "encoder"):
            params[key] = word
        else:
            parts.notes.append(
                f"the -F part {name!r} has ';{key}=', which curl ignores; if it belongs "
                "to the value, put the value in double quotes"
            )
    return params


def _parse_form(raw: str, kind: str, base_dir: Path, parts: _Parts) -> tuple[str, Any]:
    name, sep, content = raw.partition("=")
    if not sep:
        raise CurlParseError(f"the form part {raw[:40]!r} has no '='; write -F 'name=value'")
    name = name.strip()
    if kind == "form-string":
        return name, {"text": content}
    if content.startswith("@"):
        path_text, rest = _curl_word(content[1:])
        params = _form_params(rest, parts, name)
        data = _read_file(path_text, base_dir, f"-F {name}=@")
        filename = params.get("filename", Path(path_text).name)
        mime = params.get("type") or mimetypes.guess_type(filename)[0]
        return name, {"file": data, "filename": filename, "type": mime or "application/octet-stream"}
    if content.startswith("<"):
        path_text, rest = _curl_word(content[1:])
        params = _form_params(rest, parts, name)
        data = _read_file(path_text, base_dir, f"-F {name}=<")
        return name, {"text": data.decode("utf-8", errors="replace"), "type": params.get("type")}
    word, rest = _curl_word(content)
    if not content.startswith('"') and rest and ";" in content:
        cut = content[len(word) :]
        if not re.match(r"^\s*;\s*(type|filename|headers|encoder)=", cut):
            parts.notes.append(
                f"the -F part {name!r} was cut at ';' as curl cuts it; put the value in "
                "double quotes (-F 'json=\"...\";type=application/json') or read it from "
                "a file (-F 'json=<payload.json;type=application/json')"
            )
    params = _form_params(rest, parts, name)
    return name, {"text": word, "type": params.get("type")}


def _assemble(parts: _Parts, environ: dict[str, str]) -> CurlCommand:
    url = _expand(_choose_url(parts), environ)
    headers = {name: _expand(value, environ) for name, value in parts.headers.items()}
    base_url, path, query = _split_url(url, parts.notes)
    request = ApiRequest(method="GET", path=path, headers=headers)
    if query:
        request.query = query
    data_text = "&".join(parts.data) if not parts.json_mode else "".join(parts.data)

    if parts.options.get("get") and parts.data:
        request.query = {**(request.query or {}), **dict(urllib.parse.parse_qsl(data_text, keep_blank_values=True))}
        method = "GET"
    elif parts.forms:
        _apply_forms(request, parts)
        method = "POST"
        if parts.data:
            parts.notes.append("both -d and -F were given, which curl rejects; the -d data was dropped")
    elif parts.data:
        _apply_data(request, parts, data_text)
        method = "POST"
    else:
        method = "HEAD" if parts.options.get("head") else "GET"
    request.method = parts.method or method
    return CurlCommand(request=request, base_url=base_url, options=dict(parts.options), notes=parts.notes)


def _apply_data(request: ApiRequest, parts: _Parts, text: str) -> None:
    content_type = _find_header(request.headers, "Content-Type")
    if content_type is None and "content-type" not in parts.removed_headers:
        if parts.json_mode:
            pass  # --json sets Content-Type and Accept itself
        else:
            request.headers["Content-Type"] = "application/x-www-form-urlencoded"
            parts.notes.append(
                "-d without a Content-Type header makes curl send "
                "application/x-www-form-urlencoded; add -H 'Content-Type: application/json'"
            )
    document = _json_document(text)
    if document is not None:
        request.json = document
    else:
        request.raw_body = text.encode("utf-8")
        if parts.json_mode:
            parts.notes.append("the --json data is not a JSON object or array; it is kept as raw text")


def _json_document(text: str) -> Any:
    """Return the JSON object or array in ``text``, or None."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, (dict, list)) else None


def _apply_forms(request: ApiRequest, parts: _Parts) -> None:
    for name, part in parts.forms:
        if name == "json":
            text = part.get("text")
            if text is None:
                text = part["file"].decode("utf-8", errors="replace")
            document = _json_document(text)
            request.json_part = document if isinstance(document, dict) else text
            if part.get("type") not in (None, "application/json"):
                parts.notes.append(f"the json part is sent as {part['type']!r}; the API expects application/json")
            elif part.get("type") is None:
                parts.notes.append("the json part has no ';type=application/json'; curl sends it without a Content-Type")
        elif "file" in part:
            if name != "attachments":
                parts.notes.append(f"the file part is named {name!r}; the API reads files only from 'attachments'")
            request.attachments.append(Attachment(part["filename"], part["file"], part["type"]))
        else:
            parts.notes.append(f"ignored the form part {name!r}: the API reads only 'json' and 'attachments'")


def _split_url(url: str, notes: list[str]) -> tuple[str, str, dict[str, str] | None]:
    text = url.strip()
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text) and not text.startswith("$"):
        text = "http://" + text  # curl's default scheme
    main, _, query_text = text.partition("?")
    main = main.split("#", 1)[0]
    position = main.find(API_PREFIX)
    if position >= 0:
        base_url, path = main[:position], main[position:]
    else:
        split = urllib.parse.urlsplit(main)
        if split.netloc:
            base_url = f"{split.scheme}://{split.netloc}"
            path = split.path or "/"
        else:
            base_url, path = main, "/"
        notes.append(f"the URL path {path!r} is not under {API_PREFIX}")
    query = dict(urllib.parse.parse_qsl(query_text, keep_blank_values=True)) if query_text else None
    return base_url.rstrip("/"), urllib.parse.unquote(path), query


def _expand(text: str, environ: dict[str, str]) -> str:
    if not environ:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return environ.get(name, match.group(0))

    return _SHELL_VARIABLE.sub(replace, text)


# Writing a request as a curl command.


def to_curl(
    request: ApiRequest,
    base_url: str,
    token_env: str = DEFAULT_TOKEN_ENV,
    *,
    attachment_dir: str | os.PathLike[str] | None = None,
) -> str:
    """Write ``request`` as a runnable curl command.

    Parameters
    ----------
    request
        The request to write.
    base_url
        Scheme and host to put before the request's path; a shell variable
        such as ``$SCRT_URL`` works too.
    token_env
        Name of the environment variable the command reads the token from:
        the Authorization header is written as ``"Authorization: Bearer
        $ISAPI_TOKEN"``, never with the token itself. Other credential
        headers (cookies, API keys) are written masked.
    attachment_dir
        Folder to write the attachments into. The command names each file
        relative to that folder, so run it from there. When None, no file is
        written and the command names each attachment by its file name.

    Returns
    -------
    str
        One option per line, joined with `` \\`` continuations. JSON bodies
        go in ``--data-raw`` (or ``--json`` when the request has no
        Content-Type header), multipart parts in ``-F``.

    Raises
    ------
    ValueError
        When the raw body is not UTF-8 text, which a shell command cannot
        carry.

    Examples
    --------
    >>> from helpers.model import ApiRequest
    >>> print(to_curl(ApiRequest("DELETE", "/api/v1/route", {"OrgId": "00D000000000001"},
    ...                          json={"conversationIdentifier": "c-1"}), "https://h"))
    curl -X DELETE 'https://h/api/v1/route' \\
      -H 'OrgId: 00D000000000001' \\
      --json '{"conversationIdentifier": "c-1"}'
    """
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", token_env):
        raise ValueError(f"token_env must be a shell variable name, not {token_env!r}")
    lines = [f"curl -X {request.method.upper()} {_url_argument(request, base_url)}"]
    for name, value in (request.headers or {}).items():
        lines.append(_header_option(name, str(value), token_env))
    lines.extend(_body_options(request, attachment_dir))
    return " \\\n  ".join(lines)


def _url_argument(request: ApiRequest, base_url: str) -> str:
    """Return the quoted URL; a base URL that is a shell variable stays expandable."""
    base = base_url.rstrip("/")
    rest = "/" + request.path.lstrip("/")
    if request.query:
        rest += "?" + urllib.parse.urlencode(request.query, quote_via=urllib.parse.quote)
    variable = _SHELL_VARIABLE.match(base)
    if variable and variable.end() == len(base):
        return f'"{base}"' + "'" + rest.replace("'", "'\\''") + "'"
    return "'" + (base + rest).replace("'", "'\\''") + "'"


def _header_option(name: str, value: str, token_env: str) -> str:
    if name.lower() == "authorization":
        scheme, _, credential = value.strip().partition(" ")
        if not credential:
            # A token sent without a scheme is a mistake worth keeping as it is.
            scheme, credential = "", scheme
        if not _SHELL_VARIABLE.fullmatch(credential.strip()):
            credential = f"${token_env}"
        prefix = f"{scheme} " if scheme else ""
        return f"-H {_quote_keeping_variables(f'{name}: {prefix}{credential.strip()}')}"
    if name.lower() in SECRET_HEADERS:
        return f"-H {_shell_quote(f'{name}: <masked>')}"
    if value == "":
        return f"-H {_shell_quote(f'{name};')}"
    return f"-H {_quote_keeping_variables(f'{name}: {value}')}"


def _quote_keeping_variables(text: str) -> str:
    """Quote ``text`` for a shell so that ``$NAME`` and ``${NAME}`` still expand.

    Variables go in double quotes and everything else in single quotes; the
    shell joins the adjacent pieces into one word.
    """
    if not _SHELL_VARIABLE.search(text):
        return _shell_quote(text)
    if not re.search(r'["\\$`!]', _SHELL_VARIABLE.sub("", text)):
        return f'"{text}"'
    pieces: list[str] = []
    position = 0
    for match in _SHELL_VARIABLE.finditer(text):
        if match.start() > position:
            pieces.append(_shell_quote(text[position : match.start()]))
        pieces.append(f'"{match.group(0)}"')
        position = match.end()
    if position < len(text):
        pieces.append(_shell_quote(text[position:]))
    return "".join(pieces)


def _body_options(request: ApiRequest, attachment_dir: str | os.PathLike[str] | None) -> list[str]:
    options: list[str] = []
    if request.raw_body is not None:
        try:
            text = request.raw_body.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(
                "the raw body is not UTF-8 text, so it cannot be written into a curl "
                "command; save it to a file and use --data-binary @file"
            ) from None
        if _find_header(request.headers or {}, "Content-Type") is None:
            options.append("-H 'Content-Type:'")  # keep curl from adding a form type
        options.append(f"--data-raw {_shell_quote(text)}")
    elif request.is_multipart:
        if request.json_part is not None:
            text = request.json_part if isinstance(request.json_part, str) else _dumps(request.json_part)
            options.append(f"-F {_shell_quote('json=' + _form_value(text) + ';type=application/json')}")
        for position, attachment in enumerate(request.attachments):
            options.append(_attachment_option(attachment, position, attachment_dir))
    elif request.json is not None:
        text = _dumps(request.json)
        if _find_header(request.headers or {}, "Content-Type") is None:
            options.append(f"--json {_shell_quote(text)}")
        else:
            options.append(f"--data-raw {_shell_quote(text)}")
    return options


def _attachment_option(
    attachment: Attachment, position: int, attachment_dir: str | os.PathLike[str] | None
) -> str:
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(attachment.filename).name) or "attachment"
    if attachment_dir is not None:
        folder = Path(attachment_dir)
        folder.mkdir(parents=True, exist_ok=True)
        disk_name = f"{position}-{safe_name}" if position else safe_name
        (folder / disk_name).write_bytes(attachment.content)
    else:
        disk_name = safe_name
    value = f"attachments=@{_form_value(disk_name)};type={attachment.mime_type}"
    if disk_name != attachment.filename:
        value += f";filename={_form_value(attachment.filename)}"
    return f"-F {_shell_quote(value)}"


def _form_value(text: str) -> str:
    """Quote a -F value for curl when it would otherwise be cut or read as a file."""
    if text and not re.search(r'[;"\\]', text) and text[0] not in "@<" and text == text.strip():
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _dumps(document: Any) -> str:
    text = json.dumps(document, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(document)
    return text


def _shell_quote(text: str) -> str:
    """Quote ``text`` for a POSIX shell with single quotes."""
    if text and re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"
