"""The JupyterHub route: nbgrader's own exchange, thin steps over its apps.

On a JupyterHub, students fetch and submit with nbgrader (the *Assignments* tab, or
``nbgrader fetch_assignment`` / ``submit`` / ``fetch_feedback``) through a shared exchange
folder. The instructor's side is here, each step one nbgrader app run in the course root
(whose ``nbgrader_config.py`` sets ``CourseDirectory.course_id`` and ``Exchange.root`` from
:func:`grader.config.exchange_settings`):

* :func:`release`: ``nbgrader release_assignment`` (``lessons/<lesson>`` to the exchange),
  optionally with the lesson's due date in the gradebook;
* :func:`collect`: ``nbgrader collect --update`` (each student's newest submission into
  ``grading/submitted/<student>/<lesson>/``, the folder ``autograder grade`` reads, with
  nbgrader's ``timestamp.txt``), then a summary with the late ones;
* :func:`release_feedback`: the course's feedback (:func:`grader.grading.feedback`), then
  ``nbgrader release_feedback``, so that students can ``fetch_feedback``.

Grading itself is the LMS route's (``autograder grade`` / ``feedback`` / ``export``).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import grading
from .config import COURSE_ID_ENV, EXCHANGE_ROOT_ENV, WORK_DIR, exchange_settings
from .grading import GradingError


def settings(course_id=None, exchange_root=None) -> tuple[str, str]:
    """(course id, exchange folder): the arguments, else the environment, else the defaults."""
    env = {}
    if course_id:
        env[COURSE_ID_ENV] = course_id
    if exchange_root:
        env[EXCHANGE_ROOT_ENV] = str(exchange_root)
    return exchange_settings({**os.environ, **env})


def _run(root, *args, course_id=None, exchange_root=None, check=True):
    course_id, exchange_root = settings(course_id, exchange_root)
    if not course_id or "+" in course_id or "/" in course_id:
        raise GradingError(
            f"Id de curso inválido para a troca: {course_id!r} (sem '+' nem '/'; defina "
            f"{COURSE_ID_ENV} ou use --course-id)."
        )
    env = {COURSE_ID_ENV: course_id, EXCHANGE_ROOT_ENV: exchange_root}
    return grading.nbgrader(root, *args, check=check, extra_env=env)


_EXPLAINED = {
    "Unwritable directory": "a pasta da troca não existe ou não é gravável por todos "
    "(o nbgrader exige rwxrwxrwx; veja o README, JupyterHub)",
    "You don't have read permissions": "sem permissão de leitura na pasta inbound da troca",
    "Could not create": "sem permissão para criar a pasta da troca",
    "Invalid timezone": "fuso horário inválido na configuração do nbgrader",
}


def _nbgrader_failure(result, action: str) -> GradingError:
    log = result.stdout + result.stderr
    fatal = re.findall(r"\[\w+ \| (?:CRITICAL|ERROR)\] (.*)", log)
    detail = fatal[0] if fatal else grading._tail(log, 3).replace("\n", " | ")
    why = next((text for key, text in _EXPLAINED.items() if key in detail), None)
    return GradingError(f"{action} falhou: {why + ' — ' if why else ''}{detail}")


# --------------------------------------------------------------------------- due date


def parse_duedate(text: str) -> _dt.datetime:
    """A due date as nbgrader stores it (naive UTC) from what an instructor types.

    ``2026-04-10 23:59 -03:00`` (or ``…T23:59-03:00``, ``… UTC``) is taken as written; with
    no time zone, as the local time of this machine.
    """
    from dateutil import parser, tz

    try:
        when = parser.parse(text, tzinfos={"UTC": tz.UTC, "BRT": tz.tzoffset("BRT", -3 * 3600)})
    except (ValueError, OverflowError) as error:
        raise GradingError(
            f"Prazo inválido: {text!r} ({error}). Use, por exemplo, '2026-04-10 23:59 -03:00'."
        ) from None
    if when.tzinfo is None:
        when = when.astimezone()  # local time of this machine
    return when.astimezone(_dt.timezone.utc).replace(tzinfo=None)


def duedate(root, lesson: str):
    """The lesson's due date in the course gradebook (naive UTC), or None."""
    from nbgrader.api import MissingEntry

    with grading._gradebook(root) as gb:
        try:
            return gb.find_assignment(lesson).duedate
        except MissingEntry:
            return None


def set_duedate(root, lesson: str, when: _dt.datetime) -> None:
    """Record the lesson's due date (naive UTC) in the course gradebook."""
    grading._ensure_assignment(root, lesson)
    with grading._gradebook(root) as gb:
        gb.update_or_create_assignment(lesson, duedate=when)


# --------------------------------------------------------------------------- steps


@dataclass
class Released:
    course_id: str
    path: Path
    duedate: object = None  # naive UTC datetime, or None


def release(
    root, lesson: str, due=None, force: bool = False, course_id=None, exchange_root=None
) -> Released:
    """Hand ``lessons/<lesson>/`` to the students through the exchange (nbgrader
    release_assignment); ``due`` (text or datetime) becomes the lesson's due date."""
    root = Path(root).resolve()
    grading.check_lesson(root, lesson)
    if not list(Path(root, "lessons", lesson).glob("*.ipynb")):
        raise GradingError(
            f"lessons/{lesson} não tem a versão dos alunos: rode `autograder generate {lesson}` "
            "antes de publicar na troca."
        )
    if due is not None:
        when = due if isinstance(due, _dt.datetime) else parse_duedate(due)
        set_duedate(root, lesson, when)
    args = ["release_assignment", lesson] + (["--force"] if force else [])
    result = _run(root, *args, course_id=course_id, exchange_root=exchange_root, check=False)
    course, exchange_root = settings(course_id, exchange_root)
    if result.returncode != 0:
        if "Destination already exists" in result.stdout + result.stderr:
            raise GradingError(
                f"{lesson} já foi publicada na troca ({exchange_root}/{course}/outbound). "
                "Use --force para substituir (quem já buscou fica com a versão que buscou)."
            )
        raise _nbgrader_failure(result, f"publicar {lesson} na troca ({exchange_root})")
    return Released(course, Path(exchange_root, course, "outbound", lesson), duedate(root, lesson))


@dataclass
class Collected:
    student: str
    action: str  # "novo", "atualizado" (newer than the one collected before), "sem novidade"
    timestamp: object = None  # naive UTC datetime of the collected submission
    late: float = 0.0  # seconds past the due date


@dataclass
class CollectSummary:
    lesson: str
    duedate: object
    students: list = field(default_factory=list)  # of Collected
    warnings: list = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        prazo = f"{self.duedate:%Y-%m-%d %H:%M} UTC" if self.duedate else "sem prazo definido"
        out.append(f"{self.lesson}: {len(self.students)} aluno(s) na troca · prazo: {prazo}")
        for item in self.students:
            when = f"{item.timestamp:%Y-%m-%d %H:%M:%S} UTC" if item.timestamp else "?"
            late = f" · ATRASADA ({grading.late_text(item.late)})" if item.late > 0 else ""
            out.append(f"  {item.student:<24} {item.action:<13} entregue em {when}{late}")
        out += [f"aviso: {w}" for w in self.warnings]
        if self.students:
            out.append(f"próximo passo: autograder grade {self.lesson}")
        return out


_ACTIONS = {
    "Collecting submission": "novo",
    "Updating submission": "atualizado",
    "No newer submission to collect": "sem novidade",
}


def collect(
    root,
    lesson: str,
    before_duedate: bool = False,
    students=None,
    course_id=None,
    exchange_root=None,
) -> CollectSummary:
    """Bring every student's newest submission of ``lesson`` from the exchange into
    ``grading/submitted/<student>/<lesson>/`` (nbgrader collect with ``--update``: a newer
    submission replaces the one collected before). With ``before_duedate``, nbgrader's
    ``--before-duedate``: the newest one submitted on time, when there is one."""
    from nbgrader.utils import parse_utc

    root = Path(root).resolve()
    grading.check_lesson(root, lesson)
    args = ["collect", lesson, "--update"] + (["--before-duedate"] if before_duedate else [])
    course, exchange_folder = settings(course_id, exchange_root)
    log = ""
    for student in students or [None]:
        extra = [f"--student={student}"] if student else []
        result = _run(
            root, *args, *extra, course_id=course_id, exchange_root=exchange_root, check=False
        )
        if result.returncode != 0:
            if "Course not found" in result.stdout + result.stderr:
                raise GradingError(
                    f"A troca não tem o curso {course!r} ({exchange_folder}/{course}/inbound): "
                    f"publique antes com `autograder exchange release {lesson}` (ou confira "
                    f"{COURSE_ID_ENV}/{EXCHANGE_ROOT_ENV})."
                )
            raise _nbgrader_failure(result, f"coletar {lesson} da troca ({exchange_folder})")
        log += result.stdout + result.stderr
    due = duedate(root, lesson)
    summary = CollectSummary(lesson, due)
    actions = {}
    for line in log.splitlines():
        for prefix, action in _ACTIONS.items():
            match = re.search(rf"{prefix}: (.+) {re.escape(lesson)}$", line.strip())
            if match:
                actions[match.group(1)] = action
        owner = re.search(r"claims to be submitted by (\S+) but is owned by (\S+);", line)
        if owner:
            summary.warnings.append(
                f"a entrega de {owner.group(1)} pertence ao usuário {owner.group(2)} do sistema "
                "(entregue por outra pessoa?)"
            )
    for student, action in sorted(actions.items()):
        folder = Path(root, WORK_DIR, "submitted", student, lesson)
        stamp = folder / "timestamp.txt"
        when = parse_utc(stamp.read_text().strip()) if stamp.is_file() else None
        late = (when - due).total_seconds() if when and due and when > due else 0.0
        summary.students.append(Collected(student, action, when, late))
    return summary


@dataclass
class FeedbackReleased:
    released: list = field(default_factory=list)  # students whose feedback went to the exchange
    skipped: list = field(default_factory=list)  # (student, why)


def release_feedback(root, lesson: str, course_id=None, exchange_root=None) -> FeedbackReleased:
    """Write the feedback of ``lesson`` (as ``autograder feedback``) and hand it back through
    the exchange (nbgrader release_feedback); students then run ``fetch_feedback``.

    Only submissions collected from the exchange can get their feedback back this way
    (nbgrader ties it to the submission's ``submission_secret.txt``); the others (e.g. from
    an LMS zip) are listed in ``skipped``.
    """
    root = Path(root).resolve()
    folder = grading.feedback(root, lesson)
    outcome = FeedbackReleased()
    pages = sorted(folder.glob(f"*/{lesson}"))
    for page_dir in pages:
        student = page_dir.parent.name
        if not list(page_dir.glob("*.html")):
            outcome.skipped.append((student, "sem devolutiva gerada"))
        elif not all((page_dir / n).is_file() for n in ("timestamp.txt", "submission_secret.txt")):
            outcome.skipped.append((student, "entrega não veio da troca (AVA?)"))
    if not pages or len(outcome.skipped) == len(pages):
        return outcome
    args = ["release_feedback", lesson]
    if outcome.skipped:
        exclude = ",".join(s for s, _ in outcome.skipped)
        args.append(f"--CourseDirectory.student_id_exclude={exclude}")
    result = _run(root, *args, course_id=course_id, exchange_root=exchange_root, check=False)
    if result.returncode != 0:
        raise _nbgrader_failure(result, f"publicar as devolutivas de {lesson} na troca")
    found = re.findall(
        r"Releasing feedback for student '(.+?)' on assignment", result.stdout + result.stderr
    )
    outcome.released = sorted(set(found))
    return outcome


def student_config(course_id=None, exchange_root=None) -> str:
    """The nbgrader configuration students need on the JupyterHub (e.g. in
    ``/etc/jupyter/nbgrader_config.py`` of the students' servers)."""
    course, folder = settings(course_id, exchange_root)
    return (
        "# nbgrader dos alunos (JupyterHub): /etc/jupyter/nbgrader_config.py, por exemplo\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {course!r}\n"
        f"c.Exchange.root = {folder!r}\n"
    )
