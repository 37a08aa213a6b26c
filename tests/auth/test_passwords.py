"""Finding 13: at least 10 characters, not a common password, not the username; no composition rule."""

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from benchmarks.database import PASSWORD as BENCHMARK_PASSWORD
from tests.factories import PASSWORD, login, uid
from webapp.auth.models import Role, User
from webapp.auth.passwords import common_passwords, password_problem
from webapp.auth.services import AuthError, do_create_user
from webapp.cli import main
from webapp.demo import DEMO_LOGINS
from webapp.extensions import db


def _change(client, new: str):
    return client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})


def test_finding_13_password_change_applies_the_rule(client, world) -> None:
    user = world.a.users[Role.COMMITTEE_MEMBER]
    login(client, user)
    short = _change(client, "nine-char")
    assert short.status_code == 422 and "至少需要 10 个字符" in short.get_data(as_text=True)
    for common in ("woaini1314", "1qaz2wsx3edc", "a123456789", "A123456789", "qq123456789"):
        answer = _change(client, common)
        assert answer.status_code == 422, common
        assert "过于常见" in answer.get_data(as_text=True), common
    own_name = _change(client, f"My-{user.username.upper()}-pass")
    assert own_name.status_code == 422 and "不能包含用户名" in own_name.get_data(as_text=True)
    # no composition rule: a long phrase of letters only is fine
    assert _change(client, "quiet river under the bridge").status_code == 302
    login(client, user, "quiet river under the bridge")


def test_finding_13_every_account_creation_applies_the_rule(app, database_url) -> None:
    with app.app_context():
        for weak in ("short1", "1qaz2wsx3edc", "zz-u-creator-zz"):
            with pytest.raises(AuthError):
                do_create_user(
                    db.session,
                    username="u-creator",
                    display_name="x",
                    password=weak,
                    role=Role.PLATFORM_ADMIN,
                )
            db.session.rollback()
    name = f"cli{uid()}"
    args = ["create-user", "--username", name, "--name", "N", "--role", "platform_admin"]
    refused = CliRunner().invoke(main, [*args, "--password", "a123456789"])
    assert refused.exit_code != 0 and "过于常见" in refused.output
    accepted = CliRunner().invoke(main, [*args, "--password", "plum-tree-blossom"])
    assert accepted.exit_code == 0, accepted.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == name)) is not None


def test_finding_13_demo_test_and_benchmark_passwords_pass_the_rule() -> None:
    for username, _label, password in DEMO_LOGINS:
        assert password_problem(password, username) is None, username
    assert password_problem(PASSWORD, "utest") is None
    assert password_problem(BENCHMARK_PASSWORD, "bench_import_1") is None


def test_finding_13_common_list_has_about_a_thousand_entries() -> None:
    entries = common_passwords()
    assert 900 <= len(entries) <= 1200
    assert {"woaini1314", "1qaz2wsx", "a123456789"} <= entries
