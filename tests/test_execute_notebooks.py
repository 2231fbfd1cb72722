"""tools/execute_notebooks.py: what `make execute` does to a notebook, on small throwaway ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

TOOL = Path(__file__).resolve().parent.parent / "tools" / "execute_notebooks.py"


def write_notebook(path: Path, *cells) -> Path:
    nb = new_notebook(cells=[new_markdown_cell("# A test notebook"), *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


def run_tool(*notebooks: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), *map(str, notebooks)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def outputs(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [
        o.text
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream"
    ]


@pytest.fixture(scope="module")
def lesson(tmp_path_factory) -> tuple[Path, bytes]:
    """A notebook in its own folder, executed once by the tool: (path, bytes written)."""
    folder = tmp_path_factory.mktemp("run") / "lessons"
    folder.mkdir()
    path = write_notebook(
        folder / "lesson.ipynb",
        new_code_cell("import os, pathlib\nprint(os.environ['PYTHONHASHSEED'], hash('minigrad'))"),
        new_code_cell("print(pathlib.Path.cwd().name)"),
        new_code_cell("import matplotlib\nprint(matplotlib.get_backend())"),
        new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
        new_code_cell("print('after the error')"),
        new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=3)"),
        new_code_cell(""),
    )
    done = run_tool(path)
    assert done.returncode == 0, done.stderr
    return path, path.read_bytes()


def test_runs_in_order_in_a_deterministic_environment(lesson):
    path, _ = lesson
    hashed, cwd, backend, after = outputs(path)
    assert hashed.split()[0] == "0"
    assert cwd.strip() == "lessons", "the kernel must run in the notebook's folder"
    assert "inline" in backend
    assert after.strip() == "after the error"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3, 4, 5, 6, None]
    assert all("execution" not in c.metadata for c in code), "timestamps must be stripped"


def test_widget_ids_are_numbered_in_order(lesson):
    _, written = lesson
    assert b'"model_id": "00000000000000000000000000000001"' in written
    assert b"IPY_MODEL_00000000000000000000000000000002" in written


def test_a_second_run_writes_the_same_bytes(lesson):
    path, written = lesson
    assert run_tool(path).returncode == 0
    assert path.read_bytes() == written


def test_an_untagged_error_fails_and_leaves_the_notebook_alone(tmp_path):
    path = write_notebook(tmp_path / "broken.ipynb", new_code_cell("raise ValueError('oops')"))
    before = path.read_bytes()
    done = run_tool(path)
    assert done.returncode == 1
    assert "ValueError" in done.stderr and "broken.ipynb" in done.stderr
    assert path.read_bytes() == before


def test_a_tagged_cell_that_does_not_raise_fails(tmp_path):
    path = write_notebook(
        tmp_path / "calm.ipynb", new_code_cell("x = 1", metadata={"tags": ["raises-exception"]})
    )
    done = run_tool(path)
    assert done.returncode == 1
    assert "raised nothing" in done.stderr


def test_a_missing_notebook_is_an_error(tmp_path):
    done = run_tool(tmp_path / "nope.ipynb")
    assert done.returncode != 0
    assert "no such notebook" in done.stderr
