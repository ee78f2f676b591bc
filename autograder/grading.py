"""The grading pipeline: nbgrader configured for this course, and thin steps over it.

The repository root is the nbgrader course directory: ``solutions/`` is nbgrader's
source directory, ``lessons/`` its release directory, and every instructor working
file (downloaded zips, submissions, autograded copies, feedback, the gradebook)
lives under the git-ignored ``grading/`` folder. ``nbgrader_config.py`` at the root
only calls :func:`configure`, so plain ``nbgrader`` commands run from the root work
too. Each step here runs nbgrader in a subprocess and never reimplements it.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import nbformat

WORK_DIR = "grading"
"""Folder (relative to the course root) for every instructor working file; git-ignored."""

CELL_TIMEOUT = 600
"""Seconds one cell may run while grading: smoke-mode training fits with a wide margin."""

# TensorFlow's C++ logger, absl, the Python loggers of TF/absl, and Python warnings
# (e.g. Keras UserWarnings). nbgrader zeroes a test cell that wrote anything to
# stderr, so stderr chunks with these lines are dropped before scoring.
TF_LOG_PATTERN = (
    r"(?m)^("
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.\d]*: [IWEF] "  # 2026-01-01 10:00:00.1: I tensorflow/...
    r"|[IWEF]\d{4} \d\d:\d\d:\d\d[.\d]* +\d+ "  # absl: W0000 00:00:1732... 123 file.cc:1]
    r"|WARNING: All log messages before absl::InitializeLog"
    r"|(WARNING|INFO|ERROR):(absl|tensorflow|keras|root):"
    r"|.*\b\w*Warning: "  # Python warnings: file.py:12: UserWarning: ...
    r")"
)

CODE_STUB = "# SEU CÓDIGO AQUI\nraise NotImplementedError()"
TEXT_STUB = "SUA RESPOSTA AQUI"


class GradingError(RuntimeError):
    """A grading step cannot go on; the message says why and what to do."""


def configure(c, root) -> None:
    """Fill an nbgrader config object ``c`` for the course whose root is ``root``."""
    root = Path(root).resolve()
    (root / WORK_DIR).mkdir(exist_ok=True)
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "lessons"
    c.CourseDirectory.submitted_directory = f"{WORK_DIR}/submitted"
    c.CourseDirectory.autograded_directory = f"{WORK_DIR}/autograded"
    c.CourseDirectory.feedback_directory = f"{WORK_DIR}/feedback"
    c.ZipCollectApp.downloaded_directory = f"{WORK_DIR}/downloaded"
    c.CourseDirectory.db_url = f"sqlite:///{root / WORK_DIR / 'gradebook.db'}"
    # files that running a lesson writes next to it never travel into lessons/ or submissions
    c.CourseDirectory.ignore = [
        ".ipynb_checkpoints",
        "*.pyc",
        "__pycache__",
        "feedback",
        "*.png",
        "*.jpg",
        "*.bin",
        "*.keras",
        "*.h5",
        "*.npz",
    ]
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    c.Execute.timeout = CELL_TIMEOUT
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = TF_LOG_PATTERN
    c.OverwriteCells.add_missing_cells = True
    c.ZipCollectApp.collector_plugin = "autograder.grading.SubmissionCollector"
    c.ZipCollectApp.strict = True
    c.ZipCollectApp.force = True
    c.ExtractorPlugin.force = True


# --------------------------------------------------------------------------- names

_COLAB_NOISE = (
    re.compile(r"^(copy of|c[oó]pia de)\s+", re.I),
    re.compile(r"\s*\(\d+\)$"),
    re.compile(r"-checkpoint$"),
)
_MOODLE = re.compile(
    r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(file|onlinetext)_(?P<rest>.*)$"
)
_CANVAS = re.compile(r"^(?P<name>[a-z]+)(_late)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<rest>.+)$", re.I)


def slug(text: str) -> str:
    """ASCII, lower-case, dash-separated form of a name: ``'Ana Júlia'`` → ``'ana-julia'``."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def clean_notebook_stem(stem: str) -> str:
    """Undo what Colab and browsers do to a file name: ``Copy of X (1)`` → ``X``."""
    previous = None
    while previous != stem:
        previous = stem
        for pattern in _COLAB_NOISE:
            stem = pattern.sub("", stem.strip())
    return stem


@dataclass
class Match:
    student_id: str
    notebook: str


def match_submission(relative_path: str, lesson: str, notebooks: list[str]) -> Match | None:
    """Map one handed-in file to ``(student, notebook)``, or None when it cannot be placed.

    ``relative_path`` is the file's path inside what was handed in (an LMS zip or a
    folder); ``notebooks`` are the lesson's released notebook names. The student comes
    from a Moodle or Canvas prefix (on the file or on its folder), else from the first
    folder, else from a ``<student>_<lesson>`` file name.
    """
    parts = Path(relative_path).parts
    if not parts or not parts[-1].endswith(".ipynb"):
        return None
    student = None
    stem = clean_notebook_stem(Path(parts[-1]).stem)
    for part in parts:
        for pattern in (_MOODLE, _CANVAS):
            found = pattern.match(Path(part).stem if part == parts[-1] else part)
            if found and student is None:
                student = slug(found["name"])
                if part == parts[-1]:
                    stem = clean_notebook_stem(found["rest"])
    if student is None and len(parts) > 1:
        student = slug(parts[0])
    targets = {Path(name).stem: name for name in notebooks}
    notebook = targets.get(stem)
    if notebook is None:
        for target_stem, name in targets.items():
            position = stem.find(target_stem)
            if position > 0 and student is None:
                student = slug(stem[:position])
            if position >= 0:
                notebook = name
                break
    if notebook is None and len(targets) == 1 and lesson in stem:
        notebook = next(iter(targets.values()))
    if not student or notebook is None:
        return None
    return Match(student, notebook)


try:  # the collector plugin is only importable where nbgrader is installed
    from nbgrader.plugins import FileNameCollectorPlugin
except ImportError:  # pragma: no cover - students' Colab installs have no nbgrader
    FileNameCollectorPlugin = object


class SubmissionCollector(FileNameCollectorPlugin):
    """nbgrader zip_collect plugin: places LMS and Colab file names (see :func:`match_submission`)."""

    def collect(self, submitted_file):
        app = self.parent
        extracted = Path(app._format_collect_path(app.extracted_directory))
        relative = Path(submitted_file).relative_to(extracted)
        lesson = app.coursedir.assignment_id
        released = Path(app.coursedir.format_path(app.coursedir.release_directory, ".", lesson))
        notebooks = sorted(p.name for p in released.glob("*.ipynb"))
        found = match_submission(str(relative), lesson, notebooks)
        if found is None:
            self.log.warning(
                "Ignorado (aluno ou notebook não identificado): %s. Coloque o arquivo numa "
                "pasta com o nome do aluno ou use o zip do AVA.",
                relative,
            )
            return None
        mtime = _dt.datetime.fromtimestamp(os.path.getmtime(submitted_file), _dt.timezone.utc)
        return {
            "student_id": found.student_id,
            "file_id": found.notebook,
            "timestamp": mtime.isoformat(),
        }


# --------------------------------------------------------------------------- course and steps


def find_course_root(start=None) -> Path:
    """The course directory: the first folder from ``start`` upwards with ``solutions/``
    and ``nbgrader_config.py``."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
            return folder
    raise GradingError(
        f"Nenhum curso encontrado em {here} nem acima: rode o comando dentro do clone do "
        "repositório (a pasta com nbgrader_config.py e solutions/) ou use --course-dir."
    )


def lessons(root) -> list[str]:
    """Lesson ids, i.e. the folders of ``solutions/`` that hold a notebook."""
    return sorted(p.name for p in Path(root, "solutions").iterdir() if list(p.glob("*.ipynb")))


def check_lesson(root, lesson: str) -> None:
    known = lessons(root)
    if lesson not in known:
        raise GradingError(f"Lição {lesson!r} não existe. Lições: {', '.join(known)}.")


def scratch_course(root, target, lesson_ids=None) -> Path:
    """A throw-away copy of the course in ``target`` (the root's nbgrader_config.py and the
    chosen lessons of ``solutions/``, all by default); returns its root."""
    root, target = Path(root), Path(target)
    for lesson in lesson_ids or lessons(root):
        check_lesson(root, lesson)
        shutil.copytree(root / "solutions" / lesson, target / "solutions" / lesson)
    shutil.copy(root / "nbgrader_config.py", target / "nbgrader_config.py")
    return target


def nbgrader(root, *args, smoke: bool = True, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course root; returns the finished process."""
    env = dict(os.environ)
    env["COURSE_SMOKE"] = "1" if smoke else "0"
    env.setdefault("PYTHONUNBUFFERED", "1")
    # nbgrader runs `alembic` from PATH when it creates a gradebook: make the scripts of
    # this interpreter's environment visible even when the venv is not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # ... and grade with this environment's own "python3" kernel, not one from the user's
    # Jupyter folder that may point at another Python (JUPYTER_PATH is searched first).
    own_kernels = Path(sys.prefix, "share", "jupyter")
    if (own_kernels / "kernels").is_dir():
        env["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (str(own_kernels), env.get("JUPYTER_PATH", "")) if p
        )
    command = [sys.executable, "-m", "nbgrader", *map(str, args)]
    result = subprocess.run(command, cwd=root, env=env, text=True, capture_output=True)
    if check and result.returncode != 0:
        raise GradingError(
            f"nbgrader {' '.join(map(str, args))} falhou (código {result.returncode}):\n"
            + _tail(result.stdout + result.stderr)
        )
    return result


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def release(root, lesson_ids=None) -> list[Path]:
    """Regenerate ``lessons/<id>/`` from ``solutions/<id>/`` with nbgrader generate_assignment."""
    written = []
    for lesson in lesson_ids or lessons(root):
        check_lesson(root, lesson)
        nbgrader(root, "generate_assignment", lesson, "--force")
        written.extend(sorted(Path(root, "lessons", lesson).glob("*.ipynb")))
    return written


def release_drift(root) -> list[str]:
    """Lessons whose committed ``lessons/`` differ from a fresh generation (empty: none)."""
    root = Path(root)
    with tempfile.TemporaryDirectory(prefix="release-check-") as tmp:
        shadow = scratch_course(root, tmp)
        release(shadow)
        drift = []
        for lesson in lessons(root):
            fresh = {p.name: p.read_bytes() for p in (shadow / "lessons" / lesson).iterdir()}
            committed_dir = root / "lessons" / lesson
            committed = (
                {p.name: p.read_bytes() for p in committed_dir.iterdir()}
                if committed_dir.is_dir()
                else {}
            )
            if fresh != committed:
                drift.append(lesson)
        return drift


def collect(root, lesson: str, source) -> list[str]:
    """Import what students handed in (LMS zips, folders, loose ``.ipynb``) with zip_collect.

    Returns the student ids now in ``grading/submitted`` for the lesson.
    """
    check_lesson(root, lesson)
    source = Path(source)
    if not source.exists():
        raise GradingError(
            f"{source} não existe: indique o zip do AVA ou a pasta com os notebooks."
        )
    archive = Path(root, WORK_DIR, "downloaded", lesson, "archive")
    if archive.exists():
        shutil.rmtree(archive)
    archive.mkdir(parents=True)
    if source.is_dir():
        shutil.copytree(source, archive, dirs_exist_ok=True)
    else:
        shutil.copy2(source, archive / source.name)
    nbgrader(root, "zip_collect", lesson, "--force")
    submitted = Path(root, WORK_DIR, "submitted")
    return sorted(p.parent.name for p in submitted.glob(f"*/{lesson}") if p.is_dir())


@dataclass
class GradeReport:
    graded: list[str]
    failed: dict[str, str]


def _student_problem(notebook: Path) -> str | None:
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as error:  # nbformat raises several types for broken files
        return f"notebook ilegível ({type(error).__name__}: {str(error)[:120]})"
    if not any("nbgrader" in cell.metadata for cell in nb.cells):
        return "o notebook não tem as células do nbgrader (não foi feito a partir da lição)"
    return None


def grade(root, lesson: str, smoke: bool = True) -> GradeReport:
    """Autograde every submission of ``lesson``; one bad submission never stops the others."""
    check_lesson(root, lesson)
    submitted = sorted(Path(root, WORK_DIR, "submitted").glob(f"*/{lesson}"))
    if not submitted:
        raise GradingError(
            f"Nenhuma entrega da lição {lesson} em {WORK_DIR}/submitted: rode antes "
            f"`autograder collect {lesson} <zip-ou-pasta>`."
        )
    failed: dict[str, str] = {}
    graded = []
    for folder in submitted:
        student = folder.parent.name
        problems = [p for nb in folder.glob("*.ipynb") if (p := _student_problem(nb))]
        if problems:
            failed[student] = problems[0]
            continue
        result = nbgrader(
            root, "autograde", lesson, "--force", "--student", student, smoke=smoke, check=False
        )
        if result.returncode != 0:
            failed[student] = _tail(result.stdout + result.stderr, 8)
        else:
            graded.append(student)
    _register_students(root, failed)
    return GradeReport(graded, failed)


def _register_students(root, students) -> None:
    """Students whose file could not be graded still get a row (zero) in the export."""
    for student in students:
        nbgrader(root, "db", "student", "add", student, check=False)


def feedback(root, lesson: str) -> Path:
    """Write the HTML feedback of every graded submission; returns the feedback folder."""
    check_lesson(root, lesson)
    nbgrader(root, "generate_feedback", lesson, "--force")
    return Path(root, WORK_DIR, "feedback")


def export(root, output=None) -> Path:
    """Write the grades CSV (nbgrader export) and return its path."""
    output = Path(output) if output else Path(root, WORK_DIR, "notas.csv")
    nbgrader(root, "export", f"--to={output.resolve()}")
    return output


def read_grades(csv_path) -> list[dict]:
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
