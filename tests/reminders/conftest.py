"""The plain township of the reminder tests: one branch and its admin (modules may override it)."""

import pytest

from tests.factories import make_branch, make_county, make_township, make_user
from webapp.auth.models import Role


@pytest.fixture()
def town(app):
    """A township with a branch and its admin."""
    with app.app_context():
        township = make_township(make_county())
        return township, make_branch(township), make_user(Role.TOWNSHIP_ADMIN, township)
