"""environment.yml (conda, Binder) and pyproject.toml (pip, `make`) install the same course.

Each file is the single install recipe for one way of taking the course, so nothing but this
test keeps them in step. Names differ between the two ecosystems in one place, spelled out in
CONDA_FOR_PIP; PIP_ONLY lists what environment.yml installs with pip on purpose.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

# pip name -> conda-forge name, where they differ. conda-forge's python-graphviz is the Python
# `graphviz` package *and* Graphviz's `dot` program, so it stands for graphviz-pure as well:
# graphviz-pure only exists to give pip users a `dot`, and it is not packaged for conda.
CONDA_FOR_PIP = {"graphviz": "python-graphviz", "graphviz-pure": "python-graphviz"}
# Installed from the pip: section of environment.yml, not from conda-forge, whose builds of
# playwright lag behind PyPI's.
PIP_ONLY = {"playwright"}
# conda packages that are the environment itself, not a dependency of the course.
CONDA_TOOLING = {"python", "pip"}


def read_environment_yml(path: Path) -> dict[str, list[str] | str]:
    """Read the small subset of YAML that environment.yml uses, without a YAML library.

    Top-level `name:` (a string), `channels:` and `dependencies:` (lists of `- item`), and in
    `dependencies` one `- pip:` whose deeper-indented items are pip requirements. Comments are
    dropped. Returns {"name", "channels", "conda", "pip"}.
    """
    result: dict[str, list[str] | str] = {"name": "", "channels": [], "conda": [], "pip": []}
    section = None
    pip_indent = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        if indent == 0:
            key, _, value = text.partition(":")
            section, pip_indent = key, None
            if key == "name":
                result["name"] = value.strip()
            continue
        assert text.startswith("- "), f"environment.yml: cannot read line {raw!r}"
        item = text[2:].strip()
        if section == "channels":
            result["channels"].append(item)
        elif section == "dependencies":
            if pip_indent is not None and indent > pip_indent:
                result["pip"].append(item)
            elif item == "pip:":
                pip_indent = indent
            else:
                pip_indent = None
                result["conda"].append(item)
    return result


def installs_this_repository(pip_line: str) -> bool:
    return pip_line.removeprefix("-e").strip() in (".", "./")


def conda_name_and_spec(item: str) -> tuple[str, str]:
    """'numpy>=1.26,<3' -> ('numpy', '>=1.26,<3'); 'python=3.11' -> ('python', '==3.11.*')."""
    name, spec = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", item).groups()
    if re.fullmatch(r"=[^=<>!~,]+", spec):  # conda's `=3.11` means 3.11.*
        spec = f"=={spec[1:]}.*"
    return name.lower(), spec.replace(" ", "")


@pytest.fixture(scope="module")
def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def environment() -> dict:
    return read_environment_yml(ROOT / "environment.yml")


@pytest.fixture(scope="module")
def environment_python(environment) -> str:
    pins = [conda_name_and_spec(i) for i in environment["conda"] if i.startswith("python=")]
    assert len(pins) == 1, "environment.yml must pin python=X.Y (Binder reads it from there)"
    return pins[0][1].removeprefix("==").removesuffix(".*")


@pytest.fixture(scope="module")
def pip_requirements(pyproject, environment_python) -> dict[str, Requirement]:
    """What `make test` installs (core dependencies, course and test extras) on the Python that
    environment.yml pins: a requirement for older Pythons only (tomli) does not count."""
    project = pyproject["project"]
    extras = project["optional-dependencies"]
    lines = project["dependencies"] + extras["course"] + extras["test"]
    reqs = [Requirement(line) for line in lines]
    marker_env = {"python_version": environment_python, "extra": ""}
    return {
        req.name.lower(): req
        for req in reqs
        if req.marker is None or req.marker.evaluate(marker_env)
    }


@pytest.fixture(scope="module")
def conda_requirements(environment) -> dict[str, SpecifierSet]:
    """What environment.yml installs, by the pip name it stands for, with its version range."""
    found = {}
    for item in environment["conda"]:
        name, spec = conda_name_and_spec(item)
        if name not in CONDA_TOOLING:
            found[name] = SpecifierSet(spec)
    for line in environment["pip"]:
        if installs_this_repository(line):
            continue
        req = Requirement(line)
        found[req.name.lower()] = req.specifier
    return found


def test_the_parser_reads_every_section(environment):
    assert environment["name"] == "minigrad-course"
    assert environment["conda"], "no conda dependencies read from environment.yml"
    assert environment["pip"], "no pip: section read from environment.yml"


def test_environment_uses_conda_forge_only(environment):
    assert environment["channels"] == ["conda-forge"]


def test_environment_installs_minigrad_from_this_repository(environment):
    assert any(installs_this_repository(line) for line in environment["pip"]), (
        "environment.yml must install minigrad itself: add `-e .` to its pip: section"
    )


def test_environment_python_is_one_pyproject_supports(environment_python, pyproject):
    version = environment_python
    supported = SpecifierSet(pyproject["project"]["requires-python"])
    assert Version(version) in supported, f"python={version} is outside {supported}"


def test_environment_and_pyproject_name_the_same_packages(pip_requirements, conda_requirements):
    expected = {CONDA_FOR_PIP.get(name, name) for name in pip_requirements}
    assert set(conda_requirements) - expected == set(), (
        "environment.yml installs packages that pyproject.toml does not list"
    )
    assert expected - set(conda_requirements) == set(), (
        "pyproject.toml lists packages that environment.yml does not install"
    )


def test_environment_and_pyproject_allow_the_same_versions(pip_requirements, conda_requirements):
    for name, req in pip_requirements.items():
        conda_name = CONDA_FOR_PIP.get(name, name)
        if name == "graphviz-pure":  # stands in for conda's Graphviz, whose versions differ
            continue
        assert conda_requirements[conda_name] == req.specifier, (
            f"{name}: pyproject.toml allows {req.specifier}, "
            f"environment.yml ({conda_name}) allows {conda_requirements[conda_name]}"
        )


def test_pip_only_packages_are_in_the_pip_section(environment):
    pip_names = {
        Requirement(line).name.lower()
        for line in environment["pip"]
        if not installs_this_repository(line)
    }
    conda_names = {conda_name_and_spec(item)[0] for item in environment["conda"]}
    assert PIP_ONLY <= pip_names
    assert not PIP_ONLY & conda_names, f"{PIP_ONLY & conda_names} should be installed by pip"


def test_every_version_range_is_bounded_above(pip_requirements):
    """A range open to the future breaks a course some day without anyone changing it."""
    for name, req in pip_requirements.items():
        assert any(spec.operator in ("<", "<=", "==", "~=") for spec in req.specifier), (
            f"{name}{req.specifier} has no upper bound"
        )


def test_parser_on_a_small_file(tmp_path):
    path = tmp_path / "environment.yml"
    path.write_text(
        "name: demo  # a comment\n"
        "channels:\n  - conda-forge\n"
        "dependencies:\n"
        "  # a comment line\n"
        "  - python=3.11\n"
        "  - numpy >=1.26,<3\n"
        "  - pip:\n"
        "      - playwright>=1.45,<2\n"
        "      - -e .\n"
        "  - ruff\n"
    )
    env = read_environment_yml(path)
    assert env == {
        "name": "demo",
        "channels": ["conda-forge"],
        "conda": ["python=3.11", "numpy >=1.26,<3", "ruff"],
        "pip": ["playwright>=1.45,<2", "-e ."],
    }
    assert conda_name_and_spec("numpy >=1.26,<3") == ("numpy", ">=1.26,<3")
    assert conda_name_and_spec("python=3.11") == ("python", "==3.11.*")
