"""nbgrader preprocessors of this course: how a submission is cleaned, executed and judged.

``grader.config.configure`` puts them into nbgrader's autograde pipeline:

- sanitize: :class:`NormalizeSubmission` first (duplicated cells, changed cell types and
  tampered metadata are put back as released, by ``grade_id``), :class:`ScanAnswers` (the
  tamper report), then nbgrader's own steps;
- autograde: :class:`SandboxedExecute` instead of nbgrader's ``Execute`` (the notebook runs
  in :mod:`grader.sandbox`), then :class:`ApplyVerdicts` (each test cell's probe output is
  judged here, in the grader's process, and rewritten into a pass or a failure), and
  :class:`CapOutputs`, then nbgrader's own scoring (``SaveAutoGrades``).

What these steps find (flags, where execution stopped) is kept in the notebook's metadata
under ``autograder`` and in a first markdown cell that the feedback shows.
"""

from __future__ import annotations

import os
import secrets

from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Integer, Unicode

from autograder import probes

from . import sandbox
from .verdicts import Malformed, judge

REPORT_MARK = "autograder-relatorio"

REASONS = {
    "timeout": "a célula passou do limite de tempo por célula ({cell} s) e o kernel foi encerrado",
    "dead": "o kernel morreu (por exemplo os._exit, falta de memória ou sinal)",
    "wall-clock": "o notebook passou do limite de tempo total ({notebook} s) e foi encerrado",
    "no-output": "o notebook não produziu resultado legível",
    "killed": "a execução foi encerrada de repente (o código do notebook matou processos?)",
}


def _meta(nb) -> dict:
    return nb.metadata.setdefault("autograder", {"flags": [], "notes": []})


def _flag(nb, text: str) -> None:
    flags = _meta(nb).setdefault("flags", [])
    if text not in flags:
        flags.append(text)


def _note(nb, text: str) -> None:
    notes = _meta(nb).setdefault("notes", [])
    if text not in notes:
        notes.append(text)


def _is_test(cell) -> bool:
    return is_grade(cell) and not is_solution(cell) and cell.cell_type == "code"


class NormalizeSubmission(NbGraderPreprocessor):
    """Put back the released form of every nbgrader cell, by ``grade_id``, before nbgrader's
    own checks: an honest student is graded even if Jupyter or Colab changed the cells."""

    def preprocess(self, nb, resources):
        notebook_id = resources["nbgrader"]["notebook"]
        assignment_id = resources["nbgrader"]["assignment"]
        with Gradebook(resources["nbgrader"]["db_url"]) as gb:
            source = gb.find_notebook(notebook_id, assignment_id)
            kinds = {c.name: c.cell_type for c in source.source_cells}
            locked = {c.name: c.locked for c in source.source_cells}
            points = {c.name: c.max_score for c in source.grade_cells}
            solutions = {c.name for c in source.solution_cells}
            tasks = {c.name for c in source.task_cells}
        seen = set()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if grade_id not in kinds or grade_id in seen:
                del cell.metadata["nbgrader"]
                reason = "repetida" if grade_id in seen else "desconhecida"
                _note(nb, f"célula {grade_id!r} {reason}: tratada como célula comum")
                continue
            seen.add(grade_id)
            if cell.cell_type != kinds[grade_id]:
                _note(nb, f"célula {grade_id!r} voltou a ser do tipo {kinds[grade_id]}")
                self._set_type(cell, kinds[grade_id])
            released = {
                "grade": grade_id in points,
                "solution": grade_id in solutions,
                "locked": locked[grade_id],
                "task": grade_id in tasks,
                "schema_version": 3,
                "grade_id": grade_id,
            }
            if grade_id in points:
                released["points"] = points[grade_id]
            if "checksum" in meta and isinstance(meta["checksum"], str):
                released["checksum"] = meta["checksum"]
            if any(meta.get(k) != v for k, v in released.items() if k != "checksum"):
                if not is_solution(from_dict({"metadata": {"nbgrader": released}})):
                    _note(nb, f"metadados da célula {grade_id!r} restaurados")
            cell.metadata["nbgrader"] = from_dict(released)
        return nb, resources

    @staticmethod
    def _set_type(cell, kind: str) -> None:
        cell.cell_type = kind
        if kind == "code":
            cell.outputs, cell.execution_count = [], None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)


class ScanAnswers(NbGraderPreprocessor):
    """The tamper report: code the student wrote (answer cells, edited or added cells)
    doing what an answer has no reason to do. Cells as released are not scanned."""

    release_directory = Unicode("", help="Folder of the released lessons.").tag(config=True)

    def preprocess(self, nb, resources):
        from . import tamper

        released = self._released_sources(resources)
        for number, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or _is_test(cell) or cell.source in released:
                continue
            where = cell.metadata.get("nbgrader", {}).get("grade_id") or f"célula {number}"
            for reason in tamper.scan(cell.source):
                _flag(nb, f"{where}: {reason}")
        return nb, resources

    def _released_sources(self, resources) -> set:
        import nbformat

        path = os.path.join(
            self.release_directory,
            resources["nbgrader"]["assignment"],
            resources["nbgrader"]["notebook"] + ".ipynb",
        )
        if not self.release_directory or not os.path.isfile(path):
            return set()
        return {
            c.source
            for c in nbformat.read(path, as_version=4).cells
            if not c.metadata.get("nbgrader", {}).get("solution")
        }


class SandboxedExecute(NbGraderPreprocessor):
    """nbgrader's ``Execute``, but the notebook runs in :mod:`grader.sandbox`."""

    timeout = Integer(sandbox.CELL_TIMEOUT, help="Seconds per cell.").tag(config=True)
    notebook_timeout = Integer(sandbox.NOTEBOOK_TIMEOUT, help="Seconds per notebook.").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        seed = secrets.randbelow(2**62)
        slot = int(os.environ.get("AUTOGRADER_SLOT", "0") or 0)
        smoke = os.environ.get("COURSE_SMOKE", "1") != "0"
        folder = resources.get("metadata", {}).get("path") or "."
        run = sandbox.execute(
            nb,
            folder,
            seed,
            slot=slot,
            smoke=smoke,
            cell_timeout=self.timeout,
            notebook_timeout=self.notebook_timeout,
        )
        resources["autograder_seed"] = seed
        meta = _meta(nb)
        meta.update(seconds=round(run.seconds, 1), isolation=run.isolation)
        if run.nb is not None:
            for cell, ran in zip(nb.cells, run.nb.cells):
                if cell.cell_type == "code":
                    cell.outputs = ran.outputs
                    cell.execution_count = ran.execution_count
        if run.reason is not None:
            reason = run.reason.split(":")[0]
            text = REASONS.get(reason, "a execução parou: {detail}").format(
                cell=self.timeout, notebook=self.notebook_timeout, detail=run.reason[:200]
            )
            stopped = run.stopped_at if run.stopped_at is not None else 0
            meta["stopped"] = {"cell": stopped, "why": text}
        return nb, resources


def _probe_outputs(cell) -> list:
    return [
        o
        for o in cell.outputs
        if o.get("output_type") == "display_data" and probes.MIME in o.get("data", {})
    ]


class ApplyVerdicts(NbGraderPreprocessor):
    """Judge every autograded test cell from its probe output, outside the student's kernel."""

    def preprocess(self, nb, resources):
        lesson = resources["nbgrader"]["assignment"]
        seed = resources.get("autograder_seed")
        meta = _meta(nb)
        stopped = meta.get("stopped")
        for index, cell in enumerate(nb.cells):
            if not _is_test(cell):
                continue
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            if stopped and index >= stopped["cell"] and cell.execution_count is None:
                self._fail(cell, f"não executada: {stopped['why']} (célula {stopped['cell']}).")
                continue
            if index == (stopped or {}).get("cell"):
                self._fail(cell, f"{stopped['why']}.")
                continue
            if cell.execution_count is None and not cell.outputs:
                self._fail(cell, "não executada.")
                continue
            found = _probe_outputs(cell)
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            try:
                if len(found) > 1:
                    raise Malformed("a célula de teste tem mais de uma saída de sonda")
                if errors:  # the probe is the cell's last statement: nothing may fail after it
                    error = errors[0]
                    reason = f"{str(error.get('ename'))[:80]}: {str(error.get('evalue'))[:400]}"
                    if found:  # a payload displayed by the answer, then the real probe stopped
                        _flag(nb, f"{grade_id}: saída de sonda numa célula que terminou com erro")
                        self._fail(cell, f"a célula de teste terminou com erro: {reason}")
                    else:
                        self._fail(
                            cell,
                            f"a célula de teste parou com erro antes de chegar à correção: {reason}",
                        )
                    continue
                payload = found[0]["data"][probes.MIME] if found else None
                verdict = judge(lesson, grade_id, payload, seed)
            except Malformed as error:
                _flag(nb, f"{grade_id}: saída da sonda ausente ou adulterada ({error})")
                self._fail(cell, f"a correção não encontrou um resultado válido ({error}).")
                continue
            if verdict.passed:
                cell.outputs = [_stream("✅ " + verdict.message)]
            else:
                self._fail(cell, verdict.message)
        return nb, resources

    @staticmethod
    def _fail(cell, message: str) -> None:
        cell.outputs = [
            from_dict(
                {
                    "output_type": "error",
                    "ename": "Reprovado",
                    "evalue": message,
                    "traceback": ["❌ " + message],
                }
            )
        ]


def _stream(text: str) -> NotebookNode:
    return from_dict({"output_type": "stream", "name": "stdout", "text": text + "\n"})


class CapOutputs(NbGraderPreprocessor):
    """Drop images and rich outputs too large for a feedback page (text is capped by
    nbgrader's ``LimitOutput``), then write the report cell the feedback shows first."""

    max_bytes = Integer(300_000, help="Largest output kept, in bytes.").tag(config=True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for output in cell.outputs:
                data = output.get("data") or {}
                for mime in list(data):
                    size = len(data[mime]) if isinstance(data[mime], str) else 0
                    if size > self.max_bytes:
                        del data[mime]
                        data["text/plain"] = f"[saída de {size // 1024} KiB removida da correção]"
        _report_cell(nb)
        return nb, resources


def _report_cell(nb) -> None:
    meta = _meta(nb)
    lines = []
    if meta.get("stopped"):
        stop = meta["stopped"]
        lines.append(
            f"- **Execução interrompida na célula {stop['cell']}:** {stop['why']}. "
            "As células de teste anteriores mantêm a nota; as seguintes valem zero."
        )
    for flag in meta.get("flags", []):
        lines.append(f"- **Revisar:** {flag}")
    for note in meta.get("notes", []):
        lines.append(f"- {note}")
    if not lines:
        return
    text = "### Relatório da correção automática\n\n" + "\n".join(lines)
    cell = from_dict(
        {"cell_type": "markdown", "metadata": {"tags": [REPORT_MARK]}, "source": text}
    )
    nb.cells = [c for c in nb.cells if REPORT_MARK not in c.metadata.get("tags", [])]
    nb.cells.insert(0, cell)


__all__ = [
    "ApplyVerdicts",
    "CapOutputs",
    "NormalizeSubmission",
    "SandboxedExecute",
    "ScanAnswers",
]


def execute_and_judge(nb, lesson: str, folder, smoke: bool = True):
    """Run ``nb`` in the sandbox and judge its test cells, without nbgrader or a gradebook.

    Returns ``(executed notebook, {grade_id: (score, max_score)})``. The course's tests use
    it to check that each solution earns every autograded point by the real grading path.
    """
    from nbgrader.utils import determine_grade

    os.environ.setdefault("COURSE_SMOKE", "1" if smoke else "0")
    resources = {"nbgrader": {"assignment": lesson}, "metadata": {"path": str(folder)}}
    executor = SandboxedExecute()
    nb, resources = executor.preprocess(nb, resources)
    nb, resources = ApplyVerdicts().preprocess(nb, resources)
    scores = {
        cell.metadata["nbgrader"]["grade_id"]: determine_grade(cell)
        for cell in nb.cells
        if _is_test(cell)
    }
    return nb, scores
