"""Troubleshooting kit for the Salesforce Interaction Service API.

The kit decodes error artifacts (response bodies, logs, curl transcripts, HAR
files) against a versioned code table, checks requests before they are sent,
talks to a real org or to a local sandbox that emulates the API, and records
redacted repro sessions that can be shared.

Modules, one per noun:

- ``helpers.codes``: the error-code table loaded from ``data/codes.csv``.
- ``helpers.decode``: turn any error artifact into findings.
- ``helpers.sandbox``: the local emulator of the API.
- ``helpers.client``, ``helpers.errors``, ``helpers.profiles``: live calls.
- ``helpers.preflight``, ``helpers.tokens``: checks before sending.
- ``helpers.journal``, ``helpers.redact``: repro sessions.
- ``helpers.triage``: log triage at scale.
- ``helpers.widgets``: composite widgets for the notebooks.
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
