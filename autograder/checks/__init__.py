"""Self-check functions, one module per lesson (``from autograder.checks import lesson01``).

Each check calls the student's function on fresh random inputs, prints a Portuguese
message when the answer is right, and raises :class:`CheckFailed` (an
``AssertionError``) with a Portuguese explanation when it is wrong, so the same call
gives students immediate feedback and gives nbgrader a failing cell.
"""

from ._core import CheckFailed

__all__ = ["CheckFailed"]
