"""Grading pipeline pieces that need no notebook execution."""

import re
import subprocess
import sys

import nbformat
import pytest
from traitlets.config import Config

from grader import grading

NB = ["02_cifar10.ipynb"]


@pytest.mark.parametrize(
    "path, student",
    [
        (
            "Ana Júlia Souza_1234_assignsubmission_file_Copy of 02_cifar10 (1).ipynb",
            "ana-julia-souza",
        ),
        ("Ana Júlia Souza_1234_assignsubmission_file_/02_cifar10.ipynb", "ana-julia-souza"),
        (
            "Ana Júlia Souza_1234_assignsubmission_file_/Cópia de 02_cifar10 (2).ipynb",
            "ana-julia-souza",
        ),
        ("souzaana_LATE_123_456_02_cifar10.ipynb", "souzaana"),
        ("maria/Copy of 02_cifar10 (1).ipynb", "maria"),
        ("Turma A/joao/02_cifar10-checkpoint.ipynb", "turma-a"),
        ("joao_silva_02_cifar10.ipynb", "joao-silva"),
    ],
)
def test_submissions_are_matched_to_student_and_notebook(path, student):
    found = grading.match_submission(path, "02_cifar10", NB)
    assert found == grading.Match(student, "02_cifar10.ipynb")


@pytest.mark.parametrize(
    "path",
    [
        "Copy of 02_cifar10 (1).ipynb",  # loose file: nobody to give it to
        "maria/relatorio.pdf",
        "maria/03_lenet.ipynb",  # another lesson
    ],
)
def test_unplaceable_files_are_skipped(path):
    assert grading.match_submission(path, "02_cifar10", NB) is None


REAL_TF_STDERR = [
    "2026-11-24 05:10:51.161631: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on.",
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "W0000 00:00:1732442400.000001    1234 gpu_device.cc:2344] Cannot dlopen some GPU libraries.",
    "I0000 00:00:1732442400.5  99 cuda_executor.cc:1001] could not open file to read NUMA node",
    "/usr/lib/python3/site-packages/keras/src/layers/core/input_layer.py:27: UserWarning: "
    "Argument `input_shape` is deprecated.",
    "WARNING:absl:You are saving your model as an HDF5 file.",
]


@pytest.mark.parametrize("line", REAL_TF_STDERR)
def test_tf_log_lines_are_ignored(line):
    assert re.search(grading.TF_LOG_PATTERN, "algo antes\n" + line + "\n")


@pytest.mark.parametrize(
    "text", ["0.93\n", "resultado: errado\n", "Traceback (most recent call last):\n"]
)
def test_student_output_is_not_ignored(text):
    assert not re.search(grading.TF_LOG_PATTERN, text)


def test_configuration_for_tensorflow_courses(tmp_path):
    c = Config()
    grading.configure(c, tmp_path)
    assert c.IgnorePattern.enabled is True
    assert c.OverwriteCells.add_missing_cells is True
    assert 30 <= c.SandboxedExecute.timeout <= 120 and c.SandboxedExecute.notebook_timeout <= 600
    assert "grader.preprocessors.ApplyVerdicts" in c.Autograde.autograde_preprocessors
    assert c.CourseDirectory.source_directory == "solutions"
    assert c.CourseDirectory.release_directory == "lessons"
    assert all(
        getattr(c.CourseDirectory, name).startswith("grading/")
        for name in ("submitted_directory", "autograded_directory", "feedback_directory")
    )
    assert "grading" in c.CourseDirectory.db_url


def test_instructor_working_files_are_gitignored(root):
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "grading/gradebook.db"], cwd=root
    ).returncode
    assert ignored == 0


def _cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args], cwd=cwd, capture_output=True, text=True
    )


def test_cli_unknown_lesson_is_a_clear_error(root):
    result = _cli("grade", "99_nada", cwd=root)
    assert result.returncode == 2
    assert "99_nada" in result.stderr and "02_cifar10" in result.stderr


def test_cli_outside_a_course_is_a_clear_error(tmp_path):
    result = _cli("export", cwd=tmp_path)
    assert result.returncode == 2 and "nbgrader_config.py" in result.stderr


def test_grade_without_submissions_says_what_to_do(root, tmp_path):
    course = grading.scratch_course(root, tmp_path / "curso", ["02_cifar10"])
    with pytest.raises(grading.GradingError, match="autograder collect"):
        grading.grade(course, "02_cifar10")


def test_collect_loose_colab_files_in_student_folders(root, tmp_path):
    """A folder of Colab downloads, one sub-folder per student, lands in submitted/."""
    course = grading.scratch_course(root, tmp_path / "curso", ["02_cifar10"])
    grading.generate(course, ["02_cifar10"])
    released = nbformat.read(course / "lessons/02_cifar10/02_cifar10.ipynb", 4)
    for student, name in (
        ("maria", "Copy of 02_cifar10 (1).ipynb"),
        ("Zé Silva", "02_cifar10.ipynb"),
    ):
        folder = tmp_path / "entregas" / student
        folder.mkdir(parents=True)
        nbformat.write(released, folder / name)
    (tmp_path / "entregas" / "Copy of 02_cifar10.ipynb").write_text("{}")  # unplaceable
    report = grading.collect(course, "02_cifar10", tmp_path / "entregas")
    assert sorted(report.placed) == ["maria", "ze-silva"]
    assert [why for path, why in report.skipped if "Copy of" in path]
    assert (course / "grading/submitted/maria/02_cifar10/02_cifar10.ipynb").is_file()


def test_cli_grade_exits_non_zero_when_a_student_could_not_be_graded(root, tmp_path):
    course = grading.scratch_course(root, tmp_path / "curso", ["02_cifar10"])
    folder = course / "grading" / "submitted" / "gil" / "02_cifar10"
    folder.mkdir(parents=True)
    (folder / "02_cifar10.ipynb").write_text('{"cells": [ quebrado')
    result = _cli("grade", "02_cifar10", cwd=course)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NÃO CORRIGIDO" in result.stdout and "ilegível" in result.stdout
    assert "isolamento:" in result.stdout
    exported = _cli("export", cwd=course)
    assert exported.returncode == 0
    rows = grading.read_grades(course / "grading" / "notas.csv")
    assert [(r["student_id"], r["score"]) for r in rows] == [("gil", "0.0")]
    assert rows[0]["situacao"].startswith("NÃO CORRIGIDO")


def test_cli_export_without_grades_is_a_clear_error(root, tmp_path):
    course = grading.scratch_course(root, tmp_path / "curso", ["02_cifar10"])
    result = _cli("export", cwd=course)
    assert result.returncode == 2 and "autograder grade" in result.stderr


def test_grade_has_no_full_size_mode(root):
    """Full sizes need a GPU and the internet: grading refuses the option instead of timing out."""
    result = _cli("grade", "02_cifar10", "--full", cwd=root)
    assert result.returncode == 2 and "--full" in result.stderr


def test_release_is_a_deprecated_alias_of_generate(root, tmp_path):
    """`generate` regenerates lessons/ from solutions/ (the exchange tests run it); the old
    name still works and says so (nbgrader's own "release" is `autograder exchange release`)."""
    course = grading.scratch_course(root, tmp_path / "curso", ["02_cifar10"])
    old = _cli("release", "02_cifar10", cwd=course)
    assert old.returncode == 0, old.stderr
    assert "gerado: lessons/02_cifar10/02_cifar10.ipynb" in old.stdout
    assert "autograder generate" in old.stderr and "autograder exchange release" in old.stderr


def test_root_without_isolation_refuses_to_grade_unless_told(root, tmp_path, monkeypatch):
    from grader import sandbox

    course = grading.scratch_course(root, tmp_path / "curso", ["02_cifar10"])
    monkeypatch.setattr(sandbox, "runs_as_root", lambda: True)
    with pytest.raises(grading.GradingError, match="bubblewrap.*--sem-isolamento"):
        grading.grade(course, "02_cifar10")
    # told so, it goes on (and here stops at the next problem: nothing was handed in)
    with pytest.raises(grading.GradingError, match="Nenhuma entrega"):
        grading.grade(course, "02_cifar10", unsafe=True)


@pytest.mark.parametrize(
    "euid, has_bwrap, reachable, expected",
    [(0, False, False, True), (0, False, True, False), (0, True, False, False)]
    + [(1000, False, False, False)],
)
def test_when_students_code_would_run_as_root(monkeypatch, euid, has_bwrap, reachable, expected):
    from grader import sandbox

    monkeypatch.setattr(sandbox.os, "geteuid", lambda: euid)
    monkeypatch.setattr(sandbox, "bwrap", lambda: "/usr/bin/bwrap" if has_bwrap else None)
    monkeypatch.setattr(sandbox, "_reachable_by_others", lambda path: reachable)
    assert sandbox.runs_as_root() is expected
