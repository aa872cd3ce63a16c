"""`python -m brain alerts …` in process: silences and maintenance windows from the command line,
and `list --json` of an empty store (the commands on a seeded city: test_alert_processes.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRAIN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BRAIN_STORE_URL", raising=False)
    return tmp_path


def test_silence_and_maintenance_from_the_command_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["alerts", "silence", "--match", "domain=river", "--match", "district=440802"]
    assert main([*args, "--minutes", "90", "--who", "admin", "--maintenance"]) == 0
    assert "maintenance" in capsys.readouterr().out
    assert main(["alerts", "silences"]) == 0
    out = capsys.readouterr().out
    assert "admin: {'district': '440802', 'domain': 'river'}" in out
    assert "1 silence(s)" in out
    assert main(["alerts", "silence", "--match", "colour=red", "--minutes", "5", "--who", "x"]) == 2
    assert "unknown matcher labels ['colour']" in capsys.readouterr().err
    assert main(["alerts", "silence", "--match", "river", "--minutes", "5", "--who", "x"]) == 2
    assert (data_dir / "store.db").is_file()  # the default store: BRAIN_DATA_DIR/store.db


def test_list_json_of_an_empty_store_is_an_empty_list(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["alerts", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
