"""pytest hooks for the notebooks that nbval runs in ``make test``.

nbval starts one kernel per notebook with this process's environment, and
``load_profile()`` prefers ``ISAPI_PROFILE`` and ``ISAPI_BASE_URL`` over the
sandbox. A developer who exported an org profile would send every
notebook's failing requests to that org, so both variables are removed
before the first notebook starts and the notebooks use the local sandbox.
"""

from __future__ import annotations

import logging
import os

import pytest

log = logging.getLogger(__name__)

OTHER_TARGET_VARIABLES = ("ISAPI_PROFILE", "ISAPI_BASE_URL")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for name in OTHER_TARGET_VARIABLES:
        if os.environ.pop(name, None) is not None:
            log.warning("ignoring %s: notebook tests run against the local sandbox", name)
