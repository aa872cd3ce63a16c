"""The message catalogs: both languages complete, every key the code asks for present, and no
UI text written into layouts/ outside a catalog."""

from __future__ import annotations

import ast
import csv
import json
import re
import string
from pathlib import Path

import pytest

from layouts.i18n import LANGS, LOCALES, catalog, fmt_pct, lang_of, other_lang, t

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
CATALOG_MODULES = {"i18n.py", "map_i18n.py"}  # catalogs written as Python
# Codes of national standards that happen to be Chinese (GB 3838-2002 "worse than class V").
STANDARD_CODES = {"劣V"}


def _place_names() -> set[str]:
    """Names of the city and its divisions: data from reference/, not UI text."""
    with (ROOT / "reference" / "zhanjiang_divisions.csv").open(encoding="utf-8") as fh:
        return {row["name_zh"] for row in csv.DictReader(fh)} | {"湛江市"}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_have_the_same_keys() -> None:
    files = {lang: json.loads((LOCALES / f"{lang}.json").read_text("utf-8")) for lang in LANGS}
    assert set(files["zh"]) == set(files["en"])
    assert set(catalog("zh")) == set(catalog("en"))  # with the map's own messages merged in


def test_every_page_catalog_exists_in_both_languages_with_the_same_keys() -> None:
    pages = {lang: {p.name for p in (LOCALES / lang).glob("*.json")} for lang in LANGS}
    assert pages["zh"] == pages["en"]
    for name in pages["zh"]:
        keys = [set(json.loads((LOCALES / lang / name).read_text("utf-8"))) for lang in LANGS]
        assert keys[0] == keys[1], name


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_formats(lang: str) -> None:
    names = {n for text in catalog("zh").values() for n in _fields(text)}
    names |= {n for text in catalog("en").values() for n in _fields(text)}
    values = dict.fromkeys(names, 7)
    for key, text in catalog(lang).items():
        if key.startswith("map."):
            continue  # the map's messages take positional fields (layouts/map_i18n.py)
        text.format(**values)


def _keys_in_code() -> tuple[set[str], set[str]]:
    """Literal keys passed to t(...) and the prefixes of keys built with f-strings."""
    literal, prefixes = set(), set()
    for path in [
        ROOT / "app.py",
        *(ROOT / "layouts").glob("*.py"),
        *(ROOT / "callbacks").glob("*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t"):
                continue
            if not node.args:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                literal.add(arg.value)
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                prefixes.add(str(arg.values[0].value))
    return literal, prefixes


def test_every_key_the_code_uses_exists() -> None:
    literal, prefixes = _keys_in_code()
    known = set(catalog("zh"))
    assert len(literal) > 40
    assert literal - known == set()
    assert {p for p in prefixes if not any(k.startswith(p) for k in known)} == set()


def _cjk_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    allowed = STANDARD_CODES | _place_names()
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and CJK.search(node.value)
        ):
            rest = node.value
            for word in sorted(allowed, key=len, reverse=True):
                rest = rest.replace(word, "")
            if CJK.search(rest):
                found.append((node.lineno, node.value))
    return found


def test_no_chinese_ui_text_in_layouts_outside_a_catalog() -> None:
    offenders = {
        path.name: found
        for path in sorted((ROOT / "layouts").glob("*.py"))
        if path.name not in CATALOG_MODULES and (found := _cjk_literals(path))
    }
    assert offenders == {}


def test_lookup_rules() -> None:
    assert t("wall.title") == "湛江城市大脑 · 指挥中心"
    assert t("wall.title", "en") == "Zhanjiang City Brain · Command Center"
    assert t("badge.stale", "en", time="09:05") == "Data as of 09:05"
    assert t("no.such.key", "en") == "no.such.key"
    assert lang_of("EN-gb") == "en" and lang_of(None) == "zh" and lang_of("fr") == "zh"
    assert other_lang("zh") == "en" and other_lang("en") == "zh"
    assert fmt_pct(4.25) == "+4.2%" and fmt_pct(None) == "—"


def test_no_page_catalog_redefines_a_key_of_another_catalog() -> None:
    """Catalogs are merged into one: a page's key that another catalog also defines would
    silently change the other's text (the wall's economy panel took the economy page's longer
    indicator names that way)."""
    for lang in LANGS:
        seen = dict.fromkeys(json.loads((LOCALES / f"{lang}.json").read_text("utf-8")), "base")
        for path in sorted((LOCALES / lang).glob("*.json")):
            for key in json.loads(path.read_text("utf-8")):
                assert key not in seen, f"{lang}: {key} in {path.name} and {seen[key]}"
                seen[key] = path.name
