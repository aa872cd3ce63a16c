"""The data contract: code, documentation and settings agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from config import SETTINGS
from data_adapters.schema import DOMAINS, HEALTH, TABLES, tables_of

ROOT = Path(__file__).resolve().parent.parent


def test_contract_document_matches_the_code() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/data_contract.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_table_is_consistent() -> None:
    for t in TABLES:
        names = t.column_names
        assert len(names) == len(set(names)), t.name
        assert set(t.key) <= set(names), t.name
        if t.ts:
            assert t.ts in names, t.name
        assert t.fact == bool(t.ts) or t.name == "quarantine", t.name


def test_every_domain_has_facts_with_a_time_column() -> None:
    for d in DOMAINS:
        assert any(t.fact and t.ts for t in tables_of(d)), d
    assert HEALTH not in DOMAINS


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text("utf-8")
    for name in SETTINGS:
        assert f"`{name}`" in doc, f"{name} is not in docs/configuration.md"
    used = set(re.findall(r"BRAIN_[A-Z_]+", (ROOT / "config.py").read_text("utf-8")))
    assert used - {"BRAIN_X", "BRAIN_X_FILE"} <= set(SETTINGS)
