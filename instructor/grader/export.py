"""The grades CSV: nbgrader's export, plus what the grading run found about each student.

Columns are nbgrader's own (assignment … max_score) followed by ``situacao`` ("corrigido",
or "NÃO CORRIGIDO: <motivo>"), ``revisar`` (the tamper report and interrupted runs, for
a human to look at) and ``atraso_s`` (seconds past the due date, nbgrader's
``total_seconds_late``; the penalty, if the course sets one, is in
``late_submission_penalty``). Selected with ``c.ExportApp.plugin_class`` in
:func:`grader.config.configure`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin
from traitlets import Unicode

COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
    "situacao",
    "revisar",
    "atraso_s",
]


def read_state(state_dir, lesson: str) -> dict:
    """What ``autograder grade`` recorded for each student of ``lesson`` (empty if nothing)."""
    path = Path(state_dir) / f"{lesson}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


class CourseExportPlugin(CsvExportPlugin):
    """nbgrader's CSV export with the course's two extra columns."""

    state_dir = Unicode("", help="Folder with the grading state of each lesson.").tag(config=True)

    def export(self, gradebook) -> None:
        dest = self.to or "grades.csv"
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, COLUMNS)
            writer.writeheader()
            for assignment in gradebook.assignments:
                if self.assignment and assignment.name not in self.assignment:
                    continue
                state = read_state(self.state_dir, assignment.name) if self.state_dir else {}
                for student in gradebook.students:
                    if self.student and student.id not in self.student:
                        continue
                    writer.writerow(self._row(gradebook, assignment, student, state))

    @staticmethod
    def _row(gradebook, assignment, student, state) -> dict:
        row = {
            "assignment": assignment.name,
            "duedate": assignment.duedate or "",
            "student_id": student.id,
            "last_name": student.last_name or "",
            "first_name": student.first_name or "",
            "email": student.email or "",
            "max_score": assignment.max_score,
        }
        entry = state.get(student.id, {})
        try:
            submission = gradebook.find_submission(assignment.name, student.id)
        except MissingEntry:
            row.update(
                timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0, atraso_s=0.0
            )
        else:
            penalty = submission.late_submission_penalty
            row.update(
                timestamp=submission.timestamp,
                raw_score=submission.score,
                late_submission_penalty=penalty,
                score=max(0.0, submission.score - penalty),
                atraso_s=float(submission.total_seconds_late or 0.0),
            )
        if entry.get("problem"):
            row["situacao"] = f"NÃO CORRIGIDO: {entry['problem']}"
        elif entry or "timestamp" in row and row["timestamp"]:
            row["situacao"] = "corrigido"
        else:
            row["situacao"] = "sem entrega"
        row["revisar"] = " | ".join(entry.get("review", []))
        return row
