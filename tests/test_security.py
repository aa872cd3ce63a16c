"""The security store and accounts: migrations on SQLite and PostgreSQL (a version table of
their own), argon2 hashes, throttling per account and per address, display tokens stored only as
hashes, the admin actions and their audit, the command line, production without a key."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import load_settings
from security import Role, User
from security.accounts import WINDOW, Accounts, SignInError, hash_token, open_accounts
from security.admin import perform
from security.store import VERSION_TABLE, Store

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # the store is given its times: any will do
PASSWORD = "correct-horse-battery"  # a test value
ADMIN = User("root-admin", Role.ADMIN)


@pytest.fixture
def accounts(tmp_path: Path) -> Iterator[Accounts]:
    a = open_accounts(f"sqlite:///{tmp_path / 'store.db'}", max_failures=3)
    yield a
    a.store.close()


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    """A store in a PostgreSQL schema of its own (dropped at the end)."""
    schema = f"test_security_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    store = Store(f"{pg_url}?options=-csearch_path%3D{schema}")  # BRAIN_STORE_URL's form
    try:
        yield store
    finally:
        store.close()
        with engine.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _tables(store: Store) -> set[str]:
    return set(sa.inspect(store.engine).get_table_names())


def test_migrations_build_the_schema_with_their_own_version_table(accounts: Accounts) -> None:
    tables = _tables(accounts.store)
    assert VERSION_TABLE == "alembic_version_security" and VERSION_TABLE in tables
    assert {"security_users", "security_display_tokens", "security_audit"} <= tables
    assert "alembic_version" not in tables  # the alert store's env may have its own
    accounts.store._migrated.clear()
    accounts.store.migrate()  # a second upgrade is a no-op


def test_the_store_works_on_postgresql(pg_store: Store) -> None:
    pg_store.migrate()
    assert VERSION_TABLE in _tables(pg_store)
    accounts = Accounts(pg_store, max_failures=2)
    accounts.create_user("pg-duty", "duty", PASSWORD, now=T0, actor="test")
    assert accounts.authenticate("pg-duty", PASSWORD, address="10.0.0.1", now=T0).role == "duty"
    for _ in range(2):
        with pytest.raises(SignInError):
            accounts.authenticate("pg-duty", "wrong-password", address="10.0.0.1", now=T0)
    with pytest.raises(SignInError) as e:
        accounts.authenticate("pg-duty", PASSWORD, address="10.0.0.2", now=T0)
    assert e.value.reason == "throttled"
    token = accounts.create_token("pg-wall", now=T0, actor="test")
    assert accounts.display_for(token) is not None
    assert pg_store.audit()[0].action == "token.create"
    assert pg_store.audit()[0].at == T0


def test_passwords_are_argon2_hashes_and_never_in_repr(accounts: Accounts) -> None:
    row = accounts.create_user("duty-1", "duty", PASSWORD, now=T0, actor="test")
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert "argon2" not in repr(row) and PASSWORD not in repr(row)
    assert accounts.authenticate("duty-1", PASSWORD, address="a", now=T0).name == "duty-1"
    with pytest.raises(SignInError) as e:
        accounts.authenticate("duty-1", PASSWORD + "x", address="a", now=T0)
    assert e.value.reason == "bad"
    with pytest.raises(SignInError) as e:
        accounts.authenticate("nobody", PASSWORD, address="a", now=T0)
    assert e.value.reason == "bad"  # unknown and wrong are not told apart


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"name": "x"}, "2-64"),
        ({"name": "has space"}, "2-64"),
        ({"role": "root"}, "unknown role"),
        ({"role": "display"}, "display token"),
        ({"password": "short"}, "at least 10"),
    ],
)
def test_bad_accounts_are_refused_with_a_clear_error(
    accounts: Accounts, bad: dict[str, str], message: str
) -> None:
    args = {"name": "good-name", "role": "leader", "password": PASSWORD} | bad
    with pytest.raises(ValueError, match=message):
        accounts.create_user(args["name"], args["role"], args["password"], now=T0, actor="test")


def test_a_wrong_password_is_throttled_after_n_tries_per_account(accounts: Accounts) -> None:
    accounts.create_user("leader-1", "leader", PASSWORD, now=T0, actor="test")
    for i in range(3):
        with pytest.raises(SignInError) as e:
            accounts.authenticate("leader-1", "guess-" + str(i), address=f"10.0.0.{i}", now=T0)
        assert e.value.reason == "bad"
    # from a fourth address, with the right password: still refused inside the window
    with pytest.raises(SignInError) as e:
        accounts.authenticate(
            "leader-1", PASSWORD, address="10.0.0.9", now=T0 + timedelta(minutes=1)
        )
    assert e.value.reason == "throttled"
    later = T0 + WINDOW + timedelta(seconds=1)
    assert accounts.authenticate("leader-1", PASSWORD, address="10.0.0.9", now=later)


def test_a_wrong_password_is_throttled_per_address(accounts: Accounts) -> None:
    for name in ("a1-user", "a2-user", "a3-user"):
        accounts.create_user(name, "analyst", PASSWORD, now=T0, actor="test")
        with pytest.raises(SignInError):
            accounts.authenticate(name, "not-the-password", address="192.0.2.7", now=T0)
    with pytest.raises(SignInError) as e:
        accounts.authenticate("a1-user", PASSWORD, address="192.0.2.7", now=T0)
    assert e.value.reason == "throttled"
    assert accounts.authenticate("a1-user", PASSWORD, address="192.0.2.8", now=T0)
    actions = [e.action for e in accounts.store.audit()]
    assert actions.count("signin.failure") == 3 and "signin.throttled" in actions


def test_display_tokens_are_stored_as_hashes_and_revocable(accounts: Accounts) -> None:
    token = accounts.create_token("wall-1", now=T0, actor="test")
    assert len(token) >= 40
    with accounts.store.engine.connect() as c:
        stored = c.execute(sa.text("SELECT token_hash FROM security_display_tokens")).scalar()
    assert stored == hash_token(token) and token not in str(stored)
    assert accounts.display_for(token) is not None
    assert accounts.display_for(token + "x") is None
    accounts.revoke_token("wall-1", now=T0, actor="test")
    assert accounts.display_for(token) is None
    with pytest.raises(ValueError, match="revoked already"):
        accounts.revoke_token("wall-1", now=T0, actor="test")
    with pytest.raises(LookupError):
        accounts.revoke_token("wall-404", now=T0, actor="test")


def test_the_first_start_makes_one_admin_who_must_change_the_password(
    accounts: Accounts,
) -> None:
    password = accounts.bootstrap_admin(now=T0)
    assert password is not None and len(password) >= 16
    row = accounts.authenticate("admin", password, address="a", now=T0)
    assert row.role == "admin" and row.must_change
    assert accounts.bootstrap_admin(now=T0) is None  # never a second time
    with pytest.raises(ValueError, match="differ"):
        accounts.change_password("admin", password, password, now=T0)
    row = accounts.change_password("admin", password, PASSWORD, now=T0)
    assert not row.must_change and row.session_version == 2


def test_admin_actions_change_accounts_and_are_audited(accounts: Accounts) -> None:
    created = perform(
        accounts,
        "create-user",
        {"name": "new-duty", "role": "duty", "display_name": "<b>值班</b>"},
        actor=ADMIN,
        now=T0,
        address="10.1.1.1",
    )
    assert created.ok and created.key == "admin.done.create-user"
    assert accounts.authenticate("new-duty", created.fields["password"], address="x", now=T0)
    assert perform(
        accounts, "set-role", {"user": "new-duty", "role": "leader"}, actor=ADMIN, now=T0
    ).ok
    assert accounts.store.user("new-duty").role == "leader"  # type: ignore[union-attr]
    assert perform(accounts, "disable", {"user": "new-duty"}, actor=ADMIN, now=T0).ok
    assert accounts.store.user("new-duty").disabled  # type: ignore[union-attr]
    refused = perform(accounts, "disable", {"user": "nobody-here"}, actor=ADMIN, now=T0)
    assert not refused.ok and "nobody-here" in refused.fields["reason"]
    leader = User("someone", Role.LEADER)
    denied = perform(accounts, "create-token", {"token_name": "w-2"}, actor=leader, now=T0)
    assert denied.key == "admin.error.forbidden" and accounts.store.tokens() == []
    token = perform(accounts, "create-token", {"token_name": "w-2"}, actor=ADMIN, now=T0)
    assert accounts.display_for(token.fields["token"]) is not None
    log = [(e.actor, e.action, e.target) for e in reversed(accounts.store.audit())]
    assert log[:4] == [
        ("root-admin", "user.create", "new-duty"),
        ("new-duty", "signin", ""),
        ("root-admin", "user.set-role", "new-duty"),
        ("root-admin", "user.disable", "new-duty"),
    ]
    assert log[-1] == ("root-admin", "token.create", "w-2")


def test_the_audit_log_has_no_way_to_change_an_entry() -> None:
    public = {n for n in dir(Store) if not n.startswith("_")}
    assert not {n for n in public if "audit" in n or n == "log"} - {"audit", "log"}
    assert not any(n.startswith(("update_audit", "delete", "clear_audit")) for n in public)


def _cli(*args: str, data_dir: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), BRAIN_DATA_DIR=str(data_dir))
    env.pop("BRAIN_STORE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "brain", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_manages_accounts_and_tokens(tmp_path: Path) -> None:
    made = _cli("users", "create", "--name", "cli-duty", "--role", "duty", data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "one-time password of cli-duty" in made.stdout
    piped = _cli(
        "users", "create", "--name", "cli-ops", "--role", "admin", "--password-stdin",
        data_dir=tmp_path, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert piped.returncode == 0 and PASSWORD not in piped.stdout
    again = _cli("users", "create", "--name", "cli-ops", data_dir=tmp_path)
    assert again.returncode == 2 and "exists already" in again.stderr
    assert (
        _cli(
            "users", "set-role", "--name", "cli-duty", "--role", "analyst", data_dir=tmp_path
        ).returncode
        == 0
    )
    assert _cli("users", "disable", "--name", "cli-duty", data_dir=tmp_path).returncode == 0
    listed = _cli("users", "list", data_dir=tmp_path).stdout
    assert "cli-duty" in listed and "analyst" in listed and "disabled" in listed
    assert "cli-ops" in listed and "argon2" not in listed
    token = _cli("display-token", "create", "--name", "wall-a", data_dir=tmp_path).stdout.strip()
    accounts = open_accounts(f"sqlite:///{tmp_path / 'store.db'}")
    assert accounts.display_for(token) is not None
    assert _cli("display-token", "revoke", "--name", "wall-a", data_dir=tmp_path).returncode == 0
    assert accounts.display_for(token) is None
    assert "revoked" in _cli("display-token", "list", data_dir=tmp_path).stdout
    assert "error:" in _cli("display-token", "revoke", "--name", "none", data_dir=tmp_path).stderr
    accounts.store.close()


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    from app import create_app

    settings = replace(load_settings({"BRAIN_ENV": "production"}), data_dir=tmp_path)
    assert settings.secure_cookies  # Secure cookies are on by default in production
    with pytest.raises(RuntimeError, match="BRAIN_SECRET_KEY"):
        create_app(settings)


def test_store_url_and_oidc_secret_stay_out_of_repr() -> None:
    settings = load_settings(
        {
            "BRAIN_STORE_URL": "postgresql://brain:pg-secret-pw@db:5432/brain",
            "BRAIN_OIDC_CLIENT_SECRET": "oidc-secret-value",
        }
    )
    assert settings.store_database_url.endswith("@db:5432/brain")
    assert "pg-secret-pw" not in repr(settings) and "oidc-secret-value" not in repr(settings)
    assert "pg-secret-pw" not in repr(Store("sqlite://"))
    store = Store("postgresql+psycopg://brain:pg-secret-pw@127.0.0.1:1/brain")
    assert "pg-secret-pw" not in repr(store)
    assert load_settings({}).store_database_url.endswith("store.db")


def test_a_hash_of_other_parameters_is_replaced_at_sign_in(accounts: Accounts) -> None:
    """Passwords are hashed with argon2id at 19 MiB, 2 passes and 1 lane; a hash made with
    other parameters (argon2-cffi's defaults) still signs in, and is replaced by one of these."""
    from argon2 import PasswordHasher

    fresh = accounts.create_user("duty-2", "duty", PASSWORD, now=T0, actor="test")
    assert fresh.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    accounts.store.update_user("duty-2", password_hash=PasswordHasher().hash(PASSWORD))
    assert accounts.authenticate("duty-2", PASSWORD, address="a", now=T0).name == "duty-2"
    row = accounts.store.user("duty-2")
    assert row is not None and row.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_workers_starting_together_migrate_an_empty_postgresql_store_in_turn(pg_url: str) -> None:
    """Several gunicorn workers open the store at once on an empty database: each migrates, in
    turn (an advisory lock), and none fails on a table or version row another one just made."""
    import threading

    schema = f"test_security_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    stores = [Store(f"{pg_url}?options=-csearch_path%3D{schema}") for _ in range(4)]
    start, errors = threading.Barrier(len(stores)), []

    def open_store(store: Store) -> None:
        start.wait()
        try:
            store.migrate()
        except Exception as err:  # any failure is the finding
            errors.append(err)

    try:
        threads = [threading.Thread(target=open_store, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "a migration waits on another for ever"
        assert errors == []
        assert {"security_users", VERSION_TABLE} <= _tables(stores[0])
    finally:
        for s in stores:
            s.close()
        with engine.begin() as c:
            c.execute(sa.text("SET lock_timeout = '10s'"))
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
