"""Grade the exercises: run them with nbval and say, task by task, what passed.

    python tools/grade.py                       # `make grade`: every notebook in exercises/
    python tools/grade.py exercises/01_*.ipynb  # some of them

Two steps, and a summary a learner reads:

1. Integrity. Each task's check cell in exercises/ is compared with the check cell of the same
   task in solutions/, the single source (matched by cell id, or by its text if the cell was
   re-created; compared with whitespace normalized). A check that was edited, deleted or
   turned into markdown is reported as such, and its task does not count as passed.
2. Running. pytest with nbval (`--nbval-lax`: outputs are not compared, a cell that raises
   fails) runs every notebook top to bottom in a fresh kernel and writes a JUnit report. Each
   failing cell is mapped back to its task: a task passes when all its cells, from its
   answer to its check, ran without error. A failing check's message is the `CheckFailed`
   sentence from minigrad.testing.

The summary is always printed, and also written as Markdown to $GITHUB_STEP_SUMMARY when
that is set (GitHub Actions shows it on the run's page). The exit status is 0 only when every
task of every graded notebook passed, so CI marks a run with failing tasks as failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

import exercise_format as fmt  # noqa: E402  (a sibling module, found through sys.path)

CELL_TIMEOUT = 120  # seconds one cell of a learner's notebook may run
PASSED, FAILED, TAMPERED = "passed", "failed", "tampered"
ANSI = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")
NOT_ANSWERED = ("not answered yet: replace `raise NotImplementedError()` in the answer cell "
                "with your code")
STILL_RAISES = ("your answer cell still raises NotImplementedError: delete the line `raise "
                "NotImplementedError()` under your answer")


@dataclass
class TaskResult:
    notebook: str
    number: int
    status: str
    message: str = ""


@dataclass
class NotebookReport:
    name: str
    tasks: list[TaskResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # problems outside any task


@dataclass
class Located:
    """Where a task's cells are in the learner's notebook, and what is wrong with its check."""

    number: int
    check: int | None  # index of the check cell in the exercise notebook
    first: int | None  # index of the task's first answer cell
    problem: str | None = None


# --- integrity ------------------------------------------------------------------------------


def locate_tasks(solution, exercise, name: str) -> list[Located]:
    """Find each task's check and answer cells in the exercise, and check the check cells."""
    by_id = {cell.get("id"): index for index, cell in enumerate(exercise.cells)}
    used: set[int] = set()
    located = []
    previous = -1
    for task in fmt.tasks(solution, f"solutions/{name}"):
        original = solution.cells[task.check_cell]
        wanted = fmt.normalized(original.source)
        index = by_id.get(original.get("id"))
        problem = None
        if index is not None:
            cell = exercise.cells[index]
            if cell.cell_type != "code":
                problem = "the check cell was turned into a markdown cell"
            elif fmt.normalized(cell.source) != wanted:
                problem = "the check cell was edited"
        else:
            index = next((i for i, cell in enumerate(exercise.cells)
                          if cell.cell_type == "code" and i not in used
                          and fmt.normalized(cell.source) == wanted), None)
            if index is None:
                problem = "the check cell was deleted"
        if index is not None and problem is None and index <= previous:
            problem = "the check cell was moved above the previous task's check"
        if index is not None:
            used.add(index)
            if problem is None:
                previous = index
        first = by_id.get(solution.cells[task.solution_cells[0]].get("id"))
        if problem:
            action = "copy it back" if "deleted" in problem else "restore it"
            problem = (f"{problem}: {action} from solutions/{name} (or re-generate the "
                       "exercise); this task is not graded as passed")
        located.append(Located(task.number, index, first, problem))
    return located


# --- running nbval --------------------------------------------------------------------------


def kernel_environment() -> dict[str, str]:
    """The environment of the pytest run and its kernels: as deterministic as `make test`'s."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["PYTHONHASHSEED"] = "0"
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    pure = Path(bin_dir) / "graphviz-pure"
    if "MINIGRAD_DOT" not in env and pure.exists():
        env["MINIGRAD_DOT"] = str(pure)
    return env


def run_nbval(paths: list[Path], timeout: int, verbose: bool) -> dict[str, dict[int, str | None]]:
    """Run the notebooks under nbval: {notebook file name: {code cell number: failure or None}}.

    nbval names its tests "Cell N", N counting code cells only. A cell that passed maps to
    None, a failing one to the text of its failure (the cell's traceback, ANSI colors removed).
    """
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "nbval.xml"
        # Only nbval is loaded: plugins installed for other reasons stay out of grading.
        command = [sys.executable, "-m", "pytest", "-p", "nbval.plugin", "--nbval-lax",
                   "--nbval-current-env", f"--nbval-cell-timeout={timeout}",
                   "-p", "no:cacheprovider", "--color=no", "-o", "addopts=", "-q",
                   f"--junitxml={report}", *map(str, paths)]
        env = {**kernel_environment(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if verbose:
            print(done.stdout, done.stderr, sep="\n")
        if done.returncode not in (0, 1) or not report.exists():
            raise RuntimeError(f"pytest --nbval could not run (exit status {done.returncode}):\n"
                               f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        root = ElementTree.parse(report).getroot()
    results: dict[str, dict[int, str | None]] = {path.name: {} for path in paths}
    for case in root.iter("testcase"):
        match = re.fullmatch(r"Cell (\d+)", case.get("name", ""))
        classname = case.get("classname", "")
        notebook = next((n for n in results if classname == n or classname.endswith("." + n)),
                        None)
        if match is None or notebook is None:
            continue
        problem = None
        for child in case:
            if child.tag in ("failure", "error"):
                problem = ANSI.sub("", child.text or child.get("message", "") or child.tag)
        results[notebook][int(match.group(1))] = problem
    return results


def failure_message(text: str) -> str:
    """What a learner should read from a failing cell: the CheckFailed sentence, or the error."""
    if "CheckFailed: " in text:
        return text[text.rindex("CheckFailed: ") + len("CheckFailed: "):].strip()
    if "Timeout of" in text:
        line = next(line for line in text.splitlines() if "Timeout of" in line)
        return line.strip() + " (an endless loop?)"
    if "Kernel dead" in text:
        return "did not run: the kernel died in an earlier cell (out of memory, or a crash)"
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "the cell raised an error"
    if last in ("NotImplementedError:", "NotImplementedError"):
        return NOT_ANSWERED
    return last


# --- grading --------------------------------------------------------------------------------


def grade_notebook(exercise_path: Path, solution_path: Path,
                   cells: dict[int, str | None] | None) -> NotebookReport:
    """Results for one notebook, from its integrity and its nbval cell results (`cells`)."""
    name = exercise_path.name
    report = NotebookReport(exercise_path.stem)
    solution = fmt.read(solution_path)
    count = len(fmt.tasks(solution, f"solutions/{name}"))
    try:
        exercise = nbformat.read(exercise_path, as_version=4)
    except Exception as error:  # a notebook broken by hand: say so, grade nothing
        report.notes.append(f"could not be read ({error}); restore it with git, or with "
                            "`python tools/make_exercises.py --force` (which discards your "
                            "answers)")
        report.tasks = [TaskResult(report.name, n, FAILED, "notebook unreadable")
                        for n in range(1, count + 1)]
        return report
    located = locate_tasks(solution, exercise, name)
    stubs = {cell.id: fmt.normalized(fmt.stub_source(cell.source))
             for cell in solution.cells if fmt.is_solution(cell)}
    code_cells = [i for i, cell in enumerate(exercise.cells) if cell.cell_type == "code"]
    outcome = {position: (cells or {}).get(number, "the cell did not run")
               for number, position in enumerate(code_cells)}

    task_starts = [t.first for t in located if t.first is not None]
    setup_end = min(task_starts + [len(exercise.cells)])
    for position in range(setup_end):
        if outcome.get(position):
            report.notes.append(f"{_describe(exercise, position)}, before the first task, "
                                f"failed: {failure_message(outcome[position])}")

    start = setup_end
    for task in located:
        if task.problem:
            report.tasks.append(TaskResult(report.name, task.number, TAMPERED, task.problem))
            if task.check is not None and task.check >= start:
                start = task.check + 1
            continue
        failing = [p for p in range(start, task.check + 1) if outcome.get(p)]
        if failing:
            message = failure_message(outcome[failing[0]])
            if message == NOT_ANSWERED and _typed_into(exercise, failing[0], stubs):
                message = STILL_RAISES
            elif "CheckFailed: " not in outcome[failing[0]] and message != NOT_ANSWERED:
                message = f"{_describe(exercise, failing[0])} raised {message}"
            report.tasks.append(TaskResult(report.name, task.number, FAILED, message))
        else:
            report.tasks.append(TaskResult(report.name, task.number, PASSED))
        start = task.check + 1
    return report


def _typed_into(exercise, position: int, stubs: dict[str, str]) -> bool:
    """Whether the learner changed an answer cell (so a NotImplementedError is left over)."""
    cell = exercise.cells[position]
    stub = stubs.get(cell.get("id"))
    return stub is not None and fmt.normalized(cell.source) != stub


def _describe(exercise, position: int) -> str:
    """A cell as a learner finds it: its role, or its first line."""
    cell = exercise.cells[position]
    if fmt.is_solution(cell):
        return "your answer cell"
    if fmt.is_check(cell):
        return "the check"
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f"the cell `{first[:60]}`"


def grade(exercise_paths: list[Path], solutions: Path, timeout: int = CELL_TIMEOUT,
          verbose: bool = False) -> list[NotebookReport]:
    """Check integrity and run nbval for the exercise notebooks that have a solution."""
    reports = []
    pairs = []
    for path in exercise_paths:
        solution = solutions / path.name
        if solution.exists():
            pairs.append((path, solution))
        else:
            report = NotebookReport(path.stem, notes=[f"no solutions/{path.name}: not graded"])
            reports.append(report)
    runnable = [path for path, _ in pairs if _readable(path)]
    cells = run_nbval(runnable, timeout, verbose) if runnable else {}
    for path, solution in pairs:
        reports.append(grade_notebook(path, solution, cells.get(path.name)))
    return sorted(reports, key=lambda r: r.name)


def _readable(path: Path) -> bool:
    try:
        nbformat.read(path, as_version=4)
    except Exception:
        return False
    return True


# --- the summary ----------------------------------------------------------------------------

SYMBOL = {PASSED: "✓", FAILED: "✗", TAMPERED: "!"}
MARKDOWN = {PASSED: "✅ passed", FAILED: "❌ failed", TAMPERED: "⚠️ check changed"}


def totals(reports: list[NotebookReport]) -> tuple[int, int]:
    results = [t for r in reports for t in r.tasks]
    return sum(t.status == PASSED for t in results), len(results)


def summary_text(reports: list[NotebookReport], width: int = 100) -> str:
    lines = []
    for report in reports:
        lines.append(report.name)
        for note in report.notes:
            lines += textwrap.wrap(f"note: {note}", width, initial_indent="  ",
                                   subsequent_indent="        ")
        for task in report.tasks:
            head = f"  {SYMBOL[task.status]} Task {task.number}  "
            if task.status == PASSED:
                lines.append(head + "passed")
                continue
            lines += textwrap.wrap(task.message, width, initial_indent=head,
                                   subsequent_indent=" " * len(head), break_on_hyphens=False)
        lines.append("")
    passed, total = totals(reports)
    lines.append(f"Total: {passed}/{total} tasks passed")
    return "\n".join(lines)


def summary_markdown(reports: list[NotebookReport]) -> str:
    passed, total = totals(reports)
    lines = ["## Exercise results", "", f"**Total: {passed}/{total} tasks passed**", "",
             "| Notebook | Task | Result | Message |", "|---|---|---|---|"]
    for report in reports:
        for note in report.notes:
            lines.append(f"| {report.name} | | note | {_cell(note)} |")
        for task in report.tasks:
            lines.append(f"| {report.name} | {task.number} | {MARKDOWN[task.status]} | "
                         f"{_cell(task.message)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: exercises/*.ipynb")
    parser.add_argument("--solutions", type=Path, default=fmt.SOLUTIONS,
                        help="the solutions folder (default: %(default)s)")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                        help="seconds one cell may run (%(default)s)")
    parser.add_argument("--verbose", action="store_true", help="also show pytest's output")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(fmt.EXERCISES.glob("*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if not paths:
        print("grade: no exercise notebooks in exercises/ (run `make exercises`)")
        return 1

    print(f"Grading {len(paths)} exercise notebook(s): checks compared with solutions/, then "
          "run with nbval ...\n", flush=True)
    try:
        reports = grade(paths, args.solutions, args.timeout, args.verbose)
    except (RuntimeError, fmt.FormatError) as error:
        print(f"grade: {error}", file=sys.stderr)
        return 2
    print(summary_text(reports))
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as out:
            out.write(summary_markdown(reports))
    passed, total = totals(reports)
    return 0 if total and passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
