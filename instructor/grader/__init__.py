"""The instructor's side of the course: the ``autograder`` command and nbgrader's grading pipeline.

Never published to students and never importable from a student's kernel while grading: it
holds the verdict code (:mod:`grader.verdicts`) that decides whether an answer is right.
"""
