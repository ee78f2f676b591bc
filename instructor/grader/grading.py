"""The grading pipeline: nbgrader configured for this course, and thin steps over it.

The repository root is the nbgrader course directory: ``solutions/`` is nbgrader's
source directory, ``lessons/`` its release directory, and every instructor working
file (downloaded zips, submissions, autograded copies, feedback, the gradebook)
lives under the git-ignored ``grading/`` folder. ``nbgrader_config.py`` at the root
only calls :func:`configure`, so plain ``nbgrader`` commands run from the root work
too. Each step here runs nbgrader in a subprocess and never reimplements it.
"""

from __future__ import annotations

import concurrent.futures
import csv
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .config import CODE_STUB, TEXT_STUB, TF_LOG_PATTERN, WORK_DIR, configure  # noqa: F401

# nbgrader's remove_submission leaves SQLAlchemy complaining about objects it already
# deleted; harmless, and noise on the instructor's terminal.
warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session")

MAX_SUBMISSION_BYTES = 30 * 2**20
"""A handed-in notebook larger than this is not graded (outputs can be cleared first)."""


class GradingError(RuntimeError):
    """A grading step cannot go on; the message says why and what to do."""


from .collect import Match, clean_notebook_stem, match_submission, slug  # noqa: E402,F401

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


def nbgrader(
    root, *args, smoke: bool = True, check: bool = True, extra_env=None
) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course root; returns the finished process."""
    env = dict(os.environ)
    env["COURSE_SMOKE"] = "1" if smoke else "0"
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra_env or {})
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


def generate(root, lesson_ids=None) -> list[Path]:
    """Regenerate ``lessons/<id>/`` from ``solutions/<id>/`` with nbgrader generate_assignment
    (``autograder generate``; not nbgrader's *release*, which hands a lesson to students
    through the JupyterHub exchange: see :mod:`grader.exchange`)."""
    written = []
    for lesson in lesson_ids or lessons(root):
        check_lesson(root, lesson)
        nbgrader(root, "generate_assignment", lesson, "--force")
        written.extend(sorted(Path(root, "lessons", lesson).glob("*.ipynb")))
    return written


def generate_drift(root) -> list[str]:
    """Lessons whose committed ``lessons/`` differ from a fresh generation (empty: none)."""
    root = Path(root)
    with tempfile.TemporaryDirectory(prefix="generate-check-") as tmp:
        shadow = scratch_course(root, tmp)
        generate(shadow)
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


def collect(root, lesson: str, source):
    """Import what students handed in (LMS zips, folders, loose ``.ipynb``) for ``lesson``.

    Returns the :class:`grader.collect.CollectReport`: who was placed, which older hand-ins
    were replaced, and every file that could not be placed, with the reason.
    """
    from . import collect as _collect

    check_lesson(root, lesson)
    notebooks = sorted(p.name for p in Path(root, "solutions", lesson).glob("*.ipynb"))
    return _collect.collect(Path(root), lesson, source, notebooks)


# --------------------------------------------------------------------------- grading


@dataclass
class Outcome:
    """What grading did with one student's submission."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    problem: str = ""  # why it could not be graded (Portuguese); empty when graded
    review: list = field(default_factory=list)  # tamper report and interruptions
    seconds: float = 0.0
    digest: str = ""
    late: float = 0.0  # seconds past the lesson's due date (nbgrader's total_seconds_late)


@dataclass
class GradeReport:
    outcomes: dict  # student -> Outcome
    skipped: list  # students already graded from the same files (resumed run)
    isolation: str

    @property
    def graded(self) -> list[str]:
        return [s for s, o in self.outcomes.items() if not o.problem]

    @property
    def failed(self) -> dict[str, str]:
        return {s: o.problem for s, o in self.outcomes.items() if o.problem}

    def table(self) -> str:
        """The summary printed by ``autograder grade``."""
        header = f"{'aluno':<28} {'nota':>11}  situação"
        lines = [header, "-" * len(header)]
        for student, o in sorted(self.outcomes.items()):
            score = f"{o.score:.1f}/{o.max_score:.1f}" if not o.problem else "-"
            status = f"NÃO CORRIGIDO: {o.problem}" if o.problem else "corrigido"
            if o.late:
                status += f" · ATRASADA ({late_text(o.late)})"
            if o.review:
                status += " · REVISAR: " + " | ".join(o.review)
            lines.append(f"{student:<28} {score:>11}  {status}")
        for student in self.skipped:
            lines.append(f"{student:<28} {'':>11}  já corrigido (mesmo arquivo; use --force)")
        return "\n".join(lines)


def late_text(seconds: float) -> str:
    """How late, in Portuguese words (``2 d 3 h``, ``5 min``, ``40 s``)."""
    seconds = math.ceil(seconds)  # a fraction of a second late is late
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{secs} s"


def _digest(folder: Path) -> str:
    hasher = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            hasher.update(str(path.relative_to(folder)).encode())
            hasher.update(path.read_bytes())
    return hasher.hexdigest()


def _state_path(root, lesson) -> Path:
    return Path(root, WORK_DIR, "estado", f"{lesson}.json")


def _save_state(root, lesson, state: dict) -> None:
    path = _state_path(root, lesson)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.part")
    partial.write_text(json.dumps(state, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


def _released_ids(nb) -> set:
    return {
        c.metadata["nbgrader"].get("grade_id")
        for c in nb.cells
        if isinstance(c.metadata.get("nbgrader"), dict)
    }


def _student_problem(folder: Path, expected: dict) -> str | None:
    """Why a submission cannot be graded at all (Portuguese), or None.

    ``expected`` maps the lesson's notebook names to their set of grade_ids.
    """
    for name, grade_ids in expected.items():
        path = folder / name
        if not path.is_file():
            return f"o notebook {name} não foi entregue"
        if path.stat().st_size > MAX_SUBMISSION_BYTES:
            return f"{name} tem {path.stat().st_size // 2**20} MB (limite {MAX_SUBMISSION_BYTES // 2**20} MB)"
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as error:  # noqa: BLE001 - nbformat raises several types
            return f"notebook ilegível ({type(error).__name__}: {str(error)[:120]})"
        ids = _released_ids(nb)
        if not ids:
            return "o notebook não tem as células do nbgrader (não foi feito a partir da lição)"
        if not ids & grade_ids:
            other = sorted({i.split("_")[0] for i in ids if i})[:3]
            return (
                "o notebook não é desta lição: nenhuma célula corrigível confere "
                f"(ids encontrados: {', '.join(sorted(ids)[:3])}…); {other and 'outra lição?'}"
            )
    return None


def _ensure_assignment(root, lesson: str) -> None:
    """Make sure the course gradebook knows ``lesson`` (as ``generate_assignment`` leaves it).

    Runs nbgrader's generate_assignment in a scratch copy, writing into the course's
    gradebook, so that ``grade`` works on a fresh clone with no prior ``generate``.
    """
    from nbgrader.api import MissingEntry

    url = db_url(root)
    with _gradebook(url) as gb:
        try:
            gb.find_assignment(lesson)
            return
        except MissingEntry:
            pass
    with tempfile.TemporaryDirectory(prefix="autograder-assign-") as tmp:
        shadow = scratch_course(root, tmp, [lesson])
        nbgrader(
            shadow, "generate_assignment", lesson, "--force", f"--CourseDirectory.db_url={url}"
        )


def db_url(root) -> str:
    return f"sqlite:///{Path(root).resolve() / WORK_DIR / 'gradebook.db'}"


def _gradebook(root_or_url):
    """nbgrader's Gradebook for a course root (or URL), usable from any interpreter.

    nbgrader runs ``alembic`` from PATH when it creates a gradebook: make the scripts of
    this interpreter's environment visible even when the venv is not activated.
    """
    from nbgrader.api import Gradebook

    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])
    if str(root_or_url).startswith("sqlite:"):
        url = root_or_url
    else:
        Path(root_or_url, WORK_DIR).mkdir(parents=True, exist_ok=True)
        url = db_url(root_or_url)
    return Gradebook(url)


def _template(root, lesson: str, target: Path) -> Path:
    """A scratch course with ``lesson`` generated in its own gradebook, copied per student.

    The lesson's due date is copied from the course gradebook, so that nbgrader's
    AssignLatePenalties (and the course's ``LateSubmissionPlugin``) sees late submissions.
    """
    course_dir = scratch_course(root, target, [lesson])
    nbgrader(course_dir, "generate_assignment", lesson, "--force")
    with _gradebook(root) as gb:
        duedate = gb.find_assignment(lesson).duedate
    if duedate is not None:
        with _gradebook(course_dir) as gb:
            gb.update_or_create_assignment(lesson, duedate=duedate)
    return course_dir


def _grade_one(
    template: Path,
    scratch: Path,
    submitted: Path,
    lesson: str,
    student: str,
    slot: int,
    smoke: bool,
    nbgrader_args=(),
) -> tuple[Path, str]:
    """Autograde one student in a copy of the template course; returns (course, log)."""
    shutil.copytree(template, scratch)
    target = scratch / WORK_DIR / "submitted" / student / lesson
    shutil.copytree(submitted, target)
    env = {"AUTOGRADER_SLOT": str(slot)}
    result = nbgrader(
        scratch,
        "autograde",
        lesson,
        "--force",
        "--student",
        student,
        *nbgrader_args,
        smoke=smoke,
        check=False,
        extra_env=env,
    )
    return scratch, result.stdout + result.stderr if result.returncode else ""


def _merge(root, scratch: Path, lesson: str, student: str) -> Outcome:
    """Copy one student's grades from the scratch gradebook into the course's (nbgrader API)."""
    from nbgrader.api import MissingEntry

    outcome = Outcome(student)
    with _gradebook(scratch) as source:
        submission = source.find_submission(lesson, student)
        grades = {
            (nb.name, g.name): (g.auto_score, g.needs_manual_grade)
            for nb in submission.notebooks
            for g in nb.grades
        }
        comments = {
            (nb.name, c.name): c.auto_comment for nb in submission.notebooks for c in nb.comments
        }
        penalties = {nb.name: nb.late_submission_penalty for nb in submission.notebooks}
        timestamp = submission.timestamp
    manual = {}
    with _gradebook(root) as gb:  # keep what a person graded by hand
        gb.update_or_create_student(student)
        try:
            old = gb.find_submission(lesson, student)
            for nb in old.notebooks:
                for g in nb.grades:
                    if g.manual_score is not None or g.extra_credit:
                        manual[(nb.name, g.name)] = (g.manual_score, g.extra_credit)
                for c in nb.comments:
                    if c.manual_comment:
                        manual[(nb.name, "comment:" + c.name)] = c.manual_comment
            gb.remove_submission(lesson, student)
        except MissingEntry:
            pass
    with _gradebook(root) as gb:
        gb.add_submission(lesson, student, timestamp=timestamp)
        for (notebook, name), (auto, needs_manual) in grades.items():
            grade = gb.find_grade(name, notebook, lesson, student)
            grade.auto_score = auto
            grade.needs_manual_grade = needs_manual
            if (notebook, name) in manual:
                grade.manual_score, grade.extra_credit = manual[(notebook, name)]
        for (notebook, name), text in comments.items():
            comment = gb.find_comment(name, notebook, lesson, student)
            comment.auto_comment = text
            comment.manual_comment = manual.get((notebook, "comment:" + name))
        for notebook, penalty in penalties.items():
            gb.find_submission_notebook(notebook, lesson, student).late_submission_penalty = (
                penalty
            )
        for path in sorted((scratch / WORK_DIR / "autograded" / student / lesson).glob("*.ipynb")):
            meta = nbformat.read(path, as_version=4).metadata.get("autograder", {})
            review = list(meta.get("flags", []))
            if meta.get("stopped"):
                review.append(
                    f"execução interrompida na célula {meta['stopped']['cell']}: "
                    f"{meta['stopped']['why']}"
                )
            outcome.review += review
            notebook = gb.find_submission_notebook(path.stem, lesson, student)
            notebook.flagged = bool(meta.get("flags"))
        gb.db.commit()
        submitted = gb.find_submission(lesson, student)
        outcome.score, outcome.max_score = submitted.score, submitted.max_score
        outcome.late = float(submitted.total_seconds_late or 0.0)
    destination = Path(root, WORK_DIR, "autograded", student, lesson)
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(scratch / WORK_DIR / "autograded" / student / lesson, destination)
    return outcome


def _record_problem(root, lesson: str, student: str) -> None:
    """A student who could not be graded: a row in the export (zero), no stale grade."""
    from nbgrader.api import MissingEntry

    with _gradebook(root) as gb:
        gb.update_or_create_student(student)
        try:
            gb.remove_submission(lesson, student)
        except MissingEntry:
            pass


def grade(
    root,
    lesson: str,
    smoke: bool = True,
    jobs: int = 1,
    force: bool = False,
    students=None,
    nbgrader_args=(),
    unsafe: bool = False,
) -> GradeReport:
    """Autograde every submission of ``lesson``, ``jobs`` at a time.

    Each submission runs in its own scratch course (its own gradebook) and sandbox; the
    grades are then merged into the course gradebook one student at a time, and the run's
    state (``grading/estado/<lesson>.json``) is saved after each student. A run that was
    killed can be started again: students already graded from the same files are skipped
    (``force`` grades them again). One bad submission never stops the others.

    Grading refuses to run students' code as root without isolation (see
    :func:`grader.sandbox.runs_as_root`) unless ``unsafe`` says the instructor knows.
    """
    from . import sandbox

    check_lesson(root, lesson)
    if sandbox.runs_as_root() and not unsafe:
        raise GradingError(
            "Correção recusada: sem o bubblewrap e rodando como root, o código dos alunos "
            "rodaria como root nesta máquina (poderia matar todos os processos dela, ler o "
            "código de correção e alterar o banco de notas). Instale o bubblewrap "
            "(apt-get install bubblewrap), ou rode como um usuário comum com um ambiente "
            "Python que outros usuários possam executar, ou, se a máquina for descartável, "
            "use --sem-isolamento."
        )
    root = Path(root).resolve()
    folders = sorted(Path(root, WORK_DIR, "submitted").glob(f"*/{lesson}"))
    if students:
        folders = [f for f in folders if f.parent.name in set(students)]
    if not folders:
        raise GradingError(
            f"Nenhuma entrega da lição {lesson} em {WORK_DIR}/submitted: rode antes "
            f"`autograder collect {lesson} <zip-ou-pasta>` (entregas do AVA) ou "
            f"`autograder exchange collect {lesson}` (entregas pela troca do JupyterHub)."
        )
    _ensure_assignment(root, lesson)
    state = {} if force else export_state(root, lesson)
    report = GradeReport({}, [], sandbox.isolation())
    with tempfile.TemporaryDirectory(prefix="autograder-grade-") as tmp:
        template = _template(root, lesson, Path(tmp) / "modelo")
        expected = {
            p.name: _released_ids(nbformat.read(p, as_version=4))
            for p in sorted((template / "lessons" / lesson).glob("*.ipynb"))
        }
        todo = []
        for folder in folders:
            student = folder.parent.name
            digest = _digest(folder)
            previous = state.get(student)
            if previous and previous.get("digest") == digest and not previous.get("problem"):
                report.skipped.append(student)
                continue
            problem = _student_problem(folder, expected)
            if problem:
                _record_problem(root, lesson, student)
                report.outcomes[student] = Outcome(student, problem=problem, digest=digest)
                state[student] = asdict(report.outcomes[student])
                _save_state(root, lesson, state)
                continue
            todo.append((folder, student, digest))

        def work(item, slot):
            folder, student, digest = item
            started = time.monotonic()
            scratch = Path(tmp) / f"aluno-{slot}-{student}"
            try:
                course_dir, log = _grade_one(
                    template, scratch, folder, lesson, student, slot, smoke, nbgrader_args
                )
            except Exception as error:  # noqa: BLE001 - a grading crash costs one student only
                course_dir, log = None, f"{type(error).__name__}: {error}"
            return item, course_dir, log, time.monotonic() - started

        slots = list(range(max(1, jobs)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(slots)) as pool:
            free = list(slots)
            pending = {}
            queue = list(todo)
            while queue or pending:
                while queue and free:
                    slot = free.pop(0)
                    pending[pool.submit(work, queue.pop(0), slot)] = slot
                done, _ = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    free.append(pending.pop(future))
                    (folder, student, digest), course_dir, log, seconds = future.result()
                    try:
                        if log:
                            raise GradingError(_explain_failure(log))
                        outcome = _merge(root, course_dir, lesson, student)
                    except Exception as error:  # noqa: BLE001
                        _record_problem(root, lesson, student)
                        outcome = Outcome(student, problem=str(error)[:500])
                    finally:
                        if course_dir is not None:
                            shutil.rmtree(course_dir, ignore_errors=True)
                    outcome.seconds, outcome.digest = round(seconds, 1), digest
                    report.outcomes[student] = outcome
                    state[student] = asdict(outcome)
                    _save_state(root, lesson, state)
    return report


def export_state(root, lesson: str) -> dict:
    """The saved grading state of ``lesson`` (student → what grading found)."""
    from .export import read_state

    return read_state(Path(root, WORK_DIR, "estado"), lesson)


def _explain_failure(log: str) -> str:
    """A Portuguese reason from nbgrader's log of a failed autograde."""
    if "Inconsistent checksums" in log or "checksum" in log.lower():
        return "as células bloqueadas foram alteradas de um jeito que não deu para restaurar"
    errors = re.findall(r"^\s*([\w.]+(?:Error|Exception|Exit)\b.*)$", log, re.M)
    detail = errors[-1] if errors else _tail(log, 2).replace("\n", " | ")
    return "a correção automática falhou: " + detail.strip()[:400]


def feedback(root, lesson: str) -> Path:
    """Write the HTML feedback of every graded submission; returns the feedback folder."""
    check_lesson(root, lesson)
    folder = Path(root, WORK_DIR, "feedback")
    state = export_state(root, lesson)
    if any(not entry.get("problem") for entry in state.values()) or not state:
        nbgrader(root, "generate_feedback", lesson, "--force")
    for student, entry in state.items():
        if entry.get("problem"):
            page = folder / student / lesson / f"{lesson}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(_problem_page(lesson, student, entry["problem"]), encoding="utf-8")
            # what nbgrader's release_feedback needs to hand the page back through the
            # JupyterHub exchange (present only for submissions collected from it)
            for name in ("timestamp.txt", "submission_secret.txt"):
                source = Path(root, WORK_DIR, "submitted", student, lesson, name)
                if source.is_file():
                    shutil.copy(source, page.parent / name)
    return folder


def _problem_page(lesson: str, student: str, problem: str) -> str:
    import html

    return (
        '<!DOCTYPE html>\n<html lang="pt-BR"><head><meta charset="utf-8">'
        f"<title>{html.escape(lesson)} — {html.escape(student)}</title></head><body>"
        f"<h1>Lição {html.escape(lesson)}: entrega não corrigida</h1>"
        f"<p>Aluno: <code>{html.escape(student)}</code></p>"
        f"<p><strong>Motivo:</strong> {html.escape(problem)}</p>"
        "<p>A nota desta lição ficou em zero. Corrija o problema e entregue de novo o "
        "notebook baixado do Colab (<em>Arquivo → Baixar → Baixar .ipynb</em>), ou fale com "
        "a equipe do curso.</p></body></html>\n"
    )


def export(root, output=None) -> Path:
    """Write the grades CSV (nbgrader export) and return its path."""
    output = Path(output) if output else Path(root, WORK_DIR, "notas.csv")
    with _gradebook(root) as gb:
        if not gb.assignments or not gb.students:
            raise GradingError(
                "O banco de notas não tem lições corrigidas: rode `autograder collect` e "
                "`autograder grade` antes de exportar."
            )
    nbgrader(root, "export", f"--to={output.resolve()}")
    return output


def read_grades(csv_path) -> list[dict]:
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
