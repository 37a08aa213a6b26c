"""The browser harness of tests/e2e, for the reminder pages."""

from tests.e2e.conftest import (  # noqa: F401 - fixtures, used by name
    browser,
    live_server,
    page,
    phone_page,
    pytest_runtest_makereport,
    world,
)
