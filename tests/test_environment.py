"""Keep environment.yml valid for conda and in step with pyproject.toml.

No conda solver is reachable from CI, so these tests check what can be
checked offline. They check the YAML structure and that every dependency is a
valid conda match spec, as parsed by py-rattler. They also check that the
packages and versions agree with the exact pins in pyproject.toml.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import rattler
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_KEYS = {"name", "channels", "dependencies", "variables", "prefix"}


def load_environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def pyproject_pins() -> dict[str, str]:
    """Return {normalized name: version} for every pinned dependency."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    pins = {}
    for line in lines:
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1, f"{line!r} in pyproject.toml is not one exact pin"
        assert specifiers[0].operator == "==", f"{line!r} is not pinned with =="
        pins[normalize(requirement.name)] = specifiers[0].version
    return pins


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def conda_specs() -> list[str]:
    return [d for d in load_environment()["dependencies"] if isinstance(d, str)]


def test_environment_top_level_keys():
    environment = load_environment()
    assert isinstance(environment, dict)
    assert set(environment) <= ALLOWED_KEYS
    assert environment["name"]
    assert environment["channels"] == ["conda-forge"]


@pytest.mark.parametrize("spec", conda_specs())
def test_environment_spec_parses(spec):
    match_spec = rattler.MatchSpec(spec)
    assert match_spec.name.normalized


def test_environment_rejects_bad_spec():
    # Guards the check above: py-rattler must reject a malformed spec.
    with pytest.raises(Exception, match="unable to parse version spec"):
        rattler.MatchSpec("python==>3.11")


def test_environment_python_floor():
    specs = {}
    for spec in conda_specs():
        match_spec = rattler.MatchSpec(spec)
        specs[match_spec.name.normalized] = str(match_spec.version)
    assert specs["python"] == ">=3.11"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["requires-python"] == ">=3.11"


def test_environment_matches_pyproject_pins():
    conda = {}
    for spec in conda_specs():
        match_spec = rattler.MatchSpec(spec)
        name = match_spec.name.normalized
        if name in {"python", "pip"}:
            continue
        conda[name] = str(match_spec.version).removeprefix("==")
    # Every pinned package has the same name on PyPI and conda-forge, and the
    # dask[dataframe] extra is part of conda-forge's dask package.
    expected = pyproject_pins()
    missing = sorted(set(expected) - set(conda))
    extra = sorted(set(conda) - set(expected))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    for name, version in expected.items():
        assert conda[name] == version, (
            f"{name}: environment.yml pins {conda[name]}, pyproject.toml {version}"
        )


def test_environment_installs_kit_with_pip():
    pip_sections = [d for d in load_environment()["dependencies"] if isinstance(d, dict)]
    assert len(pip_sections) == 1
    assert pip_sections[0]["pip"] == ["-e ."]
