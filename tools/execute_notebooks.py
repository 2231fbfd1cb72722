"""Run notebooks top to bottom in a fresh kernel and save their outputs in place.

    python tools/execute_notebooks.py                      # all of notebooks/ and solutions/
    python tools/execute_notebooks.py notebooks/02_*.ipynb # some of them

`make execute` runs this with the venv's Python. Each notebook gets its own kernel, started from
the Python that runs this script (so it sees the installed minigrad, whatever kernel the
notebook names), in the notebook's own folder, with a deterministic environment:
PYTHONHASHSEED=0, matplotlib's inline backend, and the venv's graphviz-pure for graphs. So the
outputs written here are the ones `make test` (nbval) expects, on any machine.

A cell that raises fails the run, unless it is tagged `raises-exception`; a cell with that tag
that does not raise fails it too, since the lesson says it does. A notebook that fails is not
written. Volatile metadata (execution timestamps) is removed and Jupyter widget ids are
renumbered in order, so running twice gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import nbformat
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDERS = ("notebooks", "solutions")
CELL_TIMEOUT = 120  # seconds
RAISES_TAG = "raises-exception"
# Cell metadata that records when or how long a cell ran (nbclient, JupyterLab, the
# jupyterlab-execute-time extension): it changes on every run and says nothing about the lesson.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


class ThisPythonKernelSpecs(KernelSpecManager):
    """Every kernel name means an ipykernel running this script's own Python.

    A notebook's metadata names a kernel (usually "python3"), and a user-wide kernelspec of that
    name may point at another Python without minigrad. Executing the course must not depend on
    that, so whatever the notebook asks for, we start the venv's Python.
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())


def set_deterministic_environment() -> None:
    """Environment the kernels inherit: the same string hashing, plotting and graph layout."""
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    pure = Path(bin_dir) / "graphviz-pure"
    if "MINIGRAD_DOT" not in os.environ and pure.exists():
        os.environ["MINIGRAD_DOT"] = str(pure)
    # The matrix library as `make test` pins it (see CHECK_ENV in the Makefile): one thread, and
    # on x86 with AVX2 one family of kernels, so float32 matmuls round the same on every machine.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    if has_avx2():
        os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")


def has_avx2() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx2" in flags


def strip_volatile_metadata(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code" and not cell.source.strip():
            cell.execution_count = None
            cell.outputs = []


def merge_streams(nb: nbformat.NotebookNode) -> None:
    """Join consecutive pieces of the same stream into one output.

    The kernel sends printed text in chunks whose boundaries depend on timing, so one
    print can arrive as one output or as two. Joined, the saved file is the same every run.
    """
    for cell in nb.cells:
        merged = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (output.get("output_type") == "stream" and previous is not None
                    and previous.get("output_type") == "stream"
                    and previous.get("name") == output.get("name")):
                previous["text"] = previous["text"] + output["text"]
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged


def renumber_widget_ids(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace the random ids of Jupyter widgets by 0000...0001, 0000...0002, in a fixed order.

    ipywidgets names each widget model with a fresh uuid4, so an executed notebook with a slider
    would differ from the last run in every widget output and in the saved widget state. The
    order must not depend on the ids themselves: first the widgets the outputs show, in cell
    order, then the models they refer to (a slider's layout and style), attribute by attribute,
    then any other model in the order the kernel created it.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    order: list[str] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") and view["model_id"] not in order:
                order.append(view["model_id"])
    for model_id in order:  # grows while we walk it: a breadth-first walk of references
        attributes = state.get(model_id, {}).get("state", {})
        for _, value in sorted(attributes.items()):
            for ref in re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(value, sort_keys=True)):
                if ref not in order:
                    order.append(ref)
    order += [model_id for model_id in state if model_id not in order]
    if not order:
        return nb
    new_ids = {old: f"{n:032x}" for n, old in enumerate(order, start=1)}
    text = re.sub(r"[0-9a-f]{32}", lambda m: new_ids.get(m.group(), m.group()), nbformat.writes(nb))
    return nbformat.reads(text, as_version=4)


def cells_that_should_have_raised(nb: nbformat.NotebookNode) -> list[int]:
    return [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and RAISES_TAG in cell.metadata.get("tags", [])
        and not any(output.get("output_type") == "error" for output in cell.outputs)
    ]


def execute(path: Path, timeout: int) -> str | None:
    """Execute one notebook and write it back; return a description of the failure, if any."""
    nb = nbformat.read(path, as_version=4)
    km = AsyncKernelManager(kernel_spec_manager=ThisPythonKernelSpecs(), kernel_name="python3")
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        startup_timeout=120,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        return f"a cell raised (tag it {RAISES_TAG!r} if that is the lesson):\n{exc}"
    except CellTimeoutError as exc:
        return f"a cell ran longer than {timeout} s:\n{exc}"
    except DeadKernelError as exc:
        return f"the kernel died: {exc}"
    missing = cells_that_should_have_raised(nb)
    if missing:
        return f"cells {missing} are tagged {RAISES_TAG!r} but raised nothing"
    strip_volatile_metadata(nb)
    merge_streams(nb)
    nb = renumber_widget_ids(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return None


def default_notebooks() -> list[Path]:
    return [p for folder in DEFAULT_FOLDERS for p in sorted((ROOT / folder).glob("*.ipynb"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb solutions/*.ipynb"
    )
    parser.add_argument(
        "--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell (%(default)s)"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or default_notebooks()
    if not paths:
        print("execute_notebooks: no notebooks in notebooks/ or solutions/ yet")
        return 0
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")

    set_deterministic_environment()
    failures = []
    for path in paths:
        print(f"executing {path} ...", flush=True)
        problem = execute(path.resolve(), args.timeout)
        if problem:
            failures.append(path)
            print(f"FAILED {path}: {problem}\n", file=sys.stderr, flush=True)
    print(f"{len(paths) - len(failures)} notebooks executed and saved, {len(failures)} failed")
    for path in failures:
        print(f"  failed, not written: {path}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
