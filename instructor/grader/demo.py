"""``autograder demo``: the whole grading pipeline on synthetic students of one lesson.

It copies one lesson into a scratch course, generates its student version, writes the notebooks of a
few made-up students (complete, blank, one wrong answer, a deleted test cell,
TensorFlow noise on stderr, a Colab-renamed file, a corrupted file), packs them in
a zip named as a Moodle "download all submissions" zip, and runs collect → grade →
feedback → export. The same machinery drives the end-to-end tests.
"""

from __future__ import annotations

import copy
import importlib
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import grading, verdicts

SOLUTION_RE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)

# A line of the kind TensorFlow's C++ runtime prints on stderr, at any moment.
TF_NOISE = (
    "import sys as _sys\n"
    "get_ipython().events.register(\n"
    '    "pre_run_cell",\n'
    "    lambda *_: print(\n"
    '        "2026-11-24 10:00:00.000001: I tensorflow/core/util/port.cc:153] oneDNN custom '
    'operations are on.\\n"\n'
    '        "W0000 00:00:1732442400.000001    1234 gpu_device.cc:2344] Cannot dlopen some '
    'GPU libraries.",\n'
    "        file=_sys.stderr,\n"
    "    ),\n"
    ")\n"
)


def lesson_module(lesson: str):
    """The verdict module of a lesson (``02_cifar10`` → ``grader.verdicts.lesson02``).

    It may define ``DEMO_WRONG_ANSWER`` (``{grade_id of an answer cell: wrong source}``) and
    ``DEMO_EXTRA_STUDENTS`` (``[(name, description, expected, {grade_id: source})]``).
    """
    return verdicts.lesson_module(lesson)


@dataclass
class Student:
    name: str
    description: str
    file_name: str
    notebook: object = None  # a NotebookNode, or None for a corrupted file
    expected: str = ""
    student_id: str = field(init=False)

    def __post_init__(self):
        self.student_id = grading.slug(self.name)


def fill_answers(released, solution, overrides=None):
    """The released notebook with every answer cell taken from the solution (markers removed).

    ``overrides`` maps an answer cell's grade_id to the source to put there instead.
    """
    overrides = overrides or {}
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in solution.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    filled = copy.deepcopy(released)
    for cell in filled.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        grade_id = meta["grade_id"]
        if grade_id in overrides:
            cell.source = overrides[grade_id]
        elif cell.cell_type == "markdown":
            cell.source = "Resposta de demonstração: comparei os resultados e comentei."
        else:
            cell.source = SOLUTION_RE.sub("", answers[grade_id].source)
    return filled


def _delete_first_test(nb):
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            del nb.cells[i]
            return nb
    raise ValueError("no test cell to delete")


def _with_tf_noise(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            cell.source = TF_NOISE + "\n" + cell.source
            return nb
    raise ValueError("no answer cell")


def synthetic_students(released, solution, lesson: str) -> list[Student]:
    """The made-up class of the demo and of the end-to-end tests."""
    notebook_name = f"{lesson}.ipynb"
    complete = fill_answers(released, solution)
    module = lesson_module(lesson)
    wrong = getattr(module, "DEMO_WRONG_ANSWER", None)
    if wrong is None:  # no lesson-specific mistake: leave the first exercise unanswered
        first = next(c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution"))
        wrong = {first.metadata["nbgrader"]["grade_id"]: first.source}
    students = [
        Student(
            "Ana Completa", "todas as respostas certas", notebook_name, complete, "nota máxima"
        ),
        Student("Bruno Branco", "entregou sem responder", notebook_name, released, "zero"),
        Student(
            "Carla Umerro",
            "um exercício errado",
            notebook_name,
            fill_answers(released, solution, wrong),
            "parcial",
        ),
        Student(
            "Davi Apagou",
            "apagou uma célula de teste",
            notebook_name,
            _delete_first_test(complete),
            "nota máxima (célula restaurada)",
        ),
        Student(
            "Elis Avisos",
            "TensorFlow escreve avisos no stderr",
            notebook_name,
            _with_tf_noise(complete),
            "nota máxima",
        ),
        Student(
            "Fabio Colab",
            "arquivo renomeado pelo Colab",
            f"Copy of {lesson} (1).ipynb",
            complete,
            "nota máxima",
        ),
        Student(
            "Gil Corrompido", "arquivo que não é notebook", notebook_name, None, "zero, avisado"
        ),
    ]
    for name, description, expected, overrides in getattr(module, "DEMO_EXTRA_STUDENTS", []):
        students.append(
            Student(
                name,
                description,
                notebook_name,
                fill_answers(released, solution, overrides),
                expected,
            )
        )
    return students


def write_lms_zip(students: list[Student], path: Path) -> Path:
    """Pack the students' files as Moodle's "download all submissions" zip does."""
    with zipfile.ZipFile(path, "w") as archive:
        for number, student in enumerate(students, start=101):
            member = f"{student.name}_{number}_assignsubmission_file_{student.file_name}"
            if student.notebook is None:
                archive.writestr(member, '{"cells": [ this is not json')
            else:
                archive.writestr(member, nbformat.writes(student.notebook))
    return path


def run(
    root, lesson: str, workdir=None, keep: bool = False, students=None, jobs: int = 1
) -> list[dict]:
    """Run the pipeline on synthetic students, grading ``jobs`` at a time; return one row
    per student."""
    base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="autograder-demo-"))
    try:
        course_root = grading.scratch_course(root, base / "curso", [lesson])
        print(f"1/5 gerando a versão do aluno de {lesson} …", flush=True)
        grading.generate(course_root, [lesson])
        released = nbformat.read(course_root / "lessons" / lesson / f"{lesson}.ipynb", 4)
        solution = nbformat.read(course_root / "solutions" / lesson / f"{lesson}.ipynb", 4)
        students = students or synthetic_students(released, solution, lesson)
        archive = write_lms_zip(students, base / f"{lesson}_entregas.zip")
        print(f"2/5 importando {archive.name} ({len(students)} alunos) …", flush=True)
        grading.collect(course_root, lesson, archive)
        print("3/5 corrigindo (modo rápido; alguns minutos) …", flush=True)
        report = grading.grade(course_root, lesson, jobs=jobs)
        print("4/5 gerando devolutivas …", flush=True)
        grading.feedback(course_root, lesson)
        print("5/5 exportando notas …", flush=True)
        grades = {r["student_id"]: r for r in grading.read_grades(grading.export(course_root))}
        auto_max, manual_max = points(solution)
        rows = []
        for student in students:
            grade = grades.get(student.student_id, {})
            rows.append(
                {
                    "student_id": student.student_id,
                    "description": student.description,
                    "expected": student.expected,
                    "score": float(grade.get("score") or 0),
                    "max_score": float(grade.get("max_score") or 0),
                    "auto_max": auto_max,
                    "manual_max": manual_max,
                    "problem": report.failed.get(student.student_id, ""),
                }
            )
        if keep:
            print(f"arquivos da demonstração em {base}")
        return rows
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def points(notebook) -> tuple[float, float]:
    """(autograded points, manually graded points) of a lesson notebook."""
    auto = manual = 0.0
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if meta.get("solution"):
                manual += float(meta.get("points", 0))
            else:
                auto += float(meta.get("points", 0))
    return auto, manual


def table(rows: list[dict]) -> str:
    """The grade table as text: autograded score over autograded points."""
    header = f"{'aluno':<16} {'situação':<38} {'automática':>11}  esperado"
    lines = [header, "-" * len(header)]
    for row in rows:
        score = f"{row['score']:.1f}/{row['auto_max']:.1f}"
        lines.append(
            f"{row['student_id']:<16} {row['description']:<38} {score:>11}  {row['expected']}"
        )
        if row["problem"]:
            lines.append(f"{'':<16} ↳ não corrigido: {row['problem'].splitlines()[0]}")
    if rows and rows[0]["manual_max"]:
        lines.append(
            f"(mais {rows[0]['manual_max']:.1f} pontos de correção manual por aluno: "
            "nbgrader formgrader ou `nbgrader` na pasta do curso)"
        )
    return "\n".join(lines)
