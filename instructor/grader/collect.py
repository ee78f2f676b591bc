"""The collect step: what students handed in → ``grading/submitted``, losing nobody.

:func:`collect` takes an LMS zip (Moodle's "download all submissions", Canvas'
"download submissions"), a folder (one sub-folder per student, possibly with the
students' own zips), or one ``.ipynb``, and places each student's notebook in
``grading/submitted/<student>/<lesson>/<notebook>`` with nbgrader's ``timestamp.txt``.

It places the files itself instead of running ``nbgrader zip_collect``: zip_collect
extracts archives with no path, size or zip-bomb checks, keeps a student's older file
when two have the same time, and reports what it skipped only in its log. Here every
file read is either placed or listed with the reason in a :class:`CollectReport` (and
in ``grading/coleta_<lesson>.csv``). Nothing is ever written under a name taken from
an archive: members are streamed, under size caps, into numbered files of a scratch
folder, and only the chosen ones are moved to their place.

:class:`SubmissionCollector` is the same name matching as an nbgrader zip_collect
plugin, so that a plain ``nbgrader zip_collect`` run from the course root still works.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import re
import shutil
import stat
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dateutil import tz as _tz

# grader.grading imports this module, so GradingError and WORK_DIR are imported from
# it inside the functions that need them, never at import time.

MB = 1024 * 1024

MAX_NOTEBOOK_BYTES = 50 * MB
"""Largest file (uncompressed) taken from a submission; bigger ones are listed, not read."""

MAX_NESTED_ZIP_BYTES = 200 * MB
"""Largest student zip inside the LMS zip that is unpacked (to be opened one level deep)."""

MAX_TOTAL_BYTES = 500 * MB
"""Most bytes one collect writes to disk, all files together."""

MAX_RATIO = 200
"""Largest uncompressed/compressed size ratio of a zip member (zip bombs reach ~1000)."""

RATIO_MIN_BYTES = 1 * MB
"""Members smaller than this are never rejected for their compression ratio."""

ZIP_TIMEZONE = "America/Sao_Paulo"
"""Zone of the times stored in zips (the format keeps local time with no zone); an entry
with the extended-timestamp field (UTC) uses that instead."""

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"
"""nbgrader's format for ``timestamp.txt`` (written in UTC)."""

_CHUNK = 64 * 1024

# --------------------------------------------------------------------------- names

_COLAB_NOISE = (
    re.compile(r"^(copy of|c[oó]pia de)\s+", re.I),
    re.compile(r"\s*\(\d+\)$"),
    re.compile(r"-checkpoint$"),
)
# Moodle: "Nome Sobrenome_123_assignsubmission_file_<arquivo>", and the folder of its
# "submissions in folders" option, "Nome Sobrenome_123_assignsubmission_file_".
_MOODLE = re.compile(
    r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(file|onlinetext)(_(?P<rest>.*))?$"
)
# Canvas: "sobrenomenome_123_456_<arquivo>" or "sobrenomenome_late_123_456_<arquivo>".
_CANVAS = re.compile(r"^(?P<name>[a-z]+)(_late)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<rest>.+)$", re.I)
_LESSON_ID = re.compile(r"(?<![0-9])(\d{2}[a-z]?)_([a-z][a-z0-9]*(?:_[a-z0-9]+)*)", re.I)


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
    lms_id: str | None = field(default=None, compare=False)
    """The student's number in the LMS (Moodle participant id, Canvas user id), if any."""
    name: str | None = field(default=None, compare=False)
    """The name the student id was made from, as written in the path."""


def _parts(relative_path: str) -> tuple[str, ...]:
    return PurePosixPath(str(relative_path).replace("\\", "/")).parts


def _identify(parts: tuple[str, ...]) -> tuple[str | None, str | None, str]:
    """``(name, lms_id, notebook stem)`` from an LMS prefix on the file or on a folder."""
    name = lms_id = None
    stem = clean_notebook_stem(Path(parts[-1]).stem) if parts else ""
    for index, part in enumerate(parts):
        is_file = index == len(parts) - 1
        for pattern in (_MOODLE, _CANVAS):
            found = pattern.match(Path(part).stem if is_file else part)
            if found and name is None:
                name, lms_id = found["name"], found["id"]
                if is_file:
                    stem = clean_notebook_stem(found["rest"] or "")
    return name, lms_id, stem


def match_submission(relative_path: str, lesson: str, notebooks: list[str]) -> Match | None:
    """Map one handed-in file to ``(student, notebook)``, or None when it cannot be placed.

    ``relative_path`` is the file's path inside what was handed in (an LMS zip or a
    folder); ``notebooks`` are the lesson's released notebook names. The student comes
    from a Moodle or Canvas prefix (on the file or on its folder; ``lms_id`` is then the
    LMS's number for the student), else from the first folder, else from a
    ``<student>_<lesson>`` file name.
    """
    parts = _parts(relative_path)
    if not parts or not parts[-1].endswith(".ipynb"):
        return None
    name, lms_id, stem = _identify(parts)
    student = None
    if name is not None:
        student = slug(name) or f"aluno-{lms_id}"
    if student is None and len(parts) > 1:
        name, student = parts[0], slug(parts[0])
    targets = {Path(nb).stem: nb for nb in notebooks}
    notebook = targets.get(stem)
    if notebook is None:
        for target_stem, nb in targets.items():
            position = stem.find(target_stem)
            if position > 0 and student is None:
                name = stem[:position].strip(" _-")
                student = slug(name)
            if position >= 0:
                notebook = nb
                break
    if notebook is None and len(targets) == 1 and lesson in stem:
        notebook = next(iter(targets.values()))
    if not student or notebook is None:
        return None
    return Match(student, notebook, lms_id=lms_id, name=name)


# --------------------------------------------------------------------------- nbgrader plugin

try:  # the collector plugin is only importable where nbgrader is installed
    from nbgrader.plugins import FileNameCollectorPlugin
except ImportError:  # pragma: no cover - students' Colab installs have no nbgrader
    FileNameCollectorPlugin = object


class SubmissionCollector(FileNameCollectorPlugin):
    """nbgrader zip_collect plugin: places LMS and Colab file names (see :func:`match_submission`).

    Only for plain ``nbgrader zip_collect`` runs; ``autograder collect`` uses :func:`collect`.
    """

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


# --------------------------------------------------------------------------- report


@dataclass
class CollectReport:
    """What one collect did; ``skipped`` and ``warnings`` need the instructor's eyes."""

    placed: dict[str, str] = field(default_factory=dict)
    """student id → path (inside the source) of the file placed for them."""
    replaced: list[tuple[str, str, str]] = field(default_factory=list)
    """(student id, older path, newer path): hand-ins superseded by a newer one."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, reason): files read from the source that were not placed."""
    warnings: list[str] = field(default_factory=list)
    lesson: str = ""
    csv_path: Path | None = None
    placements: list[tuple[str, str, str]] = field(default_factory=list, repr=False)
    """(student id, notebook, path) for each placed file."""
    students: dict[str, str] = field(default_factory=dict, repr=False)
    """path → student id of the skipped files whose student the path tells."""

    def lines(self) -> list[str]:
        """The report in Portuguese, one line per item, for the command line."""
        out = [f"{len(self.placed)} aluno(s) com entrega colocada em grading/submitted:"]
        out += [f"  {student}: {path}" for student, path in sorted(self.placed.items())]
        if self.replaced:
            out.append(f"{len(self.replaced)} entrega(s) substituída(s) por outra mais nova:")
            out += [
                f"  {student}: {older} (vale {newer})" for student, older, newer in self.replaced
            ]
        if self.skipped:
            out.append(f"ATENÇÃO: {len(self.skipped)} arquivo(s) NÃO colocado(s):")
            out += [f"  {path}: {reason}" for path, reason in self.skipped]
        if self.warnings:
            out.append(f"{len(self.warnings)} aviso(s):")
            out += [f"  {warning}" for warning in self.warnings]
        if self.csv_path is not None:
            out.append(f"Relatório da coleta em {self.csv_path}")
        return out

    def rows(self) -> list[dict[str, str]]:
        """Rows of the CSV report: columns arquivo, aluno, situacao, motivo."""
        rows = [
            dict(
                arquivo=path,
                aluno=student,
                situacao="colocado",
                motivo=f"em submitted/{student}/{self.lesson}/{notebook}",
            )
            for student, notebook, path in self.placements
        ]
        rows += [
            dict(
                arquivo=older,
                aluno=student,
                situacao="substituído",
                motivo=f"há entrega mais nova do mesmo aluno: {newer}",
            )
            for student, older, newer in self.replaced
        ]
        rows += [
            dict(
                arquivo=path,
                aluno=self.students.get(path, ""),
                situacao="não colocado",
                motivo=reason,
            )
            for path, reason in self.skipped
        ]
        rows += [dict(arquivo="", aluno="", situacao="aviso", motivo=w) for w in self.warnings]
        return rows

    def write_csv(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["arquivo", "aluno", "situacao", "motivo"])
            writer.writeheader()
            writer.writerows(self.rows())
        return path


# --------------------------------------------------------------------------- reading the source


class _Rejected(Exception):
    """A file that cannot be read safely; the message is the reason, in Portuguese."""


def _mb(size: int) -> str:
    """A size for people: ``52.4 MB``, ``12 KB``, ``300 bytes``."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"


@dataclass
class _Item:
    """One file of the source: where it is, when it was handed in, how to read it."""

    path: str  # shown to the instructor, relative to the source
    match_path: str  # given to match_submission: folders named after zips lose ".zip"
    when: _dt.datetime  # aware, UTC
    file: Path | None = None  # a file on disk ...
    archive: zipfile.ZipFile | None = None  # ... or a member of an open zip
    info: zipfile.ZipInfo | None = None


@dataclass
class _Candidate:
    item: _Item
    match: Match
    staged: Path
    student: str = ""


class _Reader:
    """Walks the source, unpacking zips one level deep, under the size caps."""

    def __init__(self, scratch: Path, report: CollectReport):
        self.scratch = scratch
        self.report = report
        self.items: list[_Item] = []
        self.used = 0
        self.count = 0
        self.open_archives: list[zipfile.ZipFile] = []

    def skip(self, path: str, reason: str) -> None:
        self.report.skipped.append((path, reason))

    def close(self) -> None:
        for archive in self.open_archives:
            archive.close()

    # ---- sources

    def add_file(self, file: Path, path: str, match_path: str) -> None:
        if file.suffix.lower() == ".zip":
            self.open_zip_file(file, path + "/", _unzipped(match_path) + "/", depth=0)
            return
        try:
            when = _dt.datetime.fromtimestamp(file.stat().st_mtime, _dt.timezone.utc)
        except OSError as error:
            self.skip(path, f"ilegível ({_brief(error)})")
            return
        self.items.append(_Item(path, match_path, when, file=file))

    def add_folder(self, folder: Path) -> None:
        for directory, subfolders, files in os.walk(folder):
            here = Path(directory)
            subfolders[:] = sorted(d for d in subfolders if here / d != self.scratch)
            for name in list(subfolders):
                if (here / name).is_symlink():  # os.walk does not follow them; say so
                    self.skip((here / name).relative_to(folder).as_posix(), _SYMLINK)
            for name in sorted(files):
                file = here / name
                relative = file.relative_to(folder).as_posix()
                if file.is_symlink():
                    self.skip(relative, _SYMLINK)
                elif not file.is_file():
                    self.skip(relative, "não é um arquivo comum: ignorado")
                else:
                    self.add_file(file, relative, relative)

    def open_zip_file(self, file: Path, prefix: str, match_prefix: str, depth: int) -> None:
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            self.skip(prefix.rstrip("/"), f"zip corrompido ou ilegível ({_brief(error)})")
            return
        self.open_archives.append(archive)
        self.add_zip(archive, prefix, match_prefix, depth)

    def add_zip(self, archive: zipfile.ZipFile, prefix: str, match_prefix: str, depth: int):
        entries = sorted(enumerate(archive.infolist()), key=lambda e: (e[1].filename, e[0]))
        seen: Counter[str] = Counter()
        for _, info in entries:
            name = _member_name(info)
            if info.is_dir() and not _is_symlink(info):
                continue
            problem = _unsafe(name, info)
            if problem:
                self.skip(prefix + name, problem)
                continue
            clean = "/".join(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))
            seen[clean] += 1
            path = prefix + clean + (f" [entrada {seen[clean]}]" if seen[clean] > 1 else "")
            if info.flag_bits & 0x1:
                self.skip(path, "protegido por senha: não dá para extrair")
                continue
            if clean.lower().endswith(".zip"):
                if depth >= 1:
                    self.skip(
                        path,
                        "zip dentro do zip do aluno: só um nível de zip é aberto; "
                        "extraia-o à mão e rode a coleta de novo",
                    )
                    continue
                try:
                    nested = self.stage(archive, info, MAX_NESTED_ZIP_BYTES)
                except _Rejected as why:
                    self.skip(path, str(why))
                    continue
                self.open_zip_file(
                    nested, path + "/", match_prefix + _unzipped(clean) + "/", depth + 1
                )
                continue
            self.items.append(
                _Item(path, match_prefix + clean, _zip_time(info), archive=archive, info=info)
            )

    # ---- copying under the caps

    def stage_item(self, item: _Item) -> Path:
        """Copy an item into a numbered scratch file, under the caps."""
        if item.archive is None:
            return self._stage_file(item.file)
        return self.stage(item.archive, item.info, MAX_NOTEBOOK_BYTES)

    def _target(self) -> Path:
        self.count += 1
        return self.scratch / f"{self.count:06d}"

    def stage(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> Path:
        """Copy a zip member into a numbered scratch file: its header is checked against
        the caps first, and the caps hold again while it is unpacked."""
        left = MAX_TOTAL_BYTES - self.used
        declared = info.file_size
        if declared > cap:
            raise _Rejected(f"grande demais: {_mb(declared)} descomprimido (limite {_mb(cap)})")
        if declared > left:
            raise _Rejected(
                f"passaria do limite total da coleta ({_mb(MAX_TOTAL_BYTES)}): {_mb(declared)}"
            )
        ratio_bound = max(RATIO_MIN_BYTES, MAX_RATIO * info.compress_size)
        if declared > ratio_bound:
            raise _Rejected(_ratio_reason(declared, info.compress_size))
        limits = [
            (cap, f"grande demais: passou de {_mb(cap)} ao extrair"),
            (left, f"passou do limite total da coleta ({_mb(MAX_TOTAL_BYTES)}) ao extrair"),
            (ratio_bound, f"taxa de compressão passou de {MAX_RATIO}:1 (possível bomba de zip)"),
        ]
        limit, reason = min(limits, key=lambda pair: pair[0])
        target = self._target()
        try:
            with archive.open(info) as source:
                written = _copy_capped(source, target, limit)
        except _Rejected:
            raise _Rejected(
                f"{reason} (o cabeçalho do zip declarava {_mb(declared)}): extração interrompida"
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
            raise _Rejected(f"corrompido ou ilegível no zip ({_brief(error)})") from None
        except (NotImplementedError, RuntimeError) as error:  # unknown method, encryption
            raise _Rejected(f"não dá para extrair ({_brief(error)})") from None
        self.used += written
        return target

    def _stage_file(self, file: Path) -> Path:
        left = MAX_TOTAL_BYTES - self.used
        try:
            size = file.stat().st_size
        except OSError as error:
            raise _Rejected(f"ilegível ({_brief(error)})") from None
        if size > MAX_NOTEBOOK_BYTES:
            raise _Rejected(f"grande demais: {_mb(size)} (limite {_mb(MAX_NOTEBOOK_BYTES)})")
        if size > left:
            raise _Rejected(f"passaria do limite total da coleta ({_mb(MAX_TOTAL_BYTES)})")
        target = self._target()
        try:
            with open(file, "rb") as source:
                written = _copy_capped(source, target, min(MAX_NOTEBOOK_BYTES, left))
        except _Rejected:
            raise _Rejected("cresceu durante a leitura e passou do limite: ignorado") from None
        except OSError as error:
            raise _Rejected(f"ilegível ({_brief(error)})") from None
        self.used += written
        return target


_SYMLINK = "link simbólico: rejeitado (nunca é seguido nem extraído)"


def _copy_capped(source, target: Path, limit: int) -> int:
    """Copy ``source`` (a binary file object) to ``target``, never writing more than
    ``limit`` bytes: past it, the partial copy is deleted and :class:`_Rejected` raised."""
    written = 0
    try:
        with open(target, "wb") as out:
            while True:
                chunk = source.read(min(_CHUNK, limit - written + 1))
                if not chunk:
                    return written
                written += len(chunk)
                if written > limit:
                    raise _Rejected(f"passou de {limit} bytes")
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _ratio_reason(declared: int, compressed: int) -> str:
    return (
        f"taxa de compressão suspeita ({declared / max(compressed, 1):.0f}:1, limite "
        f"{MAX_RATIO}:1): possível bomba de zip, não extraído"
    )


def _brief(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:120]}"


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name; UTF-8 names written without the UTF-8 flag are decoded as such."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _unsafe(name: str, info: zipfile.ZipInfo) -> str | None:
    """Why a member must not be extracted (path traversal, symlink), or None."""
    posix = name.replace("\\", "/")
    if _is_symlink(info):
        return _SYMLINK
    if "\0" in name:
        return "nome inválido no zip: rejeitado"
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return "caminho absoluto no zip: rejeitado (nunca é extraído fora da pasta da coleta)"
    if ".." in posix.split("/"):
        return "caminho com '..' no zip: rejeitado (nunca é extraído fora da pasta da coleta)"
    return None


def _unzipped(path: str) -> str:
    """``a/b.zip`` → ``a/b``: a zip stands for the folder it unpacks to."""
    return path[:-4] if path.lower().endswith(".zip") else path


def _zip_time(info: zipfile.ZipInfo) -> _dt.datetime:
    """When a zip member was last changed, in UTC."""
    mtime = _extended_mtime(info.extra)
    if mtime is not None:
        return _dt.datetime.fromtimestamp(mtime, _dt.timezone.utc)
    try:
        local = _dt.datetime(*info.date_time, tzinfo=_tz.gettz(ZIP_TIMEZONE))
    except (TypeError, ValueError):  # a broken date in the header
        local = _dt.datetime(1980, 1, 1, tzinfo=_dt.timezone.utc)
    return local.astimezone(_dt.timezone.utc)


def _extended_mtime(extra: bytes) -> int | None:
    """The modification time of the zip "extended timestamp" field (0x5455), if any."""
    index = 0
    while index + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[index : index + 4])
        data = extra[index + 4 : index + 4 + size]
        if kind == 0x5455 and len(data) >= 5 and data[0] & 1:
            return struct.unpack("<i", data[1:5])[0]
        index += 4 + size
    return None


# --------------------------------------------------------------------------- why not placed


def _is_checkpoint(path: str) -> bool:
    return ".ipynb_checkpoints" in _parts(path)


def _known_lessons(root: Path) -> list[str]:
    found = set()
    for folder in ("solutions", "lessons"):
        if (root / folder).is_dir():
            found.update(p.name for p in (root / folder).iterdir() if p.is_dir())
    return sorted(found)


def _why_not_placed(item: _Item, lesson: str, notebooks: list[str], known: list[str]) -> str:
    parts = _parts(item.match_path)
    file = parts[-1]
    if "__MACOSX" in parts or file.startswith("._") or file in (".DS_Store", "Thumbs.db"):
        return "metadados do sistema (macOS/Windows), não é entrega"
    suffix = Path(file).suffix.lower()
    if suffix != ".ipynb":
        if suffix == ".pdf":
            return "PDF, não é notebook: só o .ipynb é corrigido"
        kind = f"arquivo {suffix}" if suffix else "arquivo sem extensão"
        return f"não é notebook .ipynb ({kind})"
    name, _, stem = _identify(parts)
    other = _LESSON_ID.search(stem)
    if other and not stem.startswith(lesson) and lesson not in stem:
        number = other.group(1)
        same_number = [k for k in known if k.startswith(number + "_")]
        looks_like = same_number[0] if same_number else other.group(0)
        if looks_like != lesson:
            return f"notebook de outra lição (parece ser {looks_like}), não de {lesson}"
    if name is None and len(parts) == 1 and any(Path(nb).stem in stem for nb in notebooks):
        return (
            "arquivo solto, sem aluno: ponha-o numa pasta com o nome do aluno "
            "(ou use o zip do AVA) e rode a coleta de novo"
        )
    if name is None and len(parts) == 1:
        return (
            f"nome inesperado e sem aluno: não é {', '.join(notebooks)} "
            "nem está numa pasta com o nome do aluno"
        )
    return f"nome inesperado: não corresponde a {', '.join(notebooks)} da lição {lesson}"


def _key(match: Match) -> str:
    """Who a match is: the LMS id when there is one, else the slug of the name."""
    return f"id:{match.lms_id}" if match.lms_id else f"slug:{match.student_id}"


def _owner(path: str) -> tuple[str, str, str] | None:
    """(key, label, student id) of the student a path belongs to, when it tells without a
    notebook: an LMS prefix or a first folder."""
    parts = _parts(path)
    parts = tuple(_unzipped(p) for p in parts[:-1]) + parts[-1:]
    name, lms_id, _ = _identify(parts)
    if lms_id is not None:
        return f"id:{lms_id}", f"{name} (id {lms_id} no AVA)", slug(name) or f"aluno-{lms_id}"
    if len(parts) > 1 and slug(parts[0]):
        return f"slug:{slug(parts[0])}", parts[0], slug(parts[0])
    return None


# --------------------------------------------------------------------------- students


def _assign_students(candidates: list[_Candidate], submitted: Path, report: CollectReport):
    """Give every candidate its student id: one per LMS id, suffixed where names collide."""
    groups: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(_key(candidate.match), []).append(candidate)
    base: dict[str, str] = {}
    for key, members in sorted(groups.items()):
        slugs = Counter(c.match.student_id for c in members)
        base[key] = sorted(slugs, key=lambda s: (-slugs[s], s))[0]
        names = sorted({(c.match.name or c.match.student_id).strip() for c in members})
        if len({n.casefold() for n in names}) > 1:
            if key.startswith("id:"):
                report.warnings.append(
                    f"O mesmo aluno (id {key[3:]} no AVA) aparece com nomes diferentes "
                    f"({'; '.join(names)}): tratado como um só aluno, {base[key]}."
                )
            else:
                report.warnings.append(
                    f"Nomes diferentes viraram o mesmo aluno {base[key]} "
                    f"({'; '.join(names)}): vale só a entrega mais nova. Se forem pessoas "
                    "diferentes, renomeie as pastas e rode a coleta de novo."
                )
    by_slug: dict[str, list[str]] = {}
    for key, student in base.items():
        by_slug.setdefault(student, []).append(key)
    final: dict[str, str] = {}
    for student, keys in sorted(by_slug.items()):
        if len(keys) == 1:
            key = keys[0]
            final[key] = student
            earlier = f"{student}-{key[3:]}"
            if key.startswith("id:") and (submitted / earlier).is_dir():
                final[key] = earlier  # an earlier collect had to tell this student apart
                report.warnings.append(
                    f"{earlier}: mantido o id com o número do AVA usado numa coleta anterior "
                    "(havia outro aluno com o mesmo nome)."
                )
            continue
        described = []
        for key in sorted(keys):
            names = sorted({(c.match.name or student).strip() for c in groups[key]})
            final[key] = f"{student}-{key[3:]}" if key.startswith("id:") else student
            number = f" (id {key[3:]} no AVA)" if key.startswith("id:") else " (sem id do AVA)"
            described.append(f"{' / '.join(names)}{number} → {final[key]}")
        report.warnings.append(
            f"Nomes iguais: {len(keys)} alunos diferentes viram '{student}': "
            + "; ".join(described)
            + ". Cada um recebeu o número do AVA no id; confira antes de lançar as notas."
        )
    for key, members in groups.items():
        for candidate in members:
            candidate.student = final[key]
    return final


# --------------------------------------------------------------------------- collect


def collect(root, lesson: str, source, notebooks: list[str]) -> CollectReport:
    """Place what students handed in for ``lesson`` in ``grading/submitted``; see the module.

    ``source`` is an LMS zip, a folder or one ``.ipynb``; ``notebooks`` are the lesson's
    released notebook names. A student's newest file wins (zip entry time, or file time in
    folders); whatever was not placed is listed, with the reason, in the returned report
    and in ``grading/coleta_<lesson>.csv``. A placed student's earlier collect of the
    lesson is replaced; students absent from ``source`` are left as they were.
    """
    from .grading import WORK_DIR, GradingError

    root = Path(root).resolve()
    source = Path(source)
    if not notebooks:
        raise GradingError(
            f"A lição {lesson} não tem notebook publicado em lessons/{lesson}: "
            "rode `autograder generate` antes de coletar."
        )
    if not source.exists():
        raise GradingError(
            f"{source} não existe: indique o zip do AVA, a pasta com as entregas "
            "ou um arquivo .ipynb."
        )
    kind = "folder" if source.is_dir() else source.suffix.lower()
    if kind not in ("folder", ".zip", ".ipynb"):
        raise GradingError(
            f"{source} não é zip, pasta nem .ipynb: indique o zip baixado do AVA "
            '("baixar todas as entregas"), uma pasta com uma subpasta por aluno '
            "ou um arquivo .ipynb."
        )
    if kind == ".zip" and not zipfile.is_zipfile(source):
        raise GradingError(f"{source} não é um zip válido (corrompido ou incompleto?).")

    work = root / WORK_DIR
    submitted = work / "submitted"
    work.mkdir(parents=True, exist_ok=True)
    report = CollectReport(lesson=lesson)
    with tempfile.TemporaryDirectory(prefix=".coleta-", dir=work) as scratch:
        reader = _Reader(Path(scratch), report)
        try:
            if kind == "folder":
                reader.add_folder(source)
            elif kind == ".zip":
                try:
                    archive = zipfile.ZipFile(source)
                except (zipfile.BadZipFile, OSError, ValueError) as error:
                    raise GradingError(
                        f"{source} não é um zip legível ({_brief(error)}): baixe-o de novo do AVA."
                    ) from None
                reader.open_archives.append(archive)
                reader.add_zip(archive, "", "", depth=0)
            else:
                reader.add_file(source, source.name, source.name)
            candidates = _match_and_stage(reader, root, lesson, notebooks)
        finally:
            reader.close()
        final = _assign_students(candidates, submitted, report)
        winners = _choose_newest(candidates, report)
        _place(winners, submitted, lesson, report)
        _name_owners(final, winners, report)
    if not report.placed:
        report.warnings.append(f"Nenhum notebook de {lesson} foi colocado: veja a lista acima.")
    report.csv_path = report.write_csv(work / f"coleta_{lesson}.csv")
    return report


def _match_and_stage(reader: _Reader, root: Path, lesson: str, notebooks: list[str]):
    known = _known_lessons(root)
    candidates = []
    for item in sorted(reader.items, key=lambda i: i.path):
        parts = _parts(item.match_path)
        junk = "__MACOSX" in parts or parts[-1].startswith("._")
        found = None if junk else match_submission(item.match_path, lesson, notebooks)
        if found is None:
            reader.skip(item.path, _why_not_placed(item, lesson, notebooks, known))
            continue
        try:
            staged = reader.stage_item(item)
        except _Rejected as why:
            reader.skip(item.path, str(why))
            continue
        candidates.append(_Candidate(item, found, staged))
    return candidates


def _choose_newest(candidates: list[_Candidate], report: CollectReport):
    """The newest candidate per (student, notebook); the others go to ``report.replaced``."""
    by_target: dict[tuple[str, str], list[_Candidate]] = {}
    for candidate in candidates:
        by_target.setdefault((candidate.student, candidate.match.notebook), []).append(candidate)
    winners = {}
    for (student, notebook), group in sorted(by_target.items()):
        regular = [c for c in group if not _is_checkpoint(c.item.path)]
        if regular and len(regular) < len(group):
            for candidate in group:
                if _is_checkpoint(candidate.item.path):
                    report.skipped.append(
                        (
                            candidate.item.path,
                            "cópia automática do Jupyter (.ipynb_checkpoints): "
                            f"vale o notebook entregue por {student}",
                        )
                    )
            group = regular
        group.sort(key=lambda c: (c.item.when, c.item.path))
        newest = group[-1]
        for older in group[:-1]:
            report.replaced.append((student, older.item.path, newest.item.path))
        tied = [c.item.path for c in group if c.item.when == newest.item.when]
        if len(tied) > 1:
            report.warnings.append(
                f"{student}: {len(tied)} entregas de {notebook} com o mesmo horário "
                f"({newest.item.when:%d/%m/%Y %H:%M:%S} UTC): ficou {newest.item.path} "
                "(a última em ordem alfabética); confira se é a certa."
            )
        winners[student, notebook] = newest
    return winners


def _place(winners, submitted: Path, lesson: str, report: CollectReport) -> None:
    by_student: dict[str, list[tuple[str, _Candidate]]] = {}
    for (student, notebook), candidate in sorted(winners.items()):
        by_student.setdefault(student, []).append((notebook, candidate))
    for student, chosen in by_student.items():
        folder = submitted / student / lesson
        fresh = submitted / student / f".{lesson}.novo"
        if fresh.exists():
            shutil.rmtree(fresh)
        fresh.mkdir(parents=True)
        for notebook, candidate in chosen:
            shutil.move(str(candidate.staged), fresh / notebook)
            report.placements.append((student, notebook, candidate.item.path))
        newest = max(candidate.item.when for _, candidate in chosen)
        (fresh / "timestamp.txt").write_text(
            newest.astimezone(_dt.timezone.utc).strftime(TIMESTAMP_FORMAT)
        )
        if folder.exists():
            shutil.rmtree(folder)
        fresh.rename(folder)
        report.placed[student] = "; ".join(candidate.item.path for _, candidate in chosen)
    suffixed = {s.rsplit("-", 1)[0] for s in by_student if re.search(r"-\d+$", s)}
    for plain in sorted(suffixed - set(by_student)):
        if (submitted / plain / lesson).is_dir():
            report.warnings.append(
                f"{submitted.name}/{plain}/{lesson} é de uma coleta anterior e continua lá; "
                "agora os alunos com esse nome têm o número do AVA no id: apague-o se for "
                "a mesma pessoa."
            )


def _name_owners(final: dict[str, str], winners, report: CollectReport) -> None:
    """Give skipped files their student where the path tells it, and name in a warning
    each student of whom nothing was placed (a PDF-only hand-in, say)."""
    placed_keys = {_key(candidate.match) for candidate in winners.values()}
    orphans: dict[str, tuple[str, list[str]]] = {}
    for path, _ in report.skipped:
        owner = _owner(path)
        if owner is None:
            continue
        key, label, student = owner
        report.students[path] = final.get(key, student)
        if key not in placed_keys:
            orphans.setdefault(key, (label, []))[1].append(path)
    for label, paths in orphans.values():
        names = [PurePosixPath(p.replace("\\", "/")).name for p in paths]
        ask = "" if any(".ipynb" in n.lower() for n in names) else " Peça o arquivo .ipynb."
        report.warnings.append(
            f"{label}: nenhum notebook colocado; entregou {', '.join(names)} "
            f"(motivos na lista de não colocados).{ask}"
        )
