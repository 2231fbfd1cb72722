"""The exercise format, read in one place: solution regions, tasks, check cells, wrong answers.

A notebook in `solutions/` is a sequence of tasks (CONTRIBUTING.md, "Exercises"). Each task is
one or more code cells tagged `solution`, each holding one or more regions

        ### BEGIN SOLUTION
        <the answer>
        ### END SOLUTION

followed by one code cell tagged `check`, whose last line prints `✓ Task N passed`. A
solution cell's metadata may list plausible mistakes, `"wrong_answers": [{"why": ..., "code":
...}]`; `code` replaces the region (written without indentation: it gets the region's), and
`"region": k` picks the k-th region of a cell that has several (default 0).

`tools/make_exercises.py` cuts the answers out with `stub_source`, `tools/grade.py` compares
check cells with `normalized`, and `tests/test_exercises.py` builds wrong variants with
`with_wrong_answer`. All three read the notebook through `tasks`, so they agree on the format.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

SOLUTION_TAG = "solution"
CHECK_TAG = "check"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
WRONG_ANSWERS = "wrong_answers"
# Written by Jupyter and nbclient when a cell runs; never part of an exercise.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")
PASSED = "✓ Task {number} passed"
# Cell metadata keys that must not reach students, and notebook metadata tied to outputs.
PRIVATE_CELL_METADATA = (WRONG_ANSWERS,)
OUTPUT_NOTEBOOK_METADATA = ("widgets",)


class FormatError(ValueError):
    """A solutions notebook breaks the exercise format; the message says where and how."""


@dataclass(frozen=True)
class Region:
    """Lines begin..end (the marker lines, 0-based) of a cell's source; `indent` is BEGIN's."""

    begin: int
    end: int
    indent: str


@dataclass(frozen=True)
class WrongAnswer:
    why: str
    code: str
    region: int = 0


@dataclass
class Task:
    """Task `number` (from 1): its solution cells and its check cell, as cell indices."""

    number: int
    solution_cells: list[int] = field(default_factory=list)
    check_cell: int = -1
    first_cell: int = 0  # the first cell after the previous task's check


def tags(cell) -> list[str]:
    value = cell.get("metadata", {}).get("tags", [])
    return list(value) if isinstance(value, list) else []


def is_solution(cell) -> bool:
    return cell.get("cell_type") == "code" and SOLUTION_TAG in tags(cell)


def is_check(cell) -> bool:
    return cell.get("cell_type") == "code" and CHECK_TAG in tags(cell)


def find_regions(source: str, where: str = "cell") -> list[Region]:
    """The solution regions of a cell's source, checked: markers paired, alone on their line."""
    regions = []
    begin = None
    for number, line in enumerate(source.split("\n")):
        stripped = line.strip()
        if BEGIN not in stripped and END not in stripped:
            continue
        if stripped not in (BEGIN, END):
            raise FormatError(f"{where}, line {number + 1}: {stripped!r}: a marker must be "
                              "alone on its line")
        if stripped == BEGIN:
            if begin is not None:
                raise FormatError(f"{where}, line {number + 1}: {BEGIN} inside a region "
                                  f"(the one opened on line {begin + 1} is not closed)")
            begin = number
        else:
            if begin is None:
                raise FormatError(f"{where}, line {number + 1}: {END} without {BEGIN}")
            indent = re.match(r"[ \t]*", source.split("\n")[begin]).group()
            regions.append(Region(begin, number, indent))
            begin = None
    if begin is not None:
        raise FormatError(f"{where}, line {begin + 1}: {BEGIN} is never closed by {END}")
    return regions


def replace_regions(source: str, replacements: dict[int, str]) -> str:
    """Replace region k (markers included) by replacements[k], indented like its BEGIN line."""
    lines = source.split("\n")
    regions = find_regions(source)
    for k in sorted(replacements, reverse=True):  # from the end, so line numbers stay valid
        region = regions[k]
        body = [region.indent + line if line.strip() else ""
                for line in replacements[k].strip("\n").split("\n")]
        lines[region.begin:region.end + 1] = body
    return "\n".join(lines)


def stub_source(source: str) -> str:
    """The exercise version of a solution cell: each region becomes the two stub lines."""
    regions = find_regions(source)
    return replace_regions(source, {k: "\n".join(STUB) for k in range(len(regions))})


def with_wrong_answer(source: str, wrong: WrongAnswer) -> str:
    """A solution cell with one region replaced by a wrong answer, the others kept."""
    regions = find_regions(source)
    if not 0 <= wrong.region < len(regions):
        raise FormatError(f"wrong answer {wrong.why!r} names region {wrong.region}, but the "
                          f"cell has {len(regions)}")
    keep = {k: "\n".join(source.split("\n")[r.begin + 1:r.end]) for k, r in enumerate(regions)}
    keep = {k: _dedent(text, regions[k].indent) for k, text in keep.items()}
    keep[wrong.region] = wrong.code
    return replace_regions(source, keep)


def _dedent(text: str, indent: str) -> str:
    return "\n".join(line[len(indent):] if line.startswith(indent) else line.lstrip()
                     for line in text.split("\n"))


def wrong_answers(cell, where: str = "cell") -> list[WrongAnswer]:
    """The wrong answers a solution cell lists in its metadata, checked for shape."""
    raw = cell.get("metadata", {}).get(WRONG_ANSWERS, [])
    if not isinstance(raw, list):
        raise FormatError(f"{where}: metadata {WRONG_ANSWERS!r} must be a list")
    answers = []
    for n, item in enumerate(raw):
        if (not isinstance(item, dict) or not isinstance(item.get("why"), str)
                or not isinstance(item.get("code"), str) or not item["why"].strip()
                or not item["code"].strip() or set(item) - {"why", "code", "region"}):
            raise FormatError(f"{where}: wrong answer {n} must be {{'why': text, 'code': text}} "
                              "(and optionally 'region': k)")
        answers.append(WrongAnswer(item["why"], item["code"], int(item.get("region", 0))))
    return answers


def tasks(nb, where: str = "notebook") -> list[Task]:
    """The notebook's tasks, in order; FormatError when the structure is not the format's."""
    found: list[Task] = []
    current = Task(number=1)
    for index, cell in enumerate(nb.cells):
        cell_where = f"{where}, cell {index}"
        source = cell.get("source", "")
        solution, check = is_solution(cell), is_check(cell)
        if solution and check:
            raise FormatError(f"{cell_where}: tagged both {SOLUTION_TAG!r} and {CHECK_TAG!r}")
        if solution:
            if not find_regions(source, cell_where):
                raise FormatError(f"{cell_where}: tagged {SOLUTION_TAG!r} but has no {BEGIN} "
                                  "region")
            current.solution_cells.append(index)
        elif BEGIN in source or END in source:
            raise FormatError(f"{cell_where}: has solution markers but is not a code cell "
                              f"tagged {SOLUTION_TAG!r}")
        if check:
            if not current.solution_cells:
                raise FormatError(f"{cell_where}: a {CHECK_TAG!r} cell with no {SOLUTION_TAG!r} "
                                  "cell before it (since the previous check)")
            current.check_cell = index
            found.append(current)
            current = Task(number=len(found) + 1, first_cell=index + 1)
    if current.solution_cells:
        raise FormatError(f"{where}: the {SOLUTION_TAG!r} cell {current.solution_cells[0]} has "
                          f"no {CHECK_TAG!r} cell after it")
    return found


def validate(nb, where: str = "notebook") -> list[Task]:
    """Everything a solutions notebook must satisfy that can be seen without running it."""
    found = tasks(nb, where)
    if not found:
        raise FormatError(f"{where}: no tasks (cells tagged {SOLUTION_TAG!r} and {CHECK_TAG!r})")
    for task in found:
        check = nb.cells[task.check_cell]
        cell_where = f"{where}, task {task.number} (cell {task.check_cell})"
        last = check.source.rstrip().split("\n")[-1].strip()
        expected_last = f'print("{PASSED.format(number=task.number)}")'
        if last != expected_last:
            raise FormatError(f"{cell_where}: a check cell ends with {expected_last}, "
                              f"not {last!r}")
        if re.search(r"^\s*assert\b", check.source, re.MULTILINE):
            raise FormatError(f"{cell_where}: a check uses minigrad.testing, never a bare assert")
        for index in task.solution_cells:
            wrong_answers(nb.cells[index], f"{where}, cell {index}")
    return found


def normalized(source: str) -> str:
    """A cell's source reduced to what Python runs: its tokens, without spacing or comments.

    Two check cells that differ only in blank lines, spaces, line breaks inside brackets or
    comments compare equal; changing a name, a number or the indentation is an edit. Source
    that does not tokenize (broken syntax) is compared as text with whitespace collapsed.
    """
    ignored = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.ENCODING,
               tokenize.ENDMARKER}
    try:
        structure = {tokenize.INDENT, tokenize.DEDENT}  # the block structure, not its width
        tokens = [tokenize.tok_name[token.type] if token.type in structure else token.string
                  for token in tokenize.generate_tokens(io.StringIO(source).readline)
                  if token.type not in ignored]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return " ".join(source.split())
    return " ".join(tokens)


def read(path: Path):
    """Read a notebook as nbformat 4, refusing files without cell ids.

    nbformat gives cells of an older file (format 4.4 and before) random ids when it reads
    them, so ids would change on every run and exercises could not be matched to solutions.
    """
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text)
    if data.get("nbformat_minor", 0) < 5 or any("id" not in c for c in data.get("cells", [])):
        raise FormatError(f"{path}: cells without ids (nbformat < 4.5): open and save it in "
                          "JupyterLab 4, or run it with `make execute`")
    return nbformat.reads(text, as_version=4)
