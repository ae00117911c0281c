"""The install story: the lock file agrees with pyproject.toml, the metadata is complete,
and every file the package needs at run time ships in it."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = ROOT / "requirements" / "dev.txt"
GPU_LOCK = ROOT / "requirements" / "gpu.txt"


def _locked(lock: Path = LOCK) -> dict[str, list[tuple[str, str]]]:
    """name -> [(version, marker)] as pinned in the lock, with their hashes present."""
    pins: dict[str, list[tuple[str, str]]] = {}
    text = lock.read_text()
    for match in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)(?: ; ([^\\\n]+))?", text, re.M):
        pins.setdefault(canonicalize_name(match[1]), []).append((match[2], match[3] or ""))
    return pins


@pytest.mark.parametrize(("lock", "extra"), [(LOCK, "dev"), (GPU_LOCK, "gpu")])
def test_every_requirement_of_pyproject_is_locked_at_a_version_it_allows(lock, extra):
    locked = _locked(lock)
    extras = PYPROJECT["project"]["optional-dependencies"]
    wanted = PYPROJECT["project"]["dependencies"] + extras[extra]
    problems = []
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement.name} is not in {lock.name}")
            continue
        for version, _ in locked[name]:
            if not requirement.specifier.contains(version, prereleases=True):
                problems.append(f"{requirement.name}=={version} is outside {requirement}")
    assert not problems, "run `make lock`: " + "; ".join(problems)


@pytest.mark.parametrize("lock", [LOCK, GPU_LOCK])
def test_every_locked_package_carries_hashes(lock):
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", lock.read_text().split("\n", 2)[2])
    assert blocks and all("--hash=sha256:" in block for block in blocks if "==" in block)


def test_the_lock_was_made_for_every_supported_python():
    header = LOCK.read_text().splitlines()[1]
    assert "--universal" in header and "--generate-hashes" in header
    assert PYPROJECT["project"]["requires-python"] == ">=3.11,<3.14"
    classifiers = PYPROJECT["project"]["classifiers"]
    for version in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers


def test_metadata_is_complete():
    project = PYPROJECT["project"]
    for key in ("description", "readme", "license", "requires-python", "urls", "classifiers"):
        assert project.get(key), key
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License")
