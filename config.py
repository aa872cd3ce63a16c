"""Settings of Zhanjiang Brain, read from `BRAIN_*` environment variables in this one place.

Secrets may come from files: for any setting `BRAIN_X`, `BRAIN_X_FILE` names a file whose content
is used instead (the way container secrets are mounted). Secrets never appear in `repr`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings", "load_settings"]

ROOT = Path(__file__).resolve().parent

# Documented settings: name → (default, meaning). docs/configuration.md lists each of them.
SETTINGS: dict[str, tuple[str, str]] = {
    "BRAIN_DATA_DIR": ("data", "folder of the embedded data node, caches and local stores"),
    "BRAIN_DATA_URL": (
        "",
        "data node URL: empty for the embedded DuckDB node under BRAIN_DATA_DIR, "
        "or postgresql://user@host:port/db",
    ),
    "BRAIN_DATA_SCHEMA": (
        "",
        "schema of the data node tables on a server engine (default: public)",
    ),
    "BRAIN_CACHE_URL": (
        "",
        "cache: empty for the file system under BRAIN_DATA_DIR/cache, "
        "redis://host:port/db for a shared Redis cache, 'null' to disable",
    ),
    "BRAIN_SECRET_KEY": (
        "",
        "Flask secret_key that signs session cookies (random per process when empty)",
    ),
    "BRAIN_STORE_URL": (
        "",
        "SQL store of accounts, display tokens, audit log and alerts: empty for SQLite at "
        "BRAIN_DATA_DIR/store.db, or postgresql://user@host:port/db",
    ),
    "BRAIN_ENV": ("development", "development or production (production requires a secret key)"),
    "BRAIN_SECURE_COOKIES": (
        "",
        "1: session cookies only over HTTPS (Secure); empty: on in production, off otherwise",
    ),
    "BRAIN_LOGIN_MAX_FAILURES": (
        "5",
        "failed sign-ins per account or per address within 15 minutes before sign-in is refused",
    ),
    "BRAIN_OIDC_ISSUER": ("", "OIDC issuer URL of the identity service (empty: OIDC off)"),
    "BRAIN_OIDC_CLIENT_ID": ("", "OIDC client id of this app"),
    "BRAIN_OIDC_CLIENT_SECRET": ("", "OIDC client secret of this app"),
    "BRAIN_OIDC_ROLE_CLAIM": ("roles", "ID token claim holding the user's roles"),
    "BRAIN_OIDC_ROLE_MAP": (
        "",
        "claim value → role, e.g. 'zj-leaders=leader,zj-duty=duty' (unmapped values: no access)",
    ),
    "BRAIN_HOST": ("127.0.0.1", "address the development server listens on"),
    "BRAIN_PORT": ("8050", "port the development server listens on"),
    "BRAIN_SIM_INTERVAL": ("5", "seconds between two ticks of the live feed"),
    "BRAIN_SEED": ("20151004", "seed of the simulated city (deterministic for a seed)"),
    "BRAIN_LIVE_FEED": ("1", "1: `make run` starts the live feed beside the app; 0: it does not"),
    "BRAIN_REFRESH_S": ("5", "seconds between two refreshes of the wall"),
    "BRAIN_QUERY_TIMEOUT_S": (
        "10",
        "seconds a server data node has to answer one query before it counts as failed",
    ),
    "BRAIN_LANG": ("zh", "default language of the UI: zh or en"),
    "BRAIN_ALERT_RULES": ("", "alert rule file (empty: rules/alerts.yaml)"),
    "BRAIN_ALERT_INTERVAL_S": (
        "",
        "seconds between two evaluations of the alert rules (empty: BRAIN_REFRESH_S)",
    ),
    "BRAIN_ALERT_ENGINE": (
        "1",
        "1: `serve` and gunicorn workers run the alert evaluator (one evaluates at a time, "
        "through the store's lease); 0: only `alerts run` does",
    ),
    "BRAIN_ALERT_WEBHOOK_URL": (
        "",
        "webhook that receives firing and resolved alerts (empty: none)",
    ),
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    data_url: str = ""
    data_schema: str = ""
    cache_url: str = ""
    secret_key: str = field(default="", repr=False)
    store_url: str = field(default="", repr=False)  # may hold a password
    env: str = "development"
    secure_cookies: bool = False
    login_max_failures: int = 5
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_role_claim: str = "roles"
    oidc_role_map: str = ""
    host: str = "127.0.0.1"
    port: int = 8050
    sim_interval_s: float = 5.0
    seed: int = 20151004
    live_feed: bool = True
    refresh_s: float = 5.0
    query_timeout_s: float = 10.0
    lang: str = "zh"
    alert_rules: str = ""
    alert_interval: float = 0.0  # 0: refresh_s
    alert_engine: bool = True
    alert_webhook_url: str = field(default="", repr=False)  # may hold a gateway token

    @property
    def alert_interval_s(self) -> float:
        """Seconds between two evaluations of the alert rules."""
        return self.alert_interval or self.refresh_s

    @property
    def embedded(self) -> bool:
        """True when the data node is the embedded DuckDB node."""
        return not self.data_url

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def store_database_url(self) -> str:
        """SQLAlchemy URL of the SQL store: `store_url`, else SQLite at data_dir/store.db."""
        return self.store_url or f"sqlite:///{self.data_dir / 'store.db'}"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "brain.duckdb"


def _get(env: Mapping[str, str], name: str) -> str:
    path = env.get(name + "_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return env.get(name, SETTINGS[name][0])


def _secure_cookies(env: Mapping[str, str]) -> bool:
    value = _get(env, "BRAIN_SECURE_COOKIES").strip().lower()
    if not value:
        return _get(env, "BRAIN_ENV") == "production"
    return value not in ("0", "false", "no")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (the process environment by default)."""
    env = os.environ if env is None else env
    data_dir = Path(_get(env, "BRAIN_DATA_DIR"))
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    return Settings(
        data_dir=data_dir,
        data_url=_get(env, "BRAIN_DATA_URL"),
        data_schema=_get(env, "BRAIN_DATA_SCHEMA"),
        cache_url=_get(env, "BRAIN_CACHE_URL"),
        secret_key=_get(env, "BRAIN_SECRET_KEY"),
        store_url=_get(env, "BRAIN_STORE_URL"),
        env=_get(env, "BRAIN_ENV"),
        secure_cookies=_secure_cookies(env),
        login_max_failures=int(_get(env, "BRAIN_LOGIN_MAX_FAILURES")),
        oidc_issuer=_get(env, "BRAIN_OIDC_ISSUER"),
        oidc_client_id=_get(env, "BRAIN_OIDC_CLIENT_ID"),
        oidc_client_secret=_get(env, "BRAIN_OIDC_CLIENT_SECRET"),
        oidc_role_claim=_get(env, "BRAIN_OIDC_ROLE_CLAIM"),
        oidc_role_map=_get(env, "BRAIN_OIDC_ROLE_MAP"),
        host=_get(env, "BRAIN_HOST"),
        port=int(_get(env, "BRAIN_PORT")),
        sim_interval_s=float(_get(env, "BRAIN_SIM_INTERVAL")),
        seed=int(_get(env, "BRAIN_SEED")),
        live_feed=_get(env, "BRAIN_LIVE_FEED") not in ("0", "false", "no"),
        refresh_s=float(_get(env, "BRAIN_REFRESH_S")),
        query_timeout_s=float(_get(env, "BRAIN_QUERY_TIMEOUT_S")),
        lang=_get(env, "BRAIN_LANG"),
        alert_rules=_get(env, "BRAIN_ALERT_RULES"),
        alert_interval=float(_get(env, "BRAIN_ALERT_INTERVAL_S") or 0),
        alert_engine=_get(env, "BRAIN_ALERT_ENGINE") not in ("0", "false", "no"),
        alert_webhook_url=_get(env, "BRAIN_ALERT_WEBHOOK_URL"),
    )
