"""minigrad.viz.backend finds a `dot` without root and says what to install when there is none."""

from __future__ import annotations

import sys
from pathlib import Path

import graphviz
import pytest
from graphviz.backend import dot_command

from minigrad.viz import backend

DOT = "digraph { a -> b }"


@pytest.fixture(autouse=True)
def restore_dot_binary(monkeypatch):
    """configure_graphviz() changes a module global of graphviz; put it back after each test."""
    monkeypatch.setattr(dot_command, "DOT_BINARY", dot_command.DOT_BINARY)


@pytest.fixture
def nothing_installed(monkeypatch, tmp_path):
    """A machine with no Graphviz: empty PATH, and a Python whose folders hold no graphviz-pure."""
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv(backend.OVERRIDE_VAR, raising=False)
    monkeypatch.setattr(sys, "executable", str(empty_bin / "python"))
    monkeypatch.setattr(backend.sysconfig, "get_path", lambda *args, **kwargs: str(empty_bin))


def test_find_dot_finds_a_program():
    found = backend.find_dot()
    assert found is not None, "no dot and no graphviz-pure: is the course extra installed?"
    assert Path(found).is_file()


def test_render_svg():
    svg = backend.render(DOT, "svg")
    assert isinstance(svg, bytes)
    assert b"<svg" in svg
    assert b">a</text>" in svg and b">b</text>" in svg


def test_render_png():
    assert backend.render(DOT, "png").startswith(b"\x89PNG\r\n\x1a\n")


def test_configure_points_graphviz_at_the_program_found():
    found = backend.configure_graphviz()
    assert dot_command.DOT_BINARY == Path(found)
    # ... so graphviz's own rendering, which Jupyter uses to show a Digraph, works too.
    assert b"<svg" in graphviz.Source(DOT).pipe(format="svg")


def test_graphviz_pure_next_to_the_interpreter_is_found_without_path(monkeypatch):
    """A Jupyter kernel runs the venv's Python without the venv's bin/ on PATH."""
    pure = Path(sys.executable).parent / backend.PURE_PROGRAM
    if not pure.exists():
        pytest.skip(f"{pure} is not installed (conda installs Graphviz itself instead)")
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv(backend.OVERRIDE_VAR, raising=False)
    assert backend.find_dot() == str(pure)
    assert b"<svg" in backend.render(DOT, "svg")


def test_no_program_raises_graphviz_not_found_with_install_help(nothing_installed):
    assert backend.find_dot() is None
    with pytest.raises(backend.GraphvizNotFound) as info:
        backend.render(DOT, "svg")
    message = str(info.value)
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "conda install -c conda-forge python-graphviz" in message
    assert "pip install graphviz-pure" in message
    assert "DOT source" in message
    assert info.value.dot_source == DOT
    assert not isinstance(info.value, graphviz.ExecutableNotFound)


def test_override_names_the_program(monkeypatch):
    pure = backend.find_dot()
    monkeypatch.setenv(backend.OVERRIDE_VAR, pure)
    monkeypatch.setenv("PATH", "")
    assert backend.find_dot() == pure


def test_override_to_a_missing_program_says_so(monkeypatch, tmp_path):
    missing = str(tmp_path / "no-such-dot")
    monkeypatch.setenv(backend.OVERRIDE_VAR, missing)
    assert backend.find_dot() is None
    with pytest.raises(backend.GraphvizNotFound, match=backend.OVERRIDE_VAR) as info:
        backend.render(DOT, "svg")
    assert "pip install graphviz-pure" in str(info.value)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="svg"):
        backend.render(DOT, "pdf")
