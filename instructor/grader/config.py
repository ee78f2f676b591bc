"""nbgrader configuration of this course (``nbgrader_config.py`` at the root only calls
:func:`configure`, so plain ``nbgrader`` commands run from the root behave the same)."""

from __future__ import annotations

import os
from pathlib import Path

WORK_DIR = "grading"
"""Folder (relative to the course root) for every instructor working file; git-ignored."""

COURSE_ID = "psi5790"
"""nbgrader course id on a JupyterHub exchange (``CourseDirectory.course_id``), unless
:data:`COURSE_ID_ENV` says otherwise. Students use the same id to fetch and submit."""

EXCHANGE_ROOT = "/srv/nbgrader/exchange"
"""nbgrader's exchange folder on a JupyterHub (``Exchange.root``), unless
:data:`EXCHANGE_ROOT_ENV` says otherwise: shared by instructors and students, and writable
by all of them as nbgrader requires (``autograder exchange release`` creates it if it can)."""

COURSE_ID_ENV = "AUTOGRADER_COURSE_ID"
EXCHANGE_ROOT_ENV = "AUTOGRADER_EXCHANGE_ROOT"


def exchange_settings(environ=None) -> tuple[str, str]:
    """(course id, exchange folder) of the JupyterHub route: the environment variables
    :data:`COURSE_ID_ENV` and :data:`EXCHANGE_ROOT_ENV` (what ``autograder exchange
    --course-id/--exchange-root`` set), else :data:`COURSE_ID` and :data:`EXCHANGE_ROOT`."""
    environ = os.environ if environ is None else environ
    course_id = (environ.get(COURSE_ID_ENV) or COURSE_ID).strip()
    exchange_root = environ.get(EXCHANGE_ROOT_ENV) or EXCHANGE_ROOT
    return course_id, str(Path(exchange_root).expanduser().absolute())


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


def configure(c, root) -> None:
    """Fill an nbgrader config object ``c`` for the course whose root is ``root``."""
    from . import sandbox

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
    # JupyterHub route (nbgrader's exchange): release_assignment, collect and release_feedback
    # use these; students need the same two values (`autograder exchange config` prints them)
    c.CourseDirectory.course_id, c.Exchange.root = exchange_settings()
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
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = TF_LOG_PATTERN
    c.OverwriteCells.add_missing_cells = True
    c.ZipCollectApp.collector_plugin = "grader.collect.SubmissionCollector"
    c.ZipCollectApp.strict = True
    c.ZipCollectApp.force = True
    c.ExtractorPlugin.force = True
    # grading: cleaned by grade_id, executed in the sandbox, judged outside the kernel
    c.Autograde.sanitize_preprocessors = [
        "grader.preprocessors.NormalizeSubmission",
        "grader.preprocessors.ScanAnswers",
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "nbgrader.preprocessors.OverwriteCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.Autograde.autograde_preprocessors = [
        "grader.preprocessors.SandboxedExecute",
        "nbgrader.preprocessors.IgnorePattern",
        "grader.preprocessors.ApplyVerdicts",
        "nbgrader.preprocessors.LimitOutput",
        "grader.preprocessors.CapOutputs",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.ScanAnswers.release_directory = str(root / "lessons")
    c.SandboxedExecute.timeout = sandbox.CELL_TIMEOUT
    c.SandboxedExecute.notebook_timeout = sandbox.NOTEBOOK_TIMEOUT
    c.Execute.timeout = sandbox.CELL_TIMEOUT  # nbgrader validate (instructors' own runs)
    c.ExportApp.plugin_class = "grader.export.CourseExportPlugin"
    c.CourseExportPlugin.state_dir = str(root / WORK_DIR / "estado")
