"""The JupyterHub route: nbgrader's exchange, end to end, in a temporary exchange folder.

The instructor releases lesson 02 to the exchange; students, each with a HOME and working
folder of their own, fetch it, answer and submit with nbgrader's own apps; one submits
twice (the newest wins), one after the due date, one a broken file. The instructor
collects, grades with ``autograder grade`` (the same sandboxed pipeline as the LMS route),
exports, and hands the feedback back through the exchange, where each student fetches
their own. The lesson is trimmed as in ``test_hostile.py`` (exercises 1 and 3, no
TensorFlow) so that grading stays quick; nothing needs the network.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from grader import config, demo, exchange, grading
from grader.verdicts import lesson_module

LESSON = "02_cifar10"
NOTEBOOK = f"{LESSON}.ipynb"
COURSE = "psi5790-teste"
KEEP = {
    "read_cifar10_bin",
    "first_per_class",
    "test_first_per_class",
    "resposta_rede_densa",
} | {f"test_read_cifar10_bin_{part}" for part in ("shape", "labels", "images", "any_size")}
LIGHT_SETUP = "import numpy as np\n\nfrom autograder.checks import lesson02 as check"
WRONG_READ = lesson_module(LESSON).DEMO_WRONG_ANSWER["read_cifar10_bin"]
WRONG_READ_ANSWER = {"read_cifar10_bin": WRONG_READ}


# --------------------------------------------------------------------------- quick checks


def test_course_id_and_exchange_folder_have_one_place_and_a_default(tmp_path, monkeypatch):
    monkeypatch.delenv(config.COURSE_ID_ENV, raising=False)
    monkeypatch.delenv(config.EXCHANGE_ROOT_ENV, raising=False)
    c = Config()
    config.configure(c, tmp_path)
    assert c.CourseDirectory.course_id == config.COURSE_ID == "psi5790"
    assert c.Exchange.root == config.EXCHANGE_ROOT == "/srv/nbgrader/exchange"
    # exchange-collected submissions land where `autograder grade` reads them
    assert c.CourseDirectory.submitted_directory == f"{grading.WORK_DIR}/submitted"
    monkeypatch.setenv(config.COURSE_ID_ENV, "outro")
    monkeypatch.setenv(config.EXCHANGE_ROOT_ENV, str(tmp_path / "troca"))
    c = Config()
    config.configure(c, tmp_path)
    assert (c.CourseDirectory.course_id, c.Exchange.root) == ("outro", str(tmp_path / "troca"))
    assert exchange.settings("x", "/y") == ("x", "/y")


@pytest.mark.parametrize(
    "text, utc",
    [
        ("2026-04-10 23:59 -03:00", "2026-04-11 02:59"),
        ("2026-04-10T23:59:00-03:00", "2026-04-11 02:59"),
        ("2026-04-10 23:59 UTC", "2026-04-10 23:59"),
    ],
)
def test_due_dates_keep_their_time_zone(text, utc):
    assert f"{exchange.parse_duedate(text):%Y-%m-%d %H:%M}" == utc


def test_due_date_that_is_not_a_date_is_a_clear_error():
    with pytest.raises(grading.GradingError, match="Prazo inválido"):
        exchange.parse_duedate("sexta que vem")


def test_student_configuration_is_printed_for_the_hub_admin(root, tmp_path):
    result = _cli(
        "exchange", "config", "--course-id", "turma-b", "--exchange-root", str(tmp_path), cwd=root
    )
    assert result.returncode == 0, result.stderr
    assert "c.CourseDirectory.course_id = 'turma-b'" in result.stdout
    assert f"c.Exchange.root = {str(tmp_path)!r}" in result.stdout


# --------------------------------------------------------------------------- end to end


def _setup_cell():
    cell = nbformat.v4.new_code_cell(LIGHT_SETUP)
    cell.pop("id", None)  # the course's notebooks are nbformat 4.4: no cell ids
    return cell


def _mini_course(root: Path, target: Path) -> Path:
    """Lesson 02 with only exercises 1 and 3 and a light setup cell (no TensorFlow)."""
    course = grading.scratch_course(root, target, [LESSON])
    path = course / "solutions" / LESSON / NOTEBOOK
    nb = nbformat.read(path, 4)
    kept = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in KEEP]
    nb.cells = nb.cells[:2] + [_setup_cell()] + kept
    nbformat.write(nb, path)
    # the course's late policy, as an instructor would set it: a late submission scores zero
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as handle:
        handle.write('get_config().LateSubmissionPlugin.penalty_method = "zero"  # noqa: F821\n')
    return course


def _cli(*args, cwd, env=None):
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


class Student:
    """A student on the hub: a HOME and working folder of their own, nbgrader's own exchange.

    With ``cli``, each step is nbgrader's command (``nbgrader fetch_assignment`` … in a
    subprocess with that HOME); otherwise it is what JupyterLab's *Assignments* tab runs
    (nbgrader's exchange classes, in this process: much quicker).
    """

    def __init__(self, name: str, base: Path, exchange_root: Path, cli: bool = False):
        self.name, self.cli, self.exchange_root = name, cli, exchange_root
        self.home = base / "alunos" / name
        self.home.mkdir(parents=True)

    def _cli(self, app: str) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JUPYTER", "XDG_", "AUTOGRADER_", "NBGRADER"))
        }
        env["HOME"] = str(self.home)
        result = subprocess.run(
            [sys.executable, "-m", "nbgrader", app, LESSON, f"--course={COURSE}"]
            + [f"--Exchange.root={self.exchange_root}", f"--student={self.name}"],
            cwd=self.home,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"{self.name} {app}:\n{result.stdout}{result.stderr}"

    def _tab(self, action: str) -> None:
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange import ExchangeFactory

        c = Config()
        c.CourseDirectory.root = str(self.home)
        c.CourseDirectory.course_id = COURSE
        c.CourseDirectory.assignment_id = LESSON
        c.CourseDirectory.student_id = self.name  # the hub user
        c.Exchange.root = str(self.exchange_root)
        c.Exchange.assignment_dir = str(self.home)
        c.Exchange.cache = str(self.home / ".local/share/jupyter/nbgrader_cache")
        factory = ExchangeFactory(config=c)
        step = getattr(factory, action)(
            coursedir=CourseDirectory(config=c), authenticator=Authenticator(config=c), config=c
        )
        step.start()

    def _step(self, app: str, action: str) -> None:
        self._cli(app) if self.cli else self._tab(action)

    @property
    def notebook(self) -> Path:
        return self.home / LESSON / NOTEBOOK

    def fetch(self):
        self._step("fetch_assignment", "FetchAssignment")
        return nbformat.read(self.notebook, 4)

    def submit(self, nb) -> None:
        if nb is None:
            self.notebook.write_text('{"cells": [ não é json', encoding="utf-8")
        else:
            nbformat.write(nb, self.notebook)
        self._step("submit", "Submit")

    def fetch_feedback(self) -> list[Path]:
        self._step("fetch_feedback", "FetchFeedback")
        return sorted((self.home / LESSON / "feedback").glob(f"*/{LESSON}.html"))


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = Path(__file__).resolve().parent.parent
    base = tmp_path_factory.mktemp("hub")
    course = _mini_course(root, base / "curso")
    troca = base / "troca"  # created by the first release, as on a fresh hub
    env = dict(os.environ)
    env[config.COURSE_ID_ENV] = COURSE
    env[config.EXCHANGE_ROOT_ENV] = str(troca)

    def instructor(*args, expect=0):
        result = _cli(*args, cwd=course, env=env)
        assert result.returncode == expect, f"{args}:\n{result.stdout}{result.stderr}"
        return result

    instructor("generate", LESSON)
    week = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7)
    instructor("exchange", "release", LESSON, "--duedate", f"{week:%Y-%m-%d %H:%M:%S %z}")
    solution = nbformat.read(course / "solutions" / LESSON / NOTEBOOK, 4)
    names = ("ana", "bruno", "carla", "vera", "lia", "caio")
    students = {n: Student(n, base, troca, cli=n == "ana") for n in names}  # ana: nbgrader CLI
    released = {name: s.fetch() for name, s in students.items()}
    complete = lambda name: demo.fill_answers(released[name], solution)  # noqa: E731
    students["ana"].submit(complete("ana"))
    students["bruno"].submit(released["bruno"])  # handed in without answering
    students["carla"].submit(demo.fill_answers(released["carla"], solution, WRONG_READ_ANSWER))
    students["caio"].submit(None)  # a file that is not a notebook
    students["vera"].submit(released["vera"])  # first try: blank ...
    first_collect = instructor("exchange", "collect", LESSON)
    students["vera"].submit(complete("vera"))  # ... then complete, still on time: this one wins
    # the due date passes (moved to now, as the formgrader or `nbgrader db` would), then Lia
    deadline = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    exchange.set_duedate(course, LESSON, deadline)
    students["lia"].submit(complete("lia"))
    second_collect = instructor("exchange", "collect", LESSON)
    graded = instructor("grade", LESSON, "--jobs", "2", expect=1)  # caio: NÃO CORRIGIDO
    instructor("export")
    csv_text = (course / grading.WORK_DIR / "notas.csv").read_text(encoding="utf-8")
    print("\n" + graded.stdout + "\n" + csv_text)
    # a student graded in the same course from an LMS zip has feedback with no exchange secret
    lms = course / grading.WORK_DIR / "feedback" / "zeca" / LESSON / f"{LESSON}.html"
    lms.parent.mkdir(parents=True)
    lms.write_text("<html>devolutiva enviada pelo AVA</html>", encoding="utf-8")
    released_feedback = instructor("exchange", "feedback", LESSON)
    fetched = {name: s.fetch_feedback() for name, s in students.items()}
    return {
        "course": course,
        "troca": troca,
        "deadline": deadline,
        "first_collect": first_collect.stdout,
        "second_collect": second_collect.stdout,
        "graded": graded.stdout,
        "rows": {r["student_id"]: r for r in grading.read_grades(course / "grading/notas.csv")},
        "released_feedback": released_feedback.stdout,
        "fetched": fetched,
        "students": students,
    }


def _line(text: str, student: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(student + " "))


@pytest.mark.notebook
def test_collect_brings_each_students_newest_submission_where_grade_reads(hub):
    assert "novo" in _line(hub["first_collect"], "vera")
    second = hub["second_collect"]
    assert "atualizado" in _line(second, "vera")  # the complete resubmission replaced the blank
    assert "novo" in _line(second, "lia") and "ATRASADA" in _line(second, "lia")
    assert "sem novidade" in _line(second, "ana") and "ATRASADA" not in _line(second, "ana")
    submitted = hub["course"] / grading.WORK_DIR / "submitted"
    assert sorted(p.parent.name for p in submitted.glob(f"*/{LESSON}")) == sorted(hub["students"])
    for name in hub["students"]:
        assert (submitted / name / LESSON / "timestamp.txt").is_file()


@pytest.mark.notebook
def test_grades_penalties_and_problems_in_the_csv(hub):
    rows = hub["rows"]
    assert sorted(rows) == sorted(hub["students"])
    score = lambda name: float(rows[name]["score"])  # noqa: E731
    auto, manual = demo.points(nbformat.read(hub["course"] / "lessons" / LESSON / NOTEBOOK, 4))
    assert (auto, manual) == (6, 2)  # the written answer is graded by hand (formgrader)
    assert score("ana") == 6 and float(rows["ana"]["max_score"]) == auto + manual
    assert score("bruno") == 0
    assert 0 < score("carla") < 6  # the wrong reader keeps the properties it does have
    assert score("vera") == 6  # newest submission (complete), not the blank first one
    for name in ("ana", "bruno", "carla", "vera"):
        assert float(rows[name]["late_submission_penalty"]) == 0, name
        assert float(rows[name]["atraso_s"]) == 0, name
        assert rows[name]["situacao"] == "corrigido", name
    lia = rows["lia"]  # late: nbgrader's penalty ("zero" policy) takes the whole score
    assert float(lia["raw_score"]) == 6 and float(lia["late_submission_penalty"]) == 6
    assert score("lia") == 0 and float(lia["atraso_s"]) > 0
    assert lia["timestamp"] > lia["duedate"] >= rows["vera"]["timestamp"]
    assert lia["duedate"] == str(hub["deadline"])
    assert rows["caio"]["situacao"].startswith("NÃO CORRIGIDO") and score("caio") == 0
    assert "ATRASADA" in _line(hub["graded"], "lia")
    assert "isolamento:" in hub["graded"]


@pytest.mark.notebook
def test_each_student_fetches_their_own_feedback_through_the_exchange(hub):
    feedback = hub["course"] / grading.WORK_DIR / "feedback"
    assert "sem devolutiva na troca: zeca (entrega não veio da troca" in hub["released_feedback"]
    for name in hub["students"]:
        assert f"publicada na troca: {name}" in hub["released_feedback"]
        pages = hub["fetched"][name]
        assert len(pages) == 1, (name, pages)  # vera: only her graded (newest) submission
        assert pages[0].read_bytes() == (feedback / name / LESSON / f"{LESSON}.html").read_bytes()
    ana = hub["fetched"]["ana"][0].read_text(encoding="utf-8")
    assert "_probe" in ana and "✅" in ana  # the probe call and the verdict, decided outside
    assert "def read_cifar10_bin(seed" not in ana  # the verdict code is not shown
    assert "ilegível" in hub["fetched"]["caio"][0].read_text(encoding="utf-8")
