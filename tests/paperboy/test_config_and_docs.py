import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from paperboy.config import env_bool, env_choice, env_float, env_int, env_list, env_str, env_url

ROOT = Path(__file__).resolve().parents[2]
SETTING = re.compile(r"\b(PAPERBOY_[A-Z0-9_]+|DATABASE_URL)\b")


def test_typed_helpers_read_good_values():
    env = {"A": "42", "B": "yes", "C": "0.5", "D": "a, b,,c", "E": "https://x.org/"}
    assert env_int("A", 1, environ=env) == 42
    assert env_bool("B", False, environ=env) is True
    assert env_float("C", 1.0, environ=env) == 0.5
    assert env_list("D", [], environ=env) == ["a", "b", "c"]
    assert env_url("E", "http://d", environ=env) == "https://x.org"
    assert env_str("MISSING", "fallback", environ=env) == "fallback"


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (lambda e: env_int("X", 1, environ=e), "is not an integer"),
        (lambda e: env_int("Y", 1, minimum=5, environ=e), "below the minimum"),
        (lambda e: env_bool("X", False, environ=e), "is not a boolean"),
        (lambda e: env_float("Z", 1.0, environ=e), "not a finite number"),
        (lambda e: env_url("X", "http://d", environ=e), "is not a URL"),
        (lambda e: env_choice("X", "a", ("a", "b"), environ=e), "must be one of"),
    ],
)
def test_typed_helpers_reject_bad_values_loudly(read, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        read({"X": "abc", "Y": "2", "Z": "nan"})


def _names_used_in(paths):
    found = set()
    for path in paths:
        found.update(SETTING.findall(path.read_text()))
    return found


def test_every_setting_is_documented():
    sources = [
        *ROOT.glob("paperboy/**/*.py"),
        *ROOT.glob("catalog/**/*.py"),
        *ROOT.glob("community/**/*.py"),
        *ROOT.glob("web/**/*.py"),
        ROOT / "scripts" / "run-tests",
        ROOT / ".ci" / "run",
    ]
    documented = set(SETTING.findall((ROOT / "docs" / "configuration.md").read_text()))
    missing = _names_used_in(sources) - documented
    assert not missing, f"undocumented settings: {sorted(missing)}"


def test_every_command_is_documented_and_listed_in_the_overview():
    from paperboy.cli import OVERVIEW

    commands = {
        path.stem
        for path in (ROOT / "paperboy" / "management" / "commands").glob("*.py")
        if not path.stem.startswith("_")
    }
    reference = (ROOT / "docs" / "cli.md").read_text()
    for command in commands:
        assert f"`paperboy {command}" in reference, f"{command} missing from docs/cli.md"
        assert f"\n  {command}" in OVERVIEW, f"{command} missing from `paperboy --help`"
