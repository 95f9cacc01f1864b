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
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from fden_nb.course import nb_text, student_notebook
from fden_nb.grading import COLUMNS, checks_of, grade

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
        forger = json.loads((COURSE / "student" / p.name).read_text(encoding="utf-8"))   # unsolved, and lies
        names = [c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in forger["cells"]
                 if c["metadata"].get("nbgrader", {}).get("grade")]
        lie = "".join(f"{n.split('(')[0]} = lambda *a: print('✓ passed')\n" for n in names)
        forger["cells"].insert(-1, nbformat.v4.new_code_cell(lie + "import sys\nsys.exit(0)"))
        (folder / "forger.ipynb").write_text(nb_text(forger), encoding="utf-8")
        rows = grade(p, folder, timeout=120, verbose=False, jobs=1)
        assert len(rows) == 3 * len(checks_of(json.loads(p.read_text(encoding="utf-8"))))
        for r in rows:
            if r.student == "solution": assert (r.status, r.points) == ("pass", r.max_points), (p.name, r)
            else:
                assert r.status == "fail" and r.points == 0 and not r.imports_solution, (p.name, r)
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
    r = subprocess.run(["fden-nb", "course", "grade", "01_dv_bound", str(subs), "--out", str(out), "--timeout", "5"],
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
    assert "the log must wrap the mean of exp(T)" in got["edited_check"]["feedback"]  # the assignment's check ran
    assert got["raises"]["feedback"].startswith("IndexError")
    assert "ran past the 5 s limit" in got["loops"]["feedback"]
    assert "was deleted" in got["deleted_check"]["feedback"] and "not a notebook" in got["not_a_notebook"]["feedback"]
    assert [float(got[s]["points"]) for s in ("solved", "unsolved")] == [3.0, 0.0]
    assert all(float(row["max_points"]) == 3.0 for row in rows)
    assert {row["imports_solution"] for row in rows} == {"False"}
    assert "another assignment" in got["other_assignment"]["feedback"]
    assert "checks: 4 pass, 3 fail, 1 error, 1 timeout, 3 missing" in r.stdout
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file()}


def test_grade_command_rejects_bad_requests(tmp_path, fden_here):
    run = lambda *a: fden_here(["course", "grade", *a])               # (exit code, stdout, stderr)
    code, _, err = run("01_dv_bound", tmp_path / "nowhere")
    assert code == 2 and "is not a folder" in err
    code, _, err = run("01_dv_bound", tmp_path, "--timeout", "0")
    assert code == 2 and "--timeout must be a positive number" in err
    code, _, err = run("01_dv_bound", tmp_path, "--jobs", "0")
    assert code == 2 and "--jobs must be at least 1" in err
    code, _, err = run("01_dv_bound", tmp_path, "--feedback", tmp_path / "fb")
    assert code == 2 and "write the feedback outside the submissions folder" in err


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs(path, tmp_path, monkeypatch):
    if FULL: monkeypatch.delenv("IN_TEST", raising=False)
    else: monkeypatch.setenv("IN_TEST", "1")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=None if FULL else 600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    if FULL: print(text)


def _mixed_folder(folder:Path, loops:bool=True) -> Path:
    "Submissions of 01_dv_bound: solved, unsolved, wrong, raising, imported from the package (and looping)."
    sol = json.loads((COURSE / "assignments" / "01_dv_bound.ipynb").read_text(encoding="utf-8"))
    stu = json.loads((COURSE / "student" / "01_dv_bound.ipynb").read_text(encoding="utf-8"))
    answer = lambda body: "import math, torch\ndef dv_bound(t_joint, t_marginal):\n    " + body
    made = {"solved": sol, "unsolved": stu,
            "wrong": _with_cell(sol, "dv_bound", answer("return t_joint.mean() - t_marginal.mean()")),
            "raises": _with_cell(sol, "dv_bound", answer("return t_joint.mean() / t_marginal.shape[1]")),
            "imported": _with_cell(sol, "dv_bound", "from fden_nb.info import dv_bound")}
    if loops: made["loops"] = _with_cell(sol, "dv_bound", "while True:\n    pass")
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in made.items(): (folder / f"{name}.ipynb").write_text(nb_text(nb), encoding="utf-8")
    return folder


def _grade_cli(*args, **kw):
    return subprocess.run(["fden-nb", "course", "grade", "01_dv_bound", *map(str, args)], capture_output=True,
                          text=True, timeout=600, **kw)


def test_one_job_or_two_the_same_csv_and_feedback(tmp_path):
    subs = _mixed_folder(tmp_path / "subs")
    for jobs in (1, 2):
        r = _grade_cli(subs, "--out", tmp_path / f"grades{jobs}.csv", "--jobs", jobs, "--timeout", 5,
                       "--feedback", tmp_path / f"feedback{jobs}")
        assert r.returncode == 0, r.stderr
    one, two = ((tmp_path / f"grades{j}.csv").read_text(encoding="utf-8") for j in (1, 2))
    assert one == two
    with open(tmp_path / "grades1.csv", newline="", encoding="utf-8") as fh: rows = list(csv.DictReader(fh))
    got = {row["student"]: (row["status"], row["imports_solution"]) for row in rows}
    assert got == {"solved": ("pass", "False"), "unsolved": ("fail", "False"), "wrong": ("fail", "False"),
                   "raises": ("error", "False"), "imported": ("pass", "True"), "loops": ("timeout", "False")}
    assert "imports fden_nb.info.dv_bound" in next(r["feedback"] for r in rows if r["student"] == "imported")
    files = sorted(p.relative_to(tmp_path / "feedback1") for p in (tmp_path / "feedback1").rglob("*.md"))
    assert [str(p) for p in files] == sorted(f"{s}/01_dv_bound.md" for s in got)
    for p in files:
        assert (tmp_path / "feedback1" / p).read_text() == (tmp_path / "feedback2" / p).read_text()
    text = (tmp_path / "feedback1" / "wrong" / "01_dv_bound.md").read_text(encoding="utf-8")
    assert "**0 / 3 points**" in text and "| `check_dv_bound` | fail | 0 / 3 |" in text
    assert "the log must wrap the mean of exp(T)" in text


def test_an_interrupted_run_goes_on_to_the_same_csv(tmp_path):
    subs = _mixed_folder(tmp_path / "subs", loops=False)
    for i in range(4): shutil.copy(subs / "solved.ipynb", subs / f"solved{i}.ipynb")
    whole = _grade_cli(subs, "--out", tmp_path / "whole.csv", "--jobs", 2)
    assert whole.returncode == 0, whole.stderr
    out, partial = tmp_path / "grades.csv", tmp_path / "grades.csv.partial"
    p = subprocess.Popen(["fden-nb", "course", "grade", "01_dv_bound", str(subs), "--out", str(out), "--jobs", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    t0 = time.monotonic()
    while not (partial.exists() and len(partial.read_text().splitlines()) >= 3) and time.monotonic() - t0 < 300:
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGINT)                                   # Ctrl-C
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and "run the same command again" in err, err
    assert not out.exists() and 3 <= len(partial.read_text().splitlines()) < 9
    again = _grade_cli(subs, "--out", out, "--jobs", 2)
    assert again.returncode == 0, again.stderr
    assert "already graded" in again.stdout and not partial.exists()
    assert out.read_text(encoding="utf-8") == (tmp_path / "whole.csv").read_text(encoding="utf-8")


def test_a_submission_that_kills_its_grader_is_an_error_and_the_batch_goes_on(tmp_path):
    subs = _mixed_folder(tmp_path / "subs", loops=False)
    sol = json.loads((subs / "wrong.ipynb").read_text(encoding="utf-8"))
    kill = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    (subs / "killer.ipynb").write_text(nb_text(_with_cell(sol, "dv_bound", kill)), encoding="utf-8")
    r = _grade_cli(subs, "--out", tmp_path / "grades.csv", "--jobs", 2)
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as fh:
        got = {row["student"]: row for row in csv.DictReader(fh)}
    assert got["killer"]["status"] == "error" and "was killed" in got["killer"]["feedback"]
    assert {s: got[s]["status"] for s in ("solved", "unsolved", "wrong", "raises", "imported")} == {
        "solved": "pass", "unsolved": "fail", "wrong": "fail", "raises": "error", "imported": "pass"}
