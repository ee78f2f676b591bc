"""A class of hostile and broken submissions through collect → grade → feedback → export.

Each student below is one failure class seen when the pipeline was attacked. The lesson is a
trimmed copy of lesson 02 (exercises 1 and 3, no TensorFlow) so that the whole class grades
in about a minute; the verdict code and the pipeline are the real ones.
"""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader import demo, grading, sandbox
from grader.verdicts import lesson_module

LESSON = "02_cifar10"
READ_CELLS = {
    f"test_read_cifar10_bin_{part}" for part in ("shape", "labels", "images", "any_size")
}
KEEP = {"read_cifar10_bin", "first_per_class", "test_first_per_class"} | READ_CELLS
LIGHT_SETUP = "import numpy as np\n\nfrom autograder.checks import lesson02 as check"


def _setup_cell():
    cell = nbformat.v4.new_code_cell(LIGHT_SETUP)
    cell.pop("id", None)  # the course's notebooks are nbformat 4.4: no cell ids
    return cell


CELL_TIMEOUT = 15

WRONG_READ = lesson_module(LESSON).DEMO_WRONG_ANSWER["read_cifar10_bin"]
WRONG_FIRST = (
    "def first_per_class(images, labels, n=10):\n"
    "    return np.zeros((10, n) + images.shape[1:], np.uint8)\n"
)


def _mini_course(root: Path, target: Path) -> Path:
    """Lesson 02 with only exercises 1 and 3 and a light setup cell (no TensorFlow)."""
    course = grading.scratch_course(root, target, [LESSON])
    path = course / "solutions" / LESSON / f"{LESSON}.ipynb"
    nb = nbformat.read(path, 4)
    cells = nb.cells[:2] + [_setup_cell()]
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") in KEEP or meta.get("grade_id") == "resposta_rede_densa":
            cells.append(cell)
    nb.cells = cells
    nbformat.write(nb, path)
    return course


def _answer(nb, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _class(released, solution, course: Path, outside: Path, port: int) -> dict:
    """student name → notebook (None: corrupted file). Each entry is one failure class."""
    complete = demo.fill_answers(released, solution)
    fill = lambda overrides: demo.fill_answers(released, solution, overrides)  # noqa: E731
    students = {
        "Ana Completa": complete,
        "Bruno Branco": released,
        "Forja Numpy": fill(
            {
                "read_cifar10_bin": WRONG_READ
                + "np.array_equal = lambda *a, **k: True\n"
                + "np.allclose = lambda *a, **k: True\n"
                + "check.read_cifar10_bin = lambda fn, part=None: print('✅ tudo certo')\n"
                + "check.first_per_class = lambda fn: print('✅ tudo certo')\n",
                "first_per_class": WRONG_FIRST,
            }
        ),
        "Tadeu Transformador": fill(
            {
                "read_cifar10_bin": "get_ipython().input_transformers_cleanup.append("
                "lambda lines: ['pass\\n'])\n",
                "first_per_class": WRONG_FIRST,
            }
        ),
    }
    sabotage = (
        "import glob, os\n"
        f"for path in glob.glob('{course}/**', recursive=True):\n"
        "    try:\n"
        "        if os.path.isfile(path):\n"
        "            open(path, 'w').write('sabotado')\n"
        "    except OSError:\n"
        "        pass\n"
    )
    lingering = (
        "import subprocess, sys, socket, site\n"
        "subprocess.Popen([sys.executable, '-c', 'import time\\n"
        "time.sleep(8)\\n"
        f'open("{outside}/ainda_vivo", "w").write("x")\'])\n'
        "for folder in site.getsitepackages():\n"
        "    try:\n"
        "        open(folder + '/zz_trapaca.pth', 'w').write('import os')\n"
        "    except OSError:\n"
        "        pass\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "except OSError:\n"
        "    pass\n"
    )
    solved_first = _answer(complete, "first_per_class").source
    students["Sara Sabotadora"] = fill({"first_per_class": solved_first + "\n" + sabotage})
    students["Pedro Persistente"] = fill({"first_per_class": solved_first + "\n" + lingering})
    students["Kiko Killer"] = fill(
        {"first_per_class": "import os, signal\nos.kill(-1, signal.SIGKILL)\n" + solved_first}
    )
    students["Lia Laco"] = fill(
        {
            "first_per_class": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "while True:\n    pass\n"
        }
    )
    students["Mauro Morte"] = fill({"first_per_class": "import os\nos._exit(1)\n"})
    duplicated = copy.deepcopy(complete)
    test = _answer(duplicated, "test_read_cifar10_bin_shape")
    duplicated.cells.insert(duplicated.cells.index(test) + 1, copy.deepcopy(test))
    students["Dora Duplicada"] = duplicated
    tampered = copy.deepcopy(complete)
    _answer(tampered, "test_read_cifar10_bin_shape").metadata["nbgrader"]["points"] = 100
    _answer(tampered, "test_first_per_class").metadata["nbgrader"]["grade"] = False
    students["Tito Metadados"] = tampered
    markdown = copy.deepcopy(complete)
    for grade_id in ("read_cifar10_bin", "first_per_class"):
        cell = _answer(markdown, grade_id)
        cell.cell_type = "markdown"
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    students["Maria Markdown"] = markdown
    students["Ivo Imagem"] = fill(
        {
            "first_per_class": solved_first
            + "\nfrom IPython.display import display\n"
            + "display({'image/png': 'iVBORw0KGgo' + 'A' * 8_000_000}, raw=True)\n"
        }
    )
    students["Otto Outralicao"] = None  # filled by the test: lesson 03's notebook
    students["Caio Corrompido"] = None
    return students


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = Path(__file__).resolve().parent.parent
    base = tmp_path_factory.mktemp("hostil")
    outside = base / "fora"
    outside.mkdir()
    course = _mini_course(root, base / "curso")
    shadow = grading.scratch_course(root, base / "sombra", [LESSON, "03_lenet"])
    grading.generate(shadow)  # released forms; the course itself is never generated
    released = nbformat.read(shadow / "lessons" / LESSON / f"{LESSON}.ipynb", 4)
    released.cells = [
        c
        for c in released.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") in KEEP
        or c.metadata.get("nbgrader", {}).get("grade_id") == "resposta_rede_densa"
    ]
    released.cells.insert(0, _setup_cell())
    solution = nbformat.read(course / "solutions" / LESSON / f"{LESSON}.ipynb", 4)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections = []

    def accept():
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and listener.fileno() != -1:
            try:
                connections.append(listener.accept())
            except (socket.timeout, OSError):
                continue

    threading.Thread(target=accept, daemon=True).start()
    students = _class(released, solution, course, outside, port)
    other = nbformat.read(shadow / "lessons" / "03_lenet" / "03_lenet.ipynb", 4)
    archive = base / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for number, (name, nb) in enumerate(students.items(), start=101):
            member = f"{name}_{number}_assignsubmission_file_{LESSON}.ipynb"
            if name == "Caio Corrompido":
                zf.writestr(member, '{"cells": [ não é json')
            else:
                zf.writestr(member, nbformat.writes(other if nb is None else nb))
        # the same student twice: the older file is blank, the newer complete
        older = zipfile.ZipInfo(f"Vera Vezes_201_assignsubmission_file_{LESSON}.ipynb")
        older.date_time = (2026, 11, 1, 10, 0, 0)
        zf.writestr(older, nbformat.writes(released))
        newer = zipfile.ZipInfo(f"Vera Vezes_201_assignsubmission_file_Copy of {LESSON}.ipynb")
        newer.date_time = (2026, 11, 2, 10, 0, 0)
        zf.writestr(newer, nbformat.writes(students["Ana Completa"]))
        # two different students whose names differ only by an accent
        zf.writestr(
            f"José Silva_301_assignsubmission_file_{LESSON}.ipynb", nbformat.writes(released)
        )
        zf.writestr(
            f"Jose Silva_302_assignsubmission_file_{LESSON}.ipynb",
            nbformat.writes(students["Ana Completa"]),
        )
        zf.writestr("Rui Relatorio_401_assignsubmission_file_relatorio.pdf", b"%PDF-1.4")
        zf.writestr("../../fora_do_curso.ipynb", nbformat.writes(released))
    collected = grading.collect(course, LESSON, archive)
    honest_file = (
        course / grading.WORK_DIR / "submitted" / "ana-completa" / LESSON / f"{LESSON}.ipynb"
    )
    honest_bytes = honest_file.read_bytes()
    venv_pth = sorted(Path(sys.prefix).rglob("*.pth"))
    started = time.monotonic()
    report = grading.grade(
        course,
        LESSON,
        jobs=2,
        nbgrader_args=[f"--SandboxedExecute.timeout={CELL_TIMEOUT}"],
    )
    seconds = time.monotonic() - started
    print(report.table(), f"\n{seconds:.0f} s")
    print("\n".join(str(o.seconds) + " " + s for s, o in report.outcomes.items()))
    grading.feedback(course, LESSON)
    rows = {r["student_id"]: r for r in grading.read_grades(grading.export(course))}
    time.sleep(10)  # longer than the lingering process would have slept
    listener.close()
    return {
        "course": course,
        "collected": collected,
        "report": report,
        "rows": rows,
        "seconds": seconds,
        "outside": outside,
        "connections": connections,
        "honest": (honest_file, honest_bytes),
        "venv_pth": venv_pth,
    }


def _score(rows, student) -> float:
    return float(rows[student]["score"])


def test_honest_students_get_their_grades(graded_class):
    rows = graded_class["rows"]
    assert _score(rows, "ana-completa") == 6
    assert _score(rows, "bruno-branco") == 0
    assert (
        rows["ana-completa"]["revisar"] == "" and rows["ana-completa"]["situacao"] == "corrigido"
    )


def test_forged_verdicts_get_nothing_and_are_flagged(graded_class):
    rows = graded_class["rows"]
    # the wrong reader (label read from the last byte) really has 2 of the 4 properties
    # (shape and any number of records): the forgeries add nothing to them
    assert _score(rows, "forja-numpy") == 2
    assert "np.array_equal" in rows["forja-numpy"]["revisar"]


def test_input_transformer_blanking_tests_gets_nothing(graded_class):
    rows = graded_class["rows"]
    assert _score(rows, "tadeu-transformador") == 0
    assert "input_transformers" in rows["tadeu-transformador"]["revisar"]
    assert "sonda" in rows["tadeu-transformador"]["revisar"]


def test_sabotage_reaches_neither_gradebook_nor_classmates(graded_class):
    rows = graded_class["rows"]
    honest_file, honest_bytes = graded_class["honest"]
    assert honest_file.read_bytes() == honest_bytes
    assert _score(rows, "sara-sabotadora") == 6  # her answers are right; her sabotage did nothing
    assert rows["sara-sabotadora"]["revisar"]
    assert _score(rows, "ana-completa") == 6


def test_no_process_file_network_or_pth_survives(graded_class):
    rows = graded_class["rows"]
    assert not (graded_class["outside"] / "ainda_vivo").exists()
    assert graded_class["connections"] == []
    assert sorted(Path(sys.prefix).rglob("*.pth")) == graded_class["venv_pth"]
    assert _score(rows, "pedro-persistente") == 6
    assert "processo" in rows["pedro-persistente"]["revisar"]
    if os.geteuid() == 0 and sandbox.bwrap():
        ps = subprocess.run(["ps", "-eo", "uid="], capture_output=True, text=True).stdout
        assert not [u for u in ps.split() if int(u) >= sandbox.SANDBOX_UID]


def test_killing_everything_costs_only_the_killer(graded_class):
    rows = graded_class["rows"]
    assert _score(rows, "kiko-killer") == 4  # the read_cifar10_bin cells had already passed
    assert len(rows) >= 15 and _score(rows, "ana-completa") == 6


def test_infinite_loop_and_kernel_death_keep_partial_credit(graded_class):
    rows, report = graded_class["rows"], graded_class["report"]
    assert _score(rows, "lia-laco") == 4 and "tempo" in rows["lia-laco"]["revisar"]
    assert _score(rows, "mauro-morte") == 4 and "kernel" in rows["mauro-morte"]["revisar"]
    loop = report.outcomes["lia-laco"].seconds
    assert loop < CELL_TIMEOUT + 45, loop


def test_pasted_cells_tampered_metadata_and_markdown_answers_are_normalised(graded_class):
    rows = graded_class["rows"]
    assert _score(rows, "dora-duplicada") == 6
    assert _score(rows, "tito-metadados") == 6
    assert float(rows["tito-metadados"]["max_score"]) == float(rows["ana-completa"]["max_score"])
    assert _score(rows, "maria-markdown") == 6


def test_huge_outputs_do_not_make_huge_feedback_and_hidden_logic_is_not_shown(graded_class):
    feedback = graded_class["course"] / grading.WORK_DIR / "feedback"
    page = feedback / "ivo-imagem" / LESSON / f"{LESSON}.html"
    assert _score(graded_class["rows"], "ivo-imagem") == 6
    assert page.stat().st_size < 2_000_000
    honest = (feedback / "ana-completa" / LESSON / f"{LESSON}.html").read_text(encoding="utf-8")
    assert "_probe" in honest and "✅" in honest  # the probe call and the verdict are shown
    assert "def read_cifar10_bin(seed" not in honest and "Wrong(" not in honest


def test_wrong_lesson_and_corrupt_files_are_reported_not_crashed(graded_class):
    rows = graded_class["rows"]
    assert "NÃO CORRIGIDO" in rows["otto-outralicao"]["situacao"]
    assert "não é desta lição" in rows["otto-outralicao"]["situacao"]
    assert "ilegível" in rows["caio-corrompido"]["situacao"]
    assert _score(rows, "otto-outralicao") == 0 == _score(rows, "caio-corrompido")
    feedback = graded_class["course"] / grading.WORK_DIR / "feedback"
    page = feedback / "caio-corrompido" / LESSON / f"{LESSON}.html"
    assert "ilegível" in page.read_text(encoding="utf-8")


def test_collect_keeps_everybody_apart_and_lists_the_rest(graded_class):
    rows, collected = graded_class["rows"], graded_class["collected"]
    assert _score(rows, "vera-vezes") == 6  # the newer, complete file
    jose = sorted(s for s in rows if s.startswith("jose-silva"))
    assert len(jose) == 2 and sorted(_score(rows, s) for s in jose) == [0, 6]
    skipped = " ".join(f"{path} {why}" for path, why in collected.skipped)
    assert "relatorio.pdf" in skipped and "fora_do_curso" in skipped
    assert any("vera" in " ".join(r) for r in collected.replaced)
    assert not (graded_class["course"].parent / "fora_do_curso.ipynb").exists()


def test_a_class_grades_quickly_and_the_run_exits_non_zero_with_failures(graded_class):
    report = graded_class["report"]
    assert set(report.failed) == {"otto-outralicao", "caio-corrompido"}
    assert graded_class["seconds"] < 400


def test_grading_again_skips_graded_students_and_keeps_grades(graded_class):
    course = graded_class["course"]
    again = grading.grade(course, LESSON, students=["ana-completa", "bruno-branco"])
    assert sorted(again.skipped) == ["ana-completa", "bruno-branco"] and not again.outcomes
    rows = {r["student_id"]: r for r in grading.read_grades(grading.export(course))}
    assert rows == graded_class["rows"]


def test_one_job_at_a_time_gives_the_same_grades_as_two(graded_class):
    """The class above was graded with ``jobs=2``; grading six of its students (complete,
    blank, forged, duplicated cells, markdown answers, altered metadata) again one at a time
    must write the very same rows (score, situação, revisar…) for each of them."""
    course = graded_class["course"]
    chosen = sorted(
        ["ana-completa", "bruno-branco", "forja-numpy"]
        + ["dora-duplicada", "maria-markdown", "tito-metadados"]
    )
    again = grading.grade(course, LESSON, jobs=1, force=True, students=chosen)
    assert sorted(again.outcomes) == chosen and not again.failed
    rows = {r["student_id"]: r for r in grading.read_grades(grading.export(course))}
    for student in chosen:
        assert rows[student] == graded_class["rows"][student], student
