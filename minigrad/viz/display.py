"""`Graph`: a drawn graph that JupyterLab shows inline and that can be saved.

A Graph is a snapshot: its DOT source is written when it is created, so changing the
tensors afterwards (a `backward()`, an optimizer step) does not change a picture already
drawn. Draw again to see the new state.

Rendering needs a Graphviz `dot` program (see minigrad.viz.backend). Where there is none,
JupyterLab shows what to install and the DOT source as text, instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path

from minigrad.viz import backend
from minigrad.viz.dot import Panel, document


class Graph:
    """A drawn computational graph.

    In JupyterLab a Graph shows itself as an SVG picture. Outside, use:
      .source        the DOT text (deterministic: the same program gives the same text)
      .svg()         the picture as SVG text
      .png()         the picture as PNG bytes
      .save(path)    write it; the format comes from the suffix: .svg, .png or .dot
    """

    def __init__(self, panels: list[Panel], direction: str = "LR", legend: bool = True) -> None:
        self._panels = list(panels)
        self._direction = direction
        self._legend = legend
        self.source: str = document(self._panels, direction, legend)
        self._rendered: dict[str, bytes] = {}

    def _render(self, fmt: str) -> bytes:
        if fmt not in self._rendered:
            self._rendered[fmt] = backend.render(self.source, fmt)
        return self._rendered[fmt]

    def svg(self) -> str:
        """The picture as SVG text (raises GraphvizNotFound when there is no `dot`)."""
        return self._render("svg").decode("utf-8")

    def png(self) -> bytes:
        """The picture as PNG bytes (raises GraphvizNotFound when there is no `dot`)."""
        return self._render("png")

    def save(self, path) -> Path:
        """Write the picture to `path`: .svg, .png, or .dot (the source; no `dot` needed)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".dot" or suffix == ".gv":
            path.write_text(self.source, encoding="utf-8")
        elif suffix == ".svg":
            path.write_text(self.svg(), encoding="utf-8")
        elif suffix == ".png":
            path.write_bytes(self.png())
        else:
            raise ValueError(
                f"cannot save a graph as {path.name!r}: the file name must end in .svg, .png "
                "or .dot"
            )
        return path

    # -- Jupyter ------------------------------------------------------------------------------

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """SVG for JupyterLab; without `dot`, what to install and the DOT source as text."""
        try:
            return {"image/svg+xml": self.svg(), "text/plain": repr(self)}
        except backend.GraphvizNotFound as error:
            return {"text/plain": self.missing_dot_text(error)}

    def _repr_svg_(self) -> str | None:
        try:
            return self.svg()
        except backend.GraphvizNotFound:
            return None  # Jupyter falls back to the text of _repr_mimebundle_ / __repr__

    def missing_dot_text(self, error: backend.GraphvizNotFound) -> str:
        return f"{error}\n\nDOT source of the graph:\n\n{self.source}"

    def __repr__(self) -> str:
        ops = sum(len(p.model.ops) for p in self._panels)
        tensors = sum(len(p.model.tensors) for p in self._panels)
        what = f"{ops} backward nodes, {tensors} tensors"
        if len(self._panels) > 1:
            what = f"{len(self._panels)} graphs, " + what
        return f"<minigrad.viz.Graph: {what}; .source is its DOT text, .save('graph.svg')>"


def side_by_side(*graphs: Graph, titles=None, direction: str | None = None,
                 legend: bool = True) -> Graph:
    """Draw graphs next to each other in one picture, each under its own title.

    Across the direction of flow: stacked one above the other for LR graphs (their stages
    line up left to right), side by side for TB graphs.

        side_by_side(draw_graph(d1), draw_graph(d2), titles=["a = 0.5", "a = -0.5"])
    """
    if not graphs:
        raise TypeError("side_by_side() needs at least one graph")
    for i, graph in enumerate(graphs):
        if not isinstance(graph, Graph):
            raise TypeError(
                f"side_by_side() takes graphs made by draw_graph, but argument {i} is a "
                f"{type(graph).__name__}"
            )
    panels = [panel for graph in graphs for panel in graph._panels]
    if titles is not None:
        titles = list(titles)
        if len(titles) != len(panels):
            raise ValueError(f"got {len(titles)} titles for {len(panels)} graphs")
        panels = [Panel(p.model, p.options, title, p.overlay) for p, title in zip(panels, titles)]
    return Graph(panels, direction or graphs[0]._direction, legend)
