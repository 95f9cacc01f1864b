"""The course (course/): the tutorials run end to end, every solution passes its checks, every generated student
version fails them with the intended message, the committed student versions are what `fden-nb course student`
makes, and `fden-nb course grade` grades solved, unsolved, broken, looping, edited, deleted and non-notebook
submissions, row by row, without touching them.

The tutorials run under IN_TEST (tiny data and step counts, as `nbdev_test` runs nbs/). For the real settings,
`FDEN_COURSE_FULL=1 python -m pytest tests/test_course.py -k tutorial` (on a GPU when there is one)."""
import csv
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from fden_nb.course import COLUMNS, checks_of, grade, nb_text, student_notebook

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
ASSIGNMENTS = sorted((COURSE / "assignments").glob("*.ipynb"))
TUTORIALS = sorted((COURSE / "tutorials").glob("*.ipynb"))
FULL = bool(os.environ.get("FDEN_COURSE_FULL"))


def test_the_course_is_there():
    assert len(ASSIGNMENTS) >= 5 and len(TUTORIALS) >= 3


def test_student_versions_are_made_from_the_solutions():
    committed = sorted(p.name for p in (COURSE / "student").glob("*.ipynb"))
    assert committed == [p.name for p in ASSIGNMENTS], "course/student/ must hold one student version per assignment"
    for p in ASSIGNMENTS:
        fresh = nb_text(student_notebook(json.loads(p.read_text(encoding="utf-8")), p.name))
        assert (COURSE / "student" / p.name).read_text(encoding="utf-8") == fresh, (
            f"course/student/{p.name} is not the student version of course/assignments/{p.name}: "
            "run `fden-nb course student` and commit what it writes")


@pytest.mark.parametrize("path", sorted(COURSE.rglob("*.ipynb")), ids=lambda p: str(p.relative_to(COURSE)))
def test_course_notebooks_are_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])]
    assert dirty == [], f"{path.name}: cells {dirty} keep outputs; clear them (nbdev_clean --fname course)"


def test_solutions_pass_and_student_versions_fail_with_the_intended_message(tmp_path):
    for p in ASSIGNMENTS:
        folder = tmp_path / p.stem
        folder.mkdir()
        shutil.copy(p, folder / "solution.ipynb")
        shutil.copy(COURSE / "student" / p.name, folder / "student.ipynb")
        rows = grade(p, folder, timeout=120, verbose=False)
        assert len(rows) == 2 * len(checks_of(json.loads(p.read_text(encoding="utf-8"))))
        for r in rows:
            if r.student == "solution": assert (r.status, r.points) == ("pass", r.max_points), (p.name, r)
            else:
                assert r.status == "fail" and r.points == 0, (p.name, r)
                assert "still raises NotImplementedError: replace `raise NotImplementedError()` with your code" in r.feedback, r


def _with_cell(nb:dict, grade_id:str, source:str|None) -> dict:
    "A copy of `nb` with the cell `grade_id`'s source replaced (None: the cell deleted)."
    nb = json.loads(json.dumps(nb))
    cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != grade_id or source is not None]
    for c in cells:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id: c["source"] = source
    nb["cells"] = cells
    return nb


def test_grade_command_on_a_folder_of_submissions(tmp_path):
    sol = json.loads((COURSE / "assignments" / "01_dv_bound.ipynb").read_text(encoding="utf-8"))
    stu = json.loads((COURSE / "student" / "01_dv_bound.ipynb").read_text(encoding="utf-8"))
    subs = tmp_path / "submissions"
    subs.mkdir()
    answer = lambda body: "import math, torch\ndef dv_bound(t_joint, t_marginal):\n    " + body
    made = {
        "solved": sol,
        "unsolved": stu,
        "raises": _with_cell(sol, "dv_bound", answer("return t_joint.mean() / t_marginal.shape[1]")),
        "loops": _with_cell(sol, "dv_bound", "while True:\n    pass"),
        "wrong": _with_cell(sol, "dv_bound", answer("return t_joint.mean() - t_marginal.mean()")),
        "edited_check": _with_cell(_with_cell(sol, "dv_bound", answer("return t_joint.mean() - t_marginal.mean()")),
                                   "check_dv_bound", "print('✓ all good')"),
        "deleted_check": _with_cell(sol, "check_dv_bound", None),
    }
    dup = json.loads(json.dumps(sol))
    dup["cells"] = dup["cells"] + [c for c in dup["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "check_dv_bound"]
    made["duplicated"] = dup
    as_markdown = json.loads(json.dumps(sol))
    for c in as_markdown["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "check_dv_bound": c.update(cell_type="markdown"); del c["outputs"], c["execution_count"]
    made["check_as_markdown"] = as_markdown
    made["other_assignment"] = json.loads((COURSE / "assignments" / "02_total_correlation.ipynb").read_text(encoding="utf-8"))
    for name, nb in made.items(): (subs / f"{name}.ipynb").write_text(nb_text(nb), encoding="utf-8")
    (subs / "not_a_notebook.ipynb").write_text("my answer: E_P[T] - log E_Q[exp T]", encoding="utf-8")
    (subs / "in_a_folder" / "01_dv_bound").mkdir(parents=True)                    # nbgrader's submitted/<student>/<assignment>/
    (subs / "in_a_folder" / "01_dv_bound" / "01_dv_bound.ipynb").write_text(nb_text(sol), encoding="utf-8")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file()}

    out = tmp_path / "grades.csv"
    r = subprocess.run(["fden-nb", "course", "grade", "01_dv_bound", str(subs), "--out", str(out), "--timeout", "20"],
                       capture_output=True, text=True, timeout=600)
    print(r.stdout)
    assert r.returncode == 0, r.stderr
    with open(out, newline="", encoding="utf-8") as fh: rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(COLUMNS)
    got = {row["student"]: row for row in rows}
    want = {"solved": "pass", "unsolved": "fail", "raises": "error", "loops": "timeout", "wrong": "fail",
            "edited_check": "fail", "deleted_check": "missing", "duplicated": "pass", "not_a_notebook": "missing",
            "in_a_folder": "pass", "check_as_markdown": "pass", "other_assignment": "missing"}
    assert {s: row["status"] for s, row in got.items()} == want
    assert len(rows) == len(want)                                                  # a duplicated check counts once
    assert "the log must wrap the mean of exp(T) over the shuffled samples" in got["wrong"]["feedback"]
    assert got["edited_check"]["feedback"] == got["wrong"]["feedback"]             # the assignment's check ran, not the edit
    assert got["raises"]["feedback"].startswith("IndexError")
    assert "ran past the 20 s limit" in got["loops"]["feedback"]
    assert "was deleted" in got["deleted_check"]["feedback"] and "not a notebook" in got["not_a_notebook"]["feedback"]
    assert [float(got[s]["points"]) for s in ("solved", "unsolved")] == [3.0, 0.0]
    assert all(float(row["max_points"]) == 3.0 and float(row["seconds"]) >= 0 for row in rows)
    assert "another assignment" in got["other_assignment"]["feedback"]
    assert "checks: 4 pass, 3 fail, 1 error, 1 timeout, 3 missing" in r.stdout
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file()}


def test_grade_command_rejects_bad_requests(tmp_path):
    run = lambda *a: subprocess.run(["fden-nb", "course", "grade", *a], capture_output=True, text=True, timeout=120)
    r = run("01_dv_bound", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "is not a folder" in r.stderr
    r = run("01_dv_bound", str(tmp_path), "--timeout", "0")
    assert r.returncode == 2 and "--timeout must be a positive number" in r.stderr


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs(path, tmp_path, monkeypatch):
    if FULL: monkeypatch.delenv("IN_TEST", raising=False)
    else: monkeypatch.setenv("IN_TEST", "1")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=None if FULL else 600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    if FULL: print(text)
