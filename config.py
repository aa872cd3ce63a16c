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
    "BRAIN_HOST": ("127.0.0.1", "address the development server listens on"),
    "BRAIN_PORT": ("8050", "port the development server listens on"),
    "BRAIN_SIM_INTERVAL": ("5", "seconds between two ticks of the live feed"),
    "BRAIN_SEED": ("20151004", "seed of the simulated city (deterministic for a seed)"),
    "BRAIN_LIVE_FEED": ("1", "1: `make run` starts the live feed beside the app; 0: it does not"),
    "BRAIN_REFRESH_S": ("5", "seconds between two refreshes of the wall"),
    "BRAIN_LANG": ("zh", "default language of the UI: zh or en"),
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    data_url: str = ""
    data_schema: str = ""
    cache_url: str = ""
    secret_key: str = field(default="", repr=False)
    host: str = "127.0.0.1"
    port: int = 8050
    sim_interval_s: float = 5.0
    seed: int = 20151004
    live_feed: bool = True
    refresh_s: float = 5.0
    lang: str = "zh"

    @property
    def embedded(self) -> bool:
        """True when the data node is the embedded DuckDB node."""
        return not self.data_url

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
        host=_get(env, "BRAIN_HOST"),
        port=int(_get(env, "BRAIN_PORT")),
        sim_interval_s=float(_get(env, "BRAIN_SIM_INTERVAL")),
        seed=int(_get(env, "BRAIN_SEED")),
        live_feed=_get(env, "BRAIN_LIVE_FEED") not in ("0", "false", "no"),
        refresh_s=float(_get(env, "BRAIN_REFRESH_S")),
        lang=_get(env, "BRAIN_LANG"),
    )
