"""Find a Graphviz ``dot`` program and render DOT source with it.

minigrad draws graphs as DOT source (plain text) and hands it to the Python package ``graphviz``,
which does no layout itself: it runs a ``dot`` executable and reads the picture back. Learners
cannot be asked for root or for a system Graphviz, so this module also knows about
``graphviz-pure``, a self-contained dot-compatible program that ``pip install graphviz-pure``
puts next to the Python interpreter (the ``course`` extra installs it).

Three places are searched, in this order (see :func:`find_dot`): a ``dot`` on ``PATH`` (a system
Graphviz, which the learner chose to install, wins); ``graphviz-pure`` on ``PATH``; and
``graphviz-pure`` in the folder of ``sys.executable``. The last one matters in JupyterLab: a
kernel started from a virtual environment runs that environment's Python, but nothing activated
the environment, so its ``bin/`` folder is usually not on the kernel's ``PATH``.

The environment variable ``MINIGRAD_DOT`` (a program name or path) overrides the search. ``make
test`` sets it to the venv's ``graphviz-pure``, which writes the same SVG bytes on every machine,
so the graphs saved in the notebooks compare equal whether or not a system Graphviz (whose
layout differs from version to version) is installed.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

__all__ = ["GraphvizNotFound", "configure_graphviz", "find_dot", "render"]

PURE_PROGRAM = "graphviz-pure"
OVERRIDE_VAR = "MINIGRAD_DOT"
FORMATS = ("svg", "png")

_INSTALL_HELP = """\
Install one of these, then restart the kernel:
  - Debian/Ubuntu:  sudo apt-get install graphviz
  - macOS:          brew install graphviz
  - conda:          conda install -c conda-forge python-graphviz
  - pip, no root:   pip install graphviz-pure   (what `make lab` installs into .venv)
The DOT source of the graph is still available: it is plain text, so you can print it or paste
it into any Graphviz viewer."""


class GraphvizNotFound(RuntimeError):
    """No program that can lay out a graph was found, so a graph cannot be drawn.

    Raised instead of ``graphviz.ExecutableNotFound`` so that the learner reads what is missing
    and how to get it, whichever way they installed the course. ``dot_source`` keeps the DOT text
    of the graph that could not be drawn (``None`` if there was none), so a caller can still
    show it.
    """

    def __init__(self, detail: str | None = None, *, dot_source: str | None = None) -> None:
        self.dot_source = dot_source
        override = os.environ.get(OVERRIDE_VAR)
        if detail:
            problem = detail
        elif override:
            problem = (
                f"Cannot draw the graph: {OVERRIDE_VAR}={override!r} is set, but no such program "
                f"was found. Unset {OVERRIDE_VAR} to search for one, or point it at a program."
            )
        else:
            problem = (
                "Cannot draw the graph: no Graphviz program was found (neither `dot` nor "
                f"`{PURE_PROGRAM}` on PATH, nor `{PURE_PROGRAM}` next to {sys.executable})."
            )
        super().__init__(f"{problem}\n{_INSTALL_HELP}")


def _script_dirs() -> list[str]:
    """Folders where pip puts the programs of packages installed for this interpreter.

    ``sys.executable``'s own folder comes first (a virtual environment's ``bin/``, or
    ``Scripts\\`` on Windows); then the install scheme's scripts folder and the user scheme's
    (``pip install --user`` puts programs in ``~/.local/bin``, which is often not on ``PATH``).
    """
    dirs = [str(Path(sys.executable).parent)]
    for scheme in (sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user")):
        path = sysconfig.get_path("scripts", scheme)
        if path not in dirs:
            dirs.append(path)
    return dirs


def find_dot() -> str | None:
    """Return the path of a program that can lay out DOT source, or ``None``.

    Order: ``dot`` on ``PATH``; ``graphviz-pure`` on ``PATH``; ``graphviz-pure`` next to
    ``sys.executable`` (and in this interpreter's other scripts folders). ``MINIGRAD_DOT``, when
    set, replaces the search: its program or nothing. It is looked up anew on every call, which
    costs a few ``stat`` calls, so a program installed while a kernel runs is found without
    restarting it.
    """
    override = os.environ.get(OVERRIDE_VAR)
    if override:
        return shutil.which(override)
    for name in ("dot", PURE_PROGRAM):
        found = shutil.which(name)
        if found:
            return found
    for folder in _script_dirs():
        found = shutil.which(PURE_PROGRAM, path=folder)
        if found:
            return found
    return None


def configure_graphviz() -> str | None:
    """Point the ``graphviz`` package at the program :func:`find_dot` finds; return its path.

    ``graphviz`` runs ``graphviz.backend.dot_command.DOT_BINARY``, which is ``Path('dot')`` by
    default and is read each time a graph is rendered. A bare ``'dot'`` is looked up on the
    kernel's ``PATH`` only, so it misses ``graphviz-pure`` (another name) and any program in a
    virtual environment that the kernel did not activate. Setting the module global to a full
    path fixes every way ``graphviz`` renders: ``Source.pipe``, ``render``, and the SVG that
    Jupyter shows for a ``graphviz.Source`` or ``Digraph`` as a cell's result.

    When nothing is found, the default ``Path('dot')`` is put back and ``None`` is returned.
    """
    from graphviz.backend import dot_command

    found = find_dot()
    dot_command.DOT_BINARY = Path(found) if found else Path("dot")
    return found


def render(dot_source: str, fmt: str) -> bytes:
    """Render DOT source to ``'svg'`` or ``'png'`` bytes.

    Raises :class:`GraphvizNotFound`, never ``graphviz.ExecutableNotFound``, when no program can
    lay the graph out (or when the ``graphviz`` Python package itself is missing), so the
    learner gets install instructions instead of a traceback from deep inside ``graphviz``.
    A DOT syntax error still raises ``graphviz.CalledProcessError`` with the program's message.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    try:
        import graphviz
    except ImportError as exc:
        raise GraphvizNotFound(
            "Cannot draw the graph: the Python package `graphviz` is not installed "
            "(pip install 'graphviz>=0.20', or install the course with `make lab`).",
            dot_source=dot_source,
        ) from exc
    if configure_graphviz() is None:
        raise GraphvizNotFound(dot_source=dot_source)
    try:
        return graphviz.Source(dot_source).pipe(format=fmt)
    except graphviz.ExecutableNotFound as exc:  # found a moment ago, gone or not runnable now
        raise GraphvizNotFound(f"Cannot draw the graph: {exc}", dot_source=dot_source) from exc
