"""Write exercises/ from solutions/: the answers cut out, the outputs cleared.

    python tools/make_exercises.py           # `make exercises`: (re)write exercises/*.ipynb
    python tools/make_exercises.py --check   # exit 1 if exercises/ is not what solutions/ gives

For each solutions/NN_topic.ipynb, exercises/NN_topic.ipynb gets the same cells, with the same
ids, where every `### BEGIN SOLUTION` ... `### END SOLUTION` region is replaced by

    # YOUR CODE HERE
    raise NotImplementedError()

at the region's indentation. Outputs and execution counts are cleared, and what students must
not see or does not belong to an unrun notebook is dropped: the `wrong_answers` metadata,
run timestamps, widget state. The output depends only on the input (same bytes every run),
so `--check`, run by the tests, can tell when someone changed a solution and forgot this step.

exercises/ is also where a learner writes answers. A notebook there that has been worked on
(it has outputs, or an answer replaced a stub) is never overwritten without --force.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

import exercise_format as fmt  # noqa: E402  (a sibling module, found through sys.path)


def build_exercise(solution: nbformat.NotebookNode, where: str = "notebook"):
    """The exercise notebook for a solutions notebook (validated first)."""
    fmt.validate(solution, where)
    nb = nbformat.from_dict(solution)  # a deep copy
    for key in fmt.OUTPUT_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in fmt.VOLATILE_CELL_METADATA + fmt.PRIVATE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if fmt.is_solution(cell):
                cell.source = fmt.stub_source(cell.source)
    nbformat.validate(nb)
    return nb


def exercise_text(solution_path: Path) -> str:
    """The exact text of the exercise notebook generated from `solution_path`."""
    solution = fmt.read(solution_path)
    text = nbformat.writes(build_exercise(solution, str(solution_path)), version=4)
    return text if text.endswith("\n") else text + "\n"


def worked_on(path: Path) -> bool:
    """Whether an exercise notebook holds a learner's work (outputs, or an answer typed in)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # unreadable: certainly not what this tool wrote
        return True
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            return True
        if fmt.is_solution(cell) and fmt.STUB[1] not in cell.source:
            return True
    return False


def plan(solutions: Path, exercises: Path) -> tuple[dict[Path, str], list[Path], list[str]]:
    """What to write (exercise path -> text), exercise notebooks with no source, and errors.

    A solutions notebook that breaks the format is reported, not written; the others are.
    """
    wanted, errors = {}, []
    for path in sorted(solutions.glob("*.ipynb")):
        try:
            wanted[exercises / path.name] = exercise_text(path)
        except fmt.FormatError as error:
            errors.append(str(error))
    names = {path.name for path in solutions.glob("*.ipynb")}
    orphans = [path for path in sorted(exercises.glob("*.ipynb")) if path.name not in names]
    return wanted, orphans, errors


def out_of_date(solutions: Path = fmt.SOLUTIONS, exercises: Path = fmt.EXERCISES) -> list[str]:
    """One line per exercise notebook that differs from what its solution gives."""
    wanted, orphans, errors = plan(solutions, exercises)
    problems = list(errors)
    for path, text in wanted.items():
        if not path.exists():
            problems.append(f"{path.name}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path.name}: differs from what solutions/{path.name} gives")
    problems += [f"{path.name}: has no solutions/{path.name}" for path in orphans]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if exercises/ is out of date")
    parser.add_argument("--force", action="store_true",
                        help="overwrite exercise notebooks even if they hold a learner's work")
    parser.add_argument("--solutions", type=Path, default=fmt.SOLUTIONS, help=argparse.SUPPRESS)
    parser.add_argument("--exercises", type=Path, default=fmt.EXERCISES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.check:
        problems = out_of_date(args.solutions, args.exercises)
        for line in problems:
            print(f"out of date: {line}", file=sys.stderr)
        if problems:
            print("Run `make exercises` to regenerate exercises/ from solutions/.",
                  file=sys.stderr)
            return 1
        print("exercises/ is up to date")
        return 0

    wanted, orphans, errors = plan(args.solutions, args.exercises)

    changed = [path for path, text in wanted.items()
               if not path.exists() or path.read_text(encoding="utf-8") != text]
    protected = [path for path in changed + orphans if path.exists() and worked_on(path)]
    if protected and not args.force:
        for path in protected:
            print(f"make_exercises: {path} holds answers or outputs; not overwriting it.",
                  file=sys.stderr)
        print("Move your work elsewhere first, or pass --force to replace it.", file=sys.stderr)
        return 1
    args.exercises.mkdir(parents=True, exist_ok=True)
    for path in changed:
        path.write_text(wanted[path], encoding="utf-8", newline="\n")
        print(f"wrote {path.relative_to(args.exercises.parent)}")
    for path in orphans:
        path.unlink()
        print(f"removed {path.relative_to(args.exercises.parent)} (no solutions notebook)")
    unchanged = len(wanted) - len(changed)
    print(f"{len(changed)} exercise notebooks written, {unchanged} already up to date")
    for error in errors:
        print(f"make_exercises: not written: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
