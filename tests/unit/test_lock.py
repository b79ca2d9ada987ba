"""The lock files pin every dependency of pyproject.toml at a version it allows (so installs are the tested one)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _wanted(*extras: str) -> list[Requirement]:
    """The project's requirements with these extras, its own extras ("dondoc[train]") expanded."""
    out, todo = [], [*PROJECT["dependencies"], *(r for e in extras for r in PROJECT["optional-dependencies"][e])]
    for text in todo:
        requirement = Requirement(text)
        if canonicalize_name(requirement.name) == canonicalize_name(PROJECT["name"]):
            todo.extend(r for e in requirement.extras for r in PROJECT["optional-dependencies"][e])
        else:
            out.append(requirement)
    return out


def _pins(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name.split("[")[0].strip())] = version.split(";")[0].strip()
    return pins


@pytest.mark.parametrize(("lock", "wanted"), [("run.lock", _wanted()), ("test.lock", _wanted("test"))])
def test_every_dependency_is_pinned_at_an_allowed_version(lock: str, wanted: list[Requirement]) -> None:
    pins = _pins(lock)
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in requirements/{lock}: run scripts/lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} in requirements/{lock} does not satisfy {requirement}: run scripts/lock")


def test_the_service_runs_the_tested_versions() -> None:
    tested = _pins("test.lock")
    assert {name: version for name, version in _pins("run.lock").items() if tested.get(name) != version} == {}
