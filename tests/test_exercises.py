"""The exercise system: solutions/ is well formed, exercises/ is generated from it and runs as
shipped, every listed wrong answer is rejected by its check, and grading catches tampering.

Notebooks run in real kernels (nbclient, the Python running the tests, the notebook's folder as
working directory). Each wrong answer gets a fresh kernel that stops after the task's check.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import exercise_format as fmt  # noqa: E402
import grade  # noqa: E402
import make_exercises  # noqa: E402
from execute_notebooks import ThisPythonKernelSpecs  # noqa: E402

SOLUTION_PATHS = sorted(fmt.SOLUTIONS.glob("*.ipynb"))
NOT_DONE = "This task is not done yet"


def run(nb, folder: Path, cells: int | None = None):
    """Execute the first `cells` cells of a copy of `nb` in a fresh kernel, errors allowed."""
    nb = nbformat.from_dict(nb)
    if cells is not None:
        nb.cells = nb.cells[:cells]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    client = NotebookClient(
        nb,
        km=AsyncKernelManager(kernel_spec_manager=ThisPythonKernelSpecs(),
                              kernel_name="python3"),
        timeout=120,
        startup_timeout=120,
        allow_errors=True,
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute(env=grade.kernel_environment())
    return nb


def error_of(cell):
    return next((o for o in cell.get("outputs", []) if o.output_type == "error"), None)


def cell_label(nb, index: int) -> str:
    cell = nb.cells[index]
    return f"cell {index} ({cell.get('id')}, tags {fmt.tags(cell)})"


# --- solutions/ -----------------------------------------------------------------------------


def test_there_are_solution_notebooks():
    assert SOLUTION_PATHS, "solutions/ holds no notebooks"


@pytest.mark.parametrize("path", SOLUTION_PATHS, ids=lambda p: p.stem)
def test_solution_notebook_follows_the_format(path):
    nb = fmt.read(path)
    tasks = fmt.validate(nb, str(path))
    assert 2 <= len(tasks) <= 4, "CONTRIBUTING.md: 2 to 4 tasks per notebook"
    for task in tasks:
        check = nb.cells[task.check_cell]
        first = check.source.lstrip().split("\n")[0]
        assert first.startswith("require("), (
            f"task {task.number}: a check cell starts with require(...) naming what the answer "
            "defines, so that an unanswered task says 'not done yet'")
        assert "minigrad.testing" in "".join(c.source for c in nb.cells[:task.check_cell]), (
            "checks call minigrad.testing")
        wrong = [w for i in task.solution_cells for w in fmt.wrong_answers(nb.cells[i])]
        assert wrong, f"task {task.number} lists no wrong answers in its solution cell metadata"
        before = range(task.first_cell, task.solution_cells[0])
        assert any(nb.cells[i].cell_type == "markdown" for i in before), (
            f"task {task.number}: a markdown cell stating the task comes before its answer")


@pytest.mark.parametrize("path", SOLUTION_PATHS, ids=lambda p: p.stem)
def test_solution_notebook_is_saved_executed_and_passing(path):
    """nbval (make test) re-runs it and compares with these outputs; they must be the real ones."""
    nb = fmt.read(path)
    for task in fmt.tasks(nb):
        check = nb.cells[task.check_cell]
        printed = "".join(o.get("text", "") for o in check.outputs)
        assert fmt.PASSED.format(number=task.number) in printed, (
            f"{path.name}: task {task.number}'s check has no saved '✓ Task passed' output: "
            f"run `make execute NB={path.relative_to(ROOT)}`")
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source)


# --- exercises/ -----------------------------------------------------------------------------


def test_exercises_are_up_to_date_with_solutions():
    problems = make_exercises.out_of_date()
    assert not problems, "exercises/ is out of date; run `make exercises`:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", SOLUTION_PATHS, ids=lambda p: p.stem)
def test_exercise_hides_the_answers(path):
    exercise_path = fmt.EXERCISES / path.name
    solution = fmt.read(path)
    text = exercise_path.read_text(encoding="utf-8")
    exercise = fmt.read(exercise_path)
    assert fmt.BEGIN not in text and fmt.END not in text
    assert fmt.WRONG_ANSWERS not in text
    assert [c.id for c in exercise.cells] == [c.id for c in solution.cells]
    for cell in exercise.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    for task in fmt.tasks(solution):
        for index in task.solution_cells:
            answer = solution.cells[index].source
            region = answer.split(fmt.BEGIN)[1].split(fmt.END)[0].strip()
            assert region not in exercise.cells[index].source


@pytest.mark.parametrize("path", SOLUTION_PATHS, ids=lambda p: p.stem)
@pytest.mark.slow
def test_exercise_run_as_shipped_fails_exactly_at_answers_and_checks(path):
    """Answer cells raise NotImplementedError, checks say "not done yet", all else runs."""
    exercise = fmt.read(fmt.EXERCISES / path.name)
    ran = run(exercise, fmt.EXERCISES)
    for index, cell in enumerate(ran.cells):
        if cell.cell_type != "code":
            continue
        error = error_of(cell)
        where = f"{path.name}, {cell_label(ran, index)}"
        if fmt.is_solution(cell):
            assert error is not None and error.ename == "NotImplementedError", (
                f"{where}: an unanswered answer cell must raise NotImplementedError, got "
                f"{error and error.ename}")
        elif fmt.is_check(cell):
            assert error is not None, f"{where}: this check passes with no answer at all"
            assert error.ename == "CheckFailed" and error.evalue.startswith(NOT_DONE), (
                f"{where}: with no answer the check should say '{NOT_DONE}', got "
                f"{error.ename}: {error.evalue}")
        else:
            assert error is None, (
                f"{where}: a cell that is neither answer nor check fails when the exercise is "
                f"run as shipped: {error and error.ename}: {error and error.evalue}")


# --- wrong answers --------------------------------------------------------------------------


def wrong_answer_cases():
    cases = []
    for path in SOLUTION_PATHS:
        nb = fmt.read(path)
        for task in fmt.tasks(nb):
            for index in task.solution_cells:
                for n, wrong in enumerate(fmt.wrong_answers(nb.cells[index])):
                    cases.append(pytest.param(path, task, index, wrong,
                                              id=f"{path.stem}-task{task.number}-{n}"))
    return cases


@pytest.mark.parametrize(("path", "task", "index", "wrong"), wrong_answer_cases())
@pytest.mark.slow
def test_wrong_answer_is_rejected_by_its_check_with_a_message(path, task, index, wrong):
    nb = fmt.read(path)
    nb.cells[index].source = fmt.with_wrong_answer(nb.cells[index].source, wrong)
    ran = run(nb, fmt.SOLUTIONS, cells=task.check_cell + 1)
    failing = [i for i, cell in enumerate(ran.cells) if error_of(cell)]
    mistake = f"wrong answer {wrong.why!r}"
    assert failing, f"{mistake}: the check of task {task.number} accepts it"
    first = error_of(ran.cells[failing[0]])
    assert failing[0] == task.check_cell, (
        f"{mistake}: the first failing cell is {cell_label(ran, failing[0])}, not the check "
        f"({first.ename}: {first.evalue})")
    assert first.ename == "CheckFailed", (
        f"{mistake}: the check fails with {first.ename}: {first.evalue}; it should raise "
        "CheckFailed with a sentence for the learner")
    message = first.evalue
    assert not message.startswith(NOT_DONE), (
        f"{mistake}: the wrong answer does not define what the check requires")
    assert len(message) >= 25 and " " in message and message != "AssertionError", message
    # In the notebook the error is the message alone: no traceback of the helpers.
    assert first.traceback == [f"CheckFailed: {message}"]


# --- make_exercises on small notebooks ------------------------------------------------------

ANSWER = """\
import math

def area(r):
    ### BEGIN SOLUTION
    return math.pi * r**2
    ### END SOLUTION


for r in [1, 2]:
    ### BEGIN SOLUTION
    print(area(r))
    ### END SOLUTION
"""


def small_notebook(folder: Path, name: str = "05_small.ipynb", answer: str = ANSWER) -> Path:
    answer_cell = new_code_cell(answer, id="answer", metadata={
        "tags": ["solution"], "wrong_answers": [{"why": "diameter", "code": "return 2 * r"}]})
    answer_cell.outputs = [nbformat.v4.new_output("stream", text="3.14\n")]
    answer_cell.execution_count = 1
    answer_cell.metadata["execution"] = {"iopub.execute_input": "2024-01-01T00:00:00"}
    nb = new_notebook(cells=[
        new_markdown_cell("# Small", id="intro"),
        answer_cell,
        new_code_cell('require("area")\nprint("✓ Task 1 passed")', id="check",
                      metadata={"tags": ["check"]}),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    (folder / "solutions").mkdir(exist_ok=True)
    (folder / "exercises").mkdir(exist_ok=True)
    path = folder / "solutions" / name
    nbformat.write(nb, path)
    return path


def generate(folder: Path, *options: str) -> int:
    return make_exercises.main([*options, "--solutions", str(folder / "solutions"),
                                "--exercises", str(folder / "exercises")])


def test_stub_keeps_each_regions_indentation():
    assert fmt.stub_source(ANSWER) == """\
import math

def area(r):
    # YOUR CODE HERE
    raise NotImplementedError()


for r in [1, 2]:
    # YOUR CODE HERE
    raise NotImplementedError()
"""


def test_wrong_answer_replaces_its_region_only_indented_like_it():
    source = fmt.with_wrong_answer(ANSWER, fmt.WrongAnswer("diameter", "return 2 * r"))
    assert "    return 2 * r\n" in source and "math.pi" not in source
    assert "    print(area(r))" in source and fmt.BEGIN not in source
    second = fmt.with_wrong_answer(ANSWER, fmt.WrongAnswer("no loop", "pass", region=1))
    assert "    return math.pi * r**2" in second and "    pass" in second
    with pytest.raises(fmt.FormatError, match="region 2"):
        fmt.with_wrong_answer(ANSWER, fmt.WrongAnswer("x", "pass", region=2))


@pytest.mark.parametrize(("source", "problem"), [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside a region"),
    ("x = 1  ### BEGIN SOLUTION\n### END SOLUTION\n", "alone on its line"),
])
def test_malformed_regions_are_refused(source, problem):
    with pytest.raises(fmt.FormatError, match=problem):
        fmt.find_regions(source)


def test_task_structure_is_checked():
    def nb(*cells):
        return new_notebook(cells=list(cells))

    answer = new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
                           metadata={"tags": ["solution"]})
    check = new_code_cell('require("x")\nprint("✓ Task 1 passed")', metadata={"tags": ["check"]})
    assert [t.number for t in fmt.validate(nb(answer, check))] == [1]
    with pytest.raises(fmt.FormatError, match="no 'solution' cell before it"):
        fmt.tasks(nb(check))
    with pytest.raises(fmt.FormatError, match="no 'check' cell after it"):
        fmt.tasks(nb(answer))
    with pytest.raises(fmt.FormatError, match="not a code cell tagged 'solution'"):
        fmt.tasks(nb(new_code_cell("### BEGIN SOLUTION\n### END SOLUTION"), check))
    wrong_number = new_code_cell('require("x")\nprint("✓ Task 2 passed")',
                                 metadata={"tags": ["check"]})
    with pytest.raises(fmt.FormatError, match="ends with"):
        fmt.validate(nb(answer, wrong_number))
    bare = new_code_cell('assert x == 1\nprint("✓ Task 1 passed")', metadata={"tags": ["check"]})
    with pytest.raises(fmt.FormatError, match="bare assert"):
        fmt.validate(nb(answer, bare))
    answer.metadata["wrong_answers"] = [{"why": "no code"}]
    with pytest.raises(fmt.FormatError, match="wrong answer 0"):
        fmt.validate(nb(answer, check))


def test_generator_output(tmp_path):
    small_notebook(tmp_path)
    assert generate(tmp_path) == 0
    written = tmp_path / "exercises" / "05_small.ipynb"
    data = json.loads(written.read_text(encoding="utf-8"))
    answer = data["cells"][1]
    assert [c["id"] for c in data["cells"]] == ["intro", "answer", "check"]
    assert answer["outputs"] == [] and answer["execution_count"] is None
    assert answer["metadata"] == {"tags": ["solution"]}  # no wrong answers, no timestamps
    assert "widgets" not in data["metadata"]
    assert "raise NotImplementedError()" in "".join(answer["source"])


def test_generator_is_deterministic_and_check_mode_sees_staleness(tmp_path):
    solution = small_notebook(tmp_path)
    assert generate(tmp_path) == 0
    written = tmp_path / "exercises" / "05_small.ipynb"
    first = written.read_bytes()
    assert generate(tmp_path) == 0 and written.read_bytes() == first
    assert generate(tmp_path, "--check") == 0

    nb = nbformat.read(solution, as_version=4)
    nb.cells[0].source = "# Small, changed"
    nbformat.write(nb, solution)
    assert generate(tmp_path, "--check") == 1
    assert written.read_bytes() == first, "--check writes nothing"
    written.unlink()
    assert generate(tmp_path, "--check") == 1
    assert generate(tmp_path) == 0 and generate(tmp_path, "--check") == 0


def test_generator_does_not_overwrite_a_learners_work(tmp_path, capsys):
    small_notebook(tmp_path)
    assert generate(tmp_path) == 0
    written = tmp_path / "exercises" / "05_small.ipynb"
    nb = nbformat.read(written, as_version=4)
    nb.cells[1].source = "def area(r):\n    return 3 * r * r"
    nbformat.write(nb, written)
    orphan = tmp_path / "exercises" / "06_gone.ipynb"
    shutil.copy(written, orphan)

    assert generate(tmp_path) == 1
    assert "holds answers or outputs" in capsys.readouterr().err
    assert "3 * r * r" in written.read_text(encoding="utf-8") and orphan.exists()
    assert generate(tmp_path, "--force") == 0
    assert "3 * r * r" not in written.read_text(encoding="utf-8")
    assert not orphan.exists(), "an exercise without a solution is removed"


def test_generator_refuses_notebooks_without_cell_ids(tmp_path, capsys):
    path = small_notebook(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["nbformat_minor"] = 4
    for cell in data["cells"]:
        del cell["id"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert generate(tmp_path) == 1
    assert "cells without ids" in capsys.readouterr().err


def test_generator_writes_the_good_notebooks_and_names_the_broken_one(tmp_path, capsys):
    small_notebook(tmp_path)
    small_notebook(tmp_path, "06_broken.ipynb", answer="### BEGIN SOLUTION\nx = 1\n")
    assert generate(tmp_path) == 1
    assert "06_broken.ipynb" in capsys.readouterr().err
    assert (tmp_path / "exercises" / "05_small.ipynb").exists()
    assert not (tmp_path / "exercises" / "06_broken.ipynb").exists()
    assert generate(tmp_path, "--check") == 1


# --- grading: integrity ---------------------------------------------------------------------

FIRST = SOLUTION_PATHS[0] if SOLUTION_PATHS else None


def located_problems(exercise) -> dict[int, str | None]:
    solution = fmt.read(FIRST)
    return {t.number: t.problem for t in grade.locate_tasks(solution, exercise, FIRST.name)}


def check_index(number: int) -> int:
    """Where task `number`'s check is: the same place in the exercise as in the solution."""
    return fmt.tasks(fmt.read(FIRST))[number - 1].check_cell


def test_untouched_checks_pass_integrity():
    exercise = fmt.read(fmt.EXERCISES / FIRST.name)
    assert set(located_problems(exercise).values()) == {None}


def test_whitespace_and_comments_are_not_edits_and_a_recreated_check_is_found():
    exercise = fmt.read(fmt.EXERCISES / FIRST.name)
    index = check_index(1)
    cell = exercise.cells[index]
    cell.source = "\n# my note\n" + cell.source.replace("require(", "require( ", 1).replace(
        "\n", "  \n\n") + "\n"
    last = check_index(len(fmt.tasks(fmt.read(FIRST))))
    recreated = nbformat.from_dict(exercise.cells[last])
    recreated.id = "pasted-back"
    recreated.metadata = {}
    exercise.cells[last] = recreated
    assert set(located_problems(exercise).values()) == {None}


def test_an_edited_check_is_reported_and_not_passed():
    exercise = fmt.read(fmt.EXERCISES / FIRST.name)
    cell = exercise.cells[check_index(1)]
    cell.source = cell.source.replace("require(", "print(", 1)
    problem = located_problems(exercise)[1]
    assert problem.startswith("the check cell was edited: restore it from solutions/")
    assert problem.endswith("this task is not graded as passed")


def test_a_deleted_check_and_a_check_turned_into_markdown_are_reported():
    exercise = fmt.read(fmt.EXERCISES / FIRST.name)
    first, second = check_index(1), check_index(2)
    exercise.cells[second] = new_markdown_cell(exercise.cells[second].source,
                                               id=exercise.cells[second].id)
    del exercise.cells[first]
    problems = located_problems(exercise)
    assert problems[1].startswith("the check cell was deleted: copy it back")
    assert problems[2].startswith("the check cell was turned into a markdown cell")


def test_a_check_moved_above_the_previous_one_is_reported():
    exercise = fmt.read(fmt.EXERCISES / FIRST.name)
    first, second = check_index(1), check_index(2)
    exercise.cells.insert(first, exercise.cells.pop(second))
    assert located_problems(exercise)[2].startswith("the check cell was moved")


def test_failure_messages_a_learner_reads():
    traceback = ("Cell 2: Cell execution caused an exception\n\nInput:\nrequire('x')\n\n"
                 "Traceback:\n\nCheckFailed: y should be 6, got 5.\nmore detail")
    assert grade.failure_message(traceback) == "y should be 6, got 5.\nmore detail"
    stub = "Traceback:\n#x1B[31mNotImplementedError#x1B[39m: \n"
    assert grade.failure_message(grade.ANSI.sub("", stub)) == grade.NOT_ANSWERED
    other = "Traceback:\n----> 1 f()\nNameError: name 'f' is not defined\n"
    assert grade.failure_message(other) == "NameError: name 'f' is not defined"
    assert "endless loop" in grade.failure_message(
        "Timeout of 120 seconds exceeded executing cell")


def outcomes_for(exercise, failing: dict[str, str]) -> dict[int, str | None]:
    """nbval-style results (code cell number -> failure text) with the cells named failing."""
    code = [cell for cell in exercise.cells if cell.cell_type == "code"]
    return {number: failing.get(cell.id) for number, cell in enumerate(code)}


def test_grade_maps_cell_failures_to_tasks(tmp_path):
    exercise_path = fmt.EXERCISES / FIRST.name
    exercise = fmt.read(exercise_path)
    tasks = fmt.tasks(fmt.read(FIRST))
    answer_1 = exercise.cells[tasks[0].solution_cells[0]].id
    check_2 = exercise.cells[tasks[1].check_cell].id
    failing = {
        "setup": "Traceback:\nModuleNotFoundError: No module named 'minigrad'",
        # an answer written above a `raise NotImplementedError()` that was left in place
        answer_1: "Traceback:\nNotImplementedError: ",
        check_2: "Traceback:\n\nCheckFailed: prediction should be 6, got 5.",
    }
    report = grade.grade_notebook(exercise_path, FIRST, outcomes_for(exercise, failing))
    assert report.notes == ["the cell `import minigrad as mg`, before the first task, failed: "
                            "ModuleNotFoundError: No module named 'minigrad'"]
    first, second = report.tasks[:2]
    assert (first.status, first.message) == (grade.FAILED, grade.NOT_ANSWERED)
    assert (second.status, second.message) == (grade.FAILED, "prediction should be 6, got 5.")
    assert all(t.status == grade.PASSED for t in report.tasks[2:])

    typed = nbformat.from_dict(exercise)
    answer = typed.cells[tasks[0].solution_cells[0]]
    answer.source = answer.source.replace("# YOUR CODE HERE", "x = mg.tensor([2.0, 3.0])")
    nbformat.write(typed, tmp_path / FIRST.name)
    report = grade.grade_notebook(tmp_path / FIRST.name, FIRST, outcomes_for(typed, failing))
    assert report.tasks[0].message == grade.STILL_RAISES

    failing = {answer_1: "Traceback:\n----> 2 y = x ** '2'\nTypeError: unsupported operand"}
    report = grade.grade_notebook(exercise_path, FIRST, outcomes_for(exercise, failing))
    assert report.tasks[0].message == "your answer cell raised TypeError: unsupported operand"


def test_grade_reports_an_unreadable_notebook(tmp_path):
    broken = tmp_path / FIRST.name
    broken.write_text("{ this is not json", encoding="utf-8")
    report = grade.grade_notebook(broken, FIRST, None)
    assert "could not be read" in report.notes[0]
    assert {t.status for t in report.tasks} == {grade.FAILED}
    assert len(report.tasks) == len(fmt.tasks(fmt.read(FIRST)))


# --- grading: end to end (pytest --nbval in a subprocess) -----------------------------------


def grade_folder(folder: Path, *, summary: Path | None = None) -> subprocess.CompletedProcess:
    env = grade.kernel_environment()
    if summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(summary)
    else:
        env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "grade.py"),
         *map(str, sorted(folder.glob("*.ipynb")))],
        capture_output=True, text=True, timeout=600, env=env,
    )


@pytest.mark.slow
def test_grading_answered_exercises_passes_them(tmp_path):
    shutil.copy(FIRST, tmp_path / FIRST.name)  # a learner who answered like the solutions
    done = grade_folder(tmp_path)
    count = len(fmt.tasks(fmt.read(FIRST)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Total: {count}/{count} tasks passed" in done.stdout
    assert done.stdout.count("✓ Task") == count


@pytest.mark.slow
def test_grading_reports_wrong_answers_tampering_and_unanswered_tasks(tmp_path):
    """A tampered check that would pass is still not counted; a wrong answer shows its message;
    an exercise as shipped says what is not answered. The job summary gets the same table."""
    folder = tmp_path / "exercises"
    folder.mkdir()
    path = folder / FIRST.name
    shutil.copy(FIRST, path)
    nb = fmt.read(path)
    tasks = fmt.tasks(nb)
    tampered = nb.cells[tasks[0].check_cell]
    tampered.source = 'print("✓ Task 1 passed")'  # passes, but checks nothing
    answer = nb.cells[tasks[1].solution_cells[0]]
    answer.source = fmt.with_wrong_answer(answer.source, fmt.wrong_answers(answer)[0])
    nbformat.write(nb, path)
    shipped = [p for p in SOLUTION_PATHS if p != FIRST][:1]
    for other in shipped:
        shutil.copy(fmt.EXERCISES / other.name, folder / other.name)
    unanswered = sum(len(fmt.tasks(fmt.read(p))) for p in shipped)

    summary = tmp_path / "summary.md"
    done = grade_folder(folder, summary=summary)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    count = len(tasks) + unanswered
    passed = len(tasks) - 2
    assert f"Total: {passed}/{count} tasks passed" in out
    assert "! Task 1  the check cell was edited" in out
    assert out.count("not answered yet") == unanswered
    assert out.count("✗ Task") == 1 + unanswered
    markdown = summary.read_text(encoding="utf-8")
    assert markdown.startswith("## Exercise results")
    assert f"**Total: {passed}/{count} tasks passed**" in markdown
    assert f"| {FIRST.stem} | 1 | ⚠️ check changed | the check cell was edited" in markdown
    assert f"| {FIRST.stem} | 2 | ❌ failed | " in markdown
    assert "not answered" not in markdown.split(f"| {FIRST.stem} | 2 |")[1].split("\n")[0]
