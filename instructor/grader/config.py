"""nbgrader configuration of this course (``nbgrader_config.py`` at the root only calls
:func:`configure`, so plain ``nbgrader`` commands run from the root behave the same)."""

from __future__ import annotations

from pathlib import Path

WORK_DIR = "grading"
"""Folder (relative to the course root) for every instructor working file; git-ignored."""

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
