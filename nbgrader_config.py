# nbgrader configuration of this course: everything is set in autograder.grading.configure.
from pathlib import Path

from grader.config import configure

configure(get_config(), Path(__file__).resolve().parent)  # noqa: F821 (nbgrader defines it)
