"""The collect step (grader.collect): every file handed in is placed or listed with a reason."""

import csv
import datetime as dt
import io
import os
import stat
import struct
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader import collect as col
from grader.grading import GradingError

LESSON = "02_cifar10"
NB = ["02_cifar10.ipynb"]
WHEN = (2026, 3, 10, 10, 0, 0)
LATER = (2026, 3, 10, 12, 0, 0)


def notebook(marker: str, pad: str = "") -> bytes:
    """A notebook whose only cell holds ``marker`` (to tell versions apart)."""
    nb = new_notebook(cells=[new_code_cell(f"print({marker!r})  # {pad}")])
    return nbformat.writes(nb).encode()


def make_zip(path, entries):
    """``entries``: (name, bytes[, date_time[, external_attr]]) each; returns ``path``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, *rest in entries:
            info = zipfile.ZipInfo(name, rest[0] if rest else WHEN)
            info.compress_type = zipfile.ZIP_DEFLATED
            if len(rest) > 1:
                info.external_attr = rest[1]
            archive.writestr(info, data)
    return path


def zip_bytes(entries) -> bytes:
    buffer = io.BytesIO()
    make_zip(buffer, entries)
    return buffer.getvalue()


def moodle(name: str, number: int, file: str = "02_cifar10.ipynb") -> str:
    return f"{name}_{number}_assignsubmission_file_{file}"


@pytest.fixture
def course(tmp_path):
    return tmp_path / "curso"


def submitted(course, student) -> str:
    return (course / "grading/submitted" / student / LESSON / "02_cifar10.ipynb").read_text()


def reasons(report) -> dict[str, str]:
    return dict(report.skipped)


def accounted(report) -> set[str]:
    """Every source path the report mentions: placed, replaced or skipped."""
    paths = {p for value in report.placed.values() for p in value.split("; ")}
    return paths | {old for _, old, _ in report.replaced} | {p for p, _ in report.skipped}


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    "path, student, lms_id",
    [
        (
            moodle("Ana Júlia Souza", 1234, "Copy of 02_cifar10 (1).ipynb"),
            "ana-julia-souza",
            "1234",
        ),
        (
            "Ana Júlia Souza_1234_assignsubmission_file_/02_cifar10.ipynb",
            "ana-julia-souza",
            "1234",
        ),
        ("Ana Júlia Souza_1234_assignsubmission_file/02_cifar10.ipynb", "ana-julia-souza", "1234"),
        ("souzaana_LATE_123_456_02_cifar10.ipynb", "souzaana", "123"),
        ("maria/Copy of 02_cifar10 (1).ipynb", "maria", None),
        ("joao_silva_02_cifar10.ipynb", "joao-silva", None),
        (moodle("李雷", 77), "aluno-77", "77"),
    ],
)
def test_match_submission_gives_the_lms_id(path, student, lms_id):
    found = col.match_submission(path, LESSON, NB)
    assert found == col.Match(student, "02_cifar10.ipynb")  # lms_id is not compared
    assert found.lms_id == lms_id


def test_the_moved_names_are_importable():
    assert col.slug("Zé  Silva") == "ze-silva"
    assert col.clean_notebook_stem("Cópia de 02_cifar10 (2)") == "02_cifar10"
    assert issubclass(col.SubmissionCollector, col.FileNameCollectorPlugin)
    assert col.match_submission("maria/03_lenet.ipynb", LESSON, NB) is None


# --------------------------------------------------------------------------- 1. newest wins


def test_newest_zip_entry_wins_and_the_older_is_reported(course, tmp_path):
    older = moodle("Ana Souza", 101)
    newer = moodle("Ana Souza", 101, "Copy of 02_cifar10 (1).ipynb")
    source = make_zip(
        tmp_path / "moodle.zip",
        [(newer, notebook("nova"), LATER), (older, notebook("velha"), WHEN)],
    )
    report = col.collect(course, LESSON, source, NB)
    assert report.placed == {"ana-souza": newer}
    assert "nova" in submitted(course, "ana-souza")
    assert report.replaced == [("ana-souza", older, newer)]
    # the zip's local time (America/Sao_Paulo, UTC-3) → nbgrader's format, in UTC
    stamp = (course / "grading/submitted/ana-souza" / LESSON / "timestamp.txt").read_text()
    assert stamp == "2026-03-10 15:00:00.000000 UTC"
    from nbgrader.utils import parse_utc

    assert parse_utc(stamp) == dt.datetime(2026, 3, 10, 15, 0)


def test_newest_file_in_a_folder_wins(course, tmp_path):
    folder = tmp_path / "entregas" / "maria"
    folder.mkdir(parents=True)
    (folder / "02_cifar10.ipynb").write_bytes(notebook("nova"))
    (folder / "Copy of 02_cifar10 (1).ipynb").write_bytes(notebook("velha"))
    os.utime(folder / "Copy of 02_cifar10 (1).ipynb", (1_700_000_000, 1_700_000_000))
    os.utime(folder / "02_cifar10.ipynb", (1_700_000_600, 1_700_000_600))
    report = col.collect(course, LESSON, tmp_path / "entregas", NB)
    assert "nova" in submitted(course, "maria")
    assert report.replaced == [
        ("maria", "maria/Copy of 02_cifar10 (1).ipynb", "maria/02_cifar10.ipynb")
    ]
    stamp = (course / "grading/submitted/maria" / LESSON / "timestamp.txt").read_text()
    assert stamp == "2023-11-14 22:23:20.000000 UTC"  # the newer file's mtime


@pytest.mark.parametrize("reverse", [False, True])
def test_a_tie_is_broken_by_name_and_reported(course, tmp_path, reverse):
    first, second = moodle("Ana", 1, "02_cifar10 (1).ipynb"), moodle("Ana", 1)
    entries = [(first, notebook("um")), (second, notebook("dois"))]
    source = make_zip(tmp_path / "a.zip", entries[::-1] if reverse else entries)
    report = col.collect(course, LESSON, source, NB)
    assert sorted([first, second])[-1] == second  # the winner: last in name order
    assert report.placed == {"ana": second}
    assert "dois" in submitted(course, "ana")
    assert report.replaced == [("ana", first, second)]
    assert any("mesmo horário" in w and second in w for w in report.warnings)


def test_the_extended_timestamp_field_is_used_when_present(course, tmp_path):
    info = zipfile.ZipInfo(moodle("Ana", 1), WHEN)
    info.extra = struct.pack("<HHBi", 0x5455, 5, 1, 1_800_000_000)  # UTC seconds
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        archive.writestr(info, notebook("x"))
    col.collect(course, LESSON, tmp_path / "a.zip", NB)
    stamp = (course / "grading/submitted/ana" / LESSON / "timestamp.txt").read_text()
    assert stamp == "2027-01-15 08:00:00.000000 UTC"


def test_a_new_collect_replaces_the_students_earlier_one_and_keeps_the_others(course, tmp_path):
    first = make_zip(
        tmp_path / "1.zip",
        [(moodle("Ana", 1), notebook("ana-1")), (moodle("Bia", 2), notebook("bia-1"))],
    )
    col.collect(course, LESSON, first, NB)
    (course / "grading/submitted/ana" / LESSON / "sobra.txt").write_text("antiga")
    late = make_zip(tmp_path / "2.zip", [(moodle("Ana", 1), notebook("ana-2"), LATER)])
    report = col.collect(course, LESSON, late, NB)
    assert report.placed == {"ana": moodle("Ana", 1)}
    assert "ana-2" in submitted(course, "ana")
    assert sorted(p.name for p in (course / "grading/submitted/ana" / LESSON).iterdir()) == [
        "02_cifar10.ipynb",
        "timestamp.txt",
    ]
    assert "bia-1" in submitted(course, "bia")  # not in the late zip: left as it was


# --------------------------------------------------------------------------- 2. LMS ids


def test_students_with_the_same_name_are_kept_apart_by_their_lms_id(course, tmp_path):
    source = make_zip(
        tmp_path / "moodle.zip",
        [
            (moodle("José Silva", 101), notebook("jose-101")),
            (moodle("Jose Silva", 102), notebook("jose-102")),
            (moodle("Bia", 103), notebook("bia")),
        ],
    )
    report = col.collect(course, LESSON, source, NB)
    assert set(report.placed) == {"jose-silva-101", "jose-silva-102", "bia"}
    assert "jose-101" in submitted(course, "jose-silva-101")
    assert "jose-102" in submitted(course, "jose-silva-102")
    assert not (course / "grading/submitted/jose-silva").exists()
    (warning,) = [w for w in report.warnings if "Nomes iguais" in w]
    assert "101" in warning and "102" in warning and "jose-silva" in warning


def test_the_same_lms_id_with_slightly_different_names_is_one_student(course, tmp_path):
    source = make_zip(
        tmp_path / "moodle.zip",
        [
            (moodle("Ana Souza", 7), notebook("velha"), WHEN),
            (moodle("Ana  Souza", 7, "Copy of 02_cifar10.ipynb"), notebook("nova"), LATER),
            (moodle("Ana Sousa", 7, "Cópia de 02_cifar10 (2).ipynb"), notebook("media")),
        ],
    )
    report = col.collect(course, LESSON, source, NB)
    assert list(report.placed) == ["ana-souza"]  # the most frequent spelling
    assert "nova" in submitted(course, "ana-souza")
    assert len(report.replaced) == 2
    assert any("id 7" in w and "nomes diferentes" in w for w in report.warnings)


def test_canvas_late_and_on_time_are_one_student(course, tmp_path):
    source = make_zip(
        tmp_path / "canvas.zip",
        [
            ("souzaana_123_456_02_cifar10.ipynb", notebook("no-prazo"), WHEN),
            ("souzaana_late_123_789_02_cifar10.ipynb", notebook("atrasada"), LATER),
        ],
    )
    report = col.collect(course, LESSON, source, NB)
    assert report.placed == {"souzaana": "souzaana_late_123_789_02_cifar10.ipynb"}
    assert "atrasada" in submitted(course, "souzaana")


def test_a_suffixed_id_from_an_earlier_collect_is_kept(course, tmp_path):
    both = make_zip(
        tmp_path / "1.zip",
        [(moodle("José Silva", 101), notebook("a")), (moodle("Jose Silva", 102), notebook("b"))],
    )
    col.collect(course, LESSON, both, NB)
    alone = make_zip(tmp_path / "2.zip", [(moodle("José Silva", 101), notebook("c"), LATER)])
    report = col.collect(course, LESSON, alone, NB)
    assert report.placed == {"jose-silva-101": moodle("José Silva", 101)}


# --------------------------------------------------------------------------- 3. skipped, with reasons


def test_every_file_not_placed_is_listed_with_its_reason(course, tmp_path):
    wrong_name = zip_bytes([("x.ipynb", b"{}")])
    entries = [
        (moodle("Ana", 1, "relatorio.pdf"), b"%PDF-1.4"),
        (moodle("Bia", 2, "03_lenet.ipynb"), notebook("bia")),
        (moodle("Caio", 3, "trabalho final.ipynb"), notebook("caio")),
        (moodle("Duda", 4, "entrega.zip"), b"isto nao e um zip"),
        (moodle("Eva", 5), notebook("eva")),
        (moodle("Eva", 5, "notas.txt"), b"texto"),
        ("Copy of 02_cifar10.ipynb", notebook("solto")),
        ("__MACOSX/" + moodle("Eva", 5, "._02_cifar10.ipynb"), b"\0\5\26\7"),
        (moodle("Fabi", 6), notebook("fabi-corrompido" * 50)),
        (moodle("Gui", 7, "entrega.zip"), wrong_name),  # its notebook has a wrong name
    ]
    source = make_zip(tmp_path / "moodle.zip", entries)
    _corrupt_member(source, moodle("Fabi", 6))
    report = col.collect(course, LESSON, source, NB)
    why = reasons(report)
    assert report.placed == {"eva": moodle("Eva", 5)}
    assert "PDF" in why[moodle("Ana", 1, "relatorio.pdf")]
    assert "outra lição" in why[moodle("Bia", 2, "03_lenet.ipynb")]
    assert "03_lenet" in why[moodle("Bia", 2, "03_lenet.ipynb")]
    assert "nome inesperado" in why[moodle("Caio", 3, "trabalho final.ipynb")]
    assert "zip corrompido" in why[moodle("Duda", 4, "entrega.zip")]
    assert "não é notebook" in why[moodle("Eva", 5, "notas.txt")]
    assert "sem aluno" in why["Copy of 02_cifar10.ipynb"]
    assert "macOS" in why["__MACOSX/" + moodle("Eva", 5, "._02_cifar10.ipynb")]
    assert "corrompido" in why[moodle("Fabi", 6)]
    assert "nome inesperado" in why[moodle("Gui", 7, "entrega.zip") + "/x.ipynb"]
    # a student with only a PDF is named in a warning
    assert any("Ana (id 1" in w and "relatorio.pdf" in w for w in report.warnings)
    # nothing silently dropped: every file of the zip is in the report
    names = {name for name, _ in entries} - {moodle("Gui", 7, "entrega.zip")}
    names.add(moodle("Gui", 7, "entrega.zip") + "/x.ipynb")
    assert accounted(report) == names
    text = "\n".join(report.lines())
    assert "NÃO colocado" in text and "relatorio.pdf" in text


def test_another_lessons_notebook_names_the_lesson_of_the_course(course, tmp_path):
    (course / "solutions/03_lenet").mkdir(parents=True)
    source = make_zip(tmp_path / "a.zip", [(moodle("Bia", 2, "Copy of 03_cnn.ipynb"), b"{}")])
    report = col.collect(course, LESSON, source, NB)
    assert "parece ser 03_lenet" in reasons(report)[moodle("Bia", 2, "Copy of 03_cnn.ipynb")]


def _corrupt_member(path, name):
    """Overwrite the middle of a member's compressed data with garbage."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    raw = bytearray(path.read_bytes())
    name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26 :][:4])
    start = info.header_offset + 30 + name_length + extra_length
    for index in range(start + 2, start + info.compress_size - 2):
        raw[index] = 0xFF
    path.write_bytes(bytes(raw))


def test_folder_loose_files_and_other_files_are_listed(course, tmp_path):
    """The earlier zip_collect test: a folder of Colab downloads, one sub-folder per student."""
    entregas = tmp_path / "entregas"
    for student, name in (("maria", "Copy of 02_cifar10 (1).ipynb"), ("Zé Silva", NB[0])):
        (entregas / student).mkdir(parents=True)
        (entregas / student / name).write_bytes(notebook(student))
    (entregas / "Copy of 02_cifar10.ipynb").write_text("{}")
    (entregas / "maria" / "relatorio.pdf").write_bytes(b"%PDF")
    report = col.collect(course, LESSON, entregas, NB)
    assert sorted(report.placed) == ["maria", "ze-silva"]
    assert "Zé Silva" in submitted(course, "ze-silva")
    assert "sem aluno" in reasons(report)["Copy of 02_cifar10.ipynb"]
    assert "PDF" in reasons(report)["maria/relatorio.pdf"]
    assert not any("maria" in w for w in report.warnings)  # she did hand in a notebook


def test_a_jupyter_checkpoint_only_counts_when_nothing_else_was_handed_in(course, tmp_path):
    folder = tmp_path / "entregas" / "maria"
    (folder / ".ipynb_checkpoints").mkdir(parents=True)
    (folder / "02_cifar10.ipynb").write_bytes(notebook("entregue"))
    (folder / ".ipynb_checkpoints" / "02_cifar10-checkpoint.ipynb").write_bytes(notebook("auto"))
    os.utime(folder / "02_cifar10.ipynb", (1_700_000_000, 1_700_000_000))
    report = col.collect(course, LESSON, tmp_path / "entregas", NB)
    assert "entregue" in submitted(course, "maria")
    assert "checkpoint" in reasons(report)["maria/.ipynb_checkpoints/02_cifar10-checkpoint.ipynb"]


# --------------------------------------------------------------------------- 4. path traversal


def test_path_traversal_and_symlinks_are_rejected(course, tmp_path):
    link = (stat.S_IFLNK | 0o777) << 16
    inner = zip_bytes([("../../" + NB[0], notebook("fora-interno")), (NB[0], notebook("ok"))])
    entries = [
        ("../" + moodle("Ana", 1), notebook("fora")),
        ("a/../../" + moodle("Bia", 2), notebook("fora")),
        ("/tmp/" + moodle("Caio", 3), notebook("absoluto")),
        ("C:/Users/" + moodle("Duda", 4), notebook("windows")),
        ("..\\" + moodle("Eva", 5), notebook("barra-invertida")),
        (moodle("Fabi", 6), b"/etc/passwd", WHEN, link),
        (moodle("Gui", 7, "entrega.zip"), inner),
    ]
    (tmp_path / "src").mkdir()
    source = make_zip(tmp_path / "src" / "moodle.zip", entries)
    report = col.collect(course, LESSON, source, NB)
    why = reasons(report)
    for name, *_ in entries[:6]:
        assert "rejeitado" in why[name], name
    assert "rejeitado" in why[moodle("Gui", 7, "entrega.zip") + "/../../" + NB[0]]
    assert report.placed == {"gui": moodle("Gui", 7, "entrega.zip") + "/" + NB[0]}
    # nothing was written outside the course's grading folder
    written = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert written <= {source} | set((course / "grading").rglob("*"))
    assert not list(tmp_path.rglob("*passwd*"))


def test_symlinks_in_a_folder_are_not_followed(course, tmp_path):
    outside = tmp_path / "segredo.ipynb"
    outside.write_bytes(notebook("segredo"))
    (tmp_path / "entregas" / "ana").mkdir(parents=True)
    (tmp_path / "entregas" / "ana" / NB[0]).symlink_to(outside)
    report = col.collect(course, LESSON, tmp_path / "entregas", NB)
    assert report.placed == {}
    assert "link simbólico" in reasons(report)["ana/" + NB[0]]


# --------------------------------------------------------------------------- 5. size caps


def test_a_member_over_the_size_cap_is_rejected_from_its_header(course, tmp_path, monkeypatch):
    monkeypatch.setattr(col, "MAX_NOTEBOOK_BYTES", 2000)
    source = make_zip(
        tmp_path / "a.zip",
        [(moodle("Ana", 1), notebook("grande", "x" * 5000)), (moodle("Bia", 2), notebook("bia"))],
    )
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, info, *args, **kwargs):
        opened.append(getattr(info, "filename", info))
        return real_open(self, info, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    report = col.collect(course, LESSON, source, NB)
    assert "grande demais" in reasons(report)[moodle("Ana", 1)]
    assert list(report.placed) == ["bia"]
    assert opened == [moodle("Bia", 2)]  # the big one was never read


def test_the_total_cap_stops_the_extraction(course, tmp_path, monkeypatch):
    size = len(notebook("ana"))
    monkeypatch.setattr(col, "MAX_TOTAL_BYTES", 2 * size + 10)
    names = [moodle(n, i) for i, n in enumerate(["Ana", "Bia", "Caio"], 1)]
    source = make_zip(tmp_path / "a.zip", [(n, notebook(n[:3].lower())) for n in names])
    report = col.collect(course, LESSON, source, NB)
    assert sorted(report.placed) == ["ana", "bia"]
    assert "limite total" in reasons(report)[names[2]]


def test_a_zip_bomb_is_rejected_from_its_ratio(course, tmp_path, monkeypatch):
    monkeypatch.setattr(col, "MAX_RATIO", 20)
    monkeypatch.setattr(col, "RATIO_MIN_BYTES", 1000)
    source = make_zip(tmp_path / "a.zip", [(moodle("Ana", 1), notebook("bomba", "0" * 200_000))])
    report = col.collect(course, LESSON, source, NB)
    assert "compressão" in reasons(report)[moodle("Ana", 1)]
    assert report.placed == {}


def test_a_lying_header_cannot_fill_the_disk(course, tmp_path, monkeypatch):
    """The header says 100 bytes; the data is far bigger."""
    monkeypatch.setattr(col, "MAX_NOTEBOOK_BYTES", 1000)
    source = make_zip(tmp_path / "a.zip", [(moodle("Ana", 1), notebook("mentira", "y" * 50_000))])
    raw = bytearray(source.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.index(signature)
        raw[at + offset : at + offset + 4] = struct.pack("<I", 100)
    source.write_bytes(bytes(raw))
    with zipfile.ZipFile(source) as archive:
        assert archive.infolist()[0].file_size == 100  # the lie passes the header check
    report = col.collect(course, LESSON, source, NB)
    assert moodle("Ana", 1) in reasons(report)
    assert report.placed == {}


def test_the_cap_holds_while_streaming_even_if_the_reader_ignores_the_header(
    course, tmp_path, monkeypatch
):
    """Whatever the unzipper does, no more than the cap is ever written."""
    monkeypatch.setattr(col, "MAX_NOTEBOOK_BYTES", 1000)
    source = make_zip(tmp_path / "a.zip", [(moodle("Ana", 1), notebook("a"))])
    endless = _Endless()
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: endless)
    report = col.collect(course, LESSON, source, NB)
    assert "extração interrompida" in reasons(report)[moodle("Ana", 1)]
    assert endless.given <= 1000 + 1
    assert report.placed == {}
    assert not list((course / "grading").glob(".coleta-*"))  # the scratch folder is gone


class _Endless(io.RawIOBase):
    """A stream that never ends, counting what it gave."""

    given = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"x" * len(buffer)
        self.given += len(buffer)
        return len(buffer)


def test_copy_capped_deletes_the_partial_copy(tmp_path):
    target = tmp_path / "parcial"
    with pytest.raises(col._Rejected):
        col._copy_capped(_Endless(), target, 100_000)
    assert not target.exists()
    assert col._copy_capped(io.BytesIO(b"12345"), target, 5) == 5
    assert target.read_bytes() == b"12345"


def test_a_file_over_the_cap_in_a_folder_is_rejected(course, tmp_path, monkeypatch):
    monkeypatch.setattr(col, "MAX_NOTEBOOK_BYTES", 500)
    (tmp_path / "entregas/ana").mkdir(parents=True)
    (tmp_path / "entregas/ana" / NB[0]).write_bytes(notebook("ana", "z" * 1000))
    report = col.collect(course, LESSON, tmp_path / "entregas", NB)
    assert "grande demais" in reasons(report)["ana/" + NB[0]]


# --------------------------------------------------------------------------- 6. nested zips


def test_student_zips_are_opened_one_level_deep(course, tmp_path, monkeypatch):
    inner = zip_bytes(
        [
            ("entrega/Copy of 02_cifar10.ipynb", notebook("dentro-do-zip")),
            ("entrega/mais.zip", zip_bytes([(NB[0], notebook("fundo-demais"))])),
        ]
    )
    big = zip_bytes([(NB[0], notebook("bia")), ("dados.bin", os.urandom(len(inner) + 100))])
    source = make_zip(
        tmp_path / "moodle.zip",
        [(moodle("Ana Souza", 1, "entrega.zip"), inner), (moodle("Bia", 2, "b.zip"), big)],
    )
    monkeypatch.setattr(col, "MAX_NESTED_ZIP_BYTES", len(inner) + 10)
    report = col.collect(course, LESSON, source, NB)
    prefix = moodle("Ana Souza", 1, "entrega.zip") + "/entrega/"
    assert report.placed == {"ana-souza": prefix + "Copy of 02_cifar10.ipynb"}
    assert "dentro-do-zip" in submitted(course, "ana-souza")
    assert "só um nível" in reasons(report)[prefix + "mais.zip"]
    assert "grande demais" in reasons(report)[moodle("Bia", 2, "b.zip")]


def test_a_zip_in_a_student_folder_is_opened(course, tmp_path):
    (tmp_path / "entregas/bia").mkdir(parents=True)
    make_zip(tmp_path / "entregas/bia/bia.zip", [(NB[0], notebook("bia-zip"))])
    make_zip(tmp_path / "entregas/joao_silva.zip", [(NB[0], notebook("joao-zip"))])
    report = col.collect(course, LESSON, tmp_path / "entregas", NB)
    assert report.placed == {
        "bia": "bia/bia.zip/02_cifar10.ipynb",
        "joao-silva": "joao_silva.zip/02_cifar10.ipynb",
    }


# --------------------------------------------------------------------------- 7. placed by name


def test_a_broken_notebook_is_placed_all_the_same(course, tmp_path):
    source = make_zip(tmp_path / "a.zip", [(moodle("Ana", 1), b"isto nao e json {")])
    report = col.collect(course, LESSON, source, NB)
    assert report.placed == {"ana": moodle("Ana", 1)}
    assert submitted(course, "ana") == "isto nao e json {"


def test_a_single_notebook_is_a_source(course, tmp_path):
    single = tmp_path / "joao_silva_02_cifar10.ipynb"
    single.write_bytes(notebook("joao"))
    report = col.collect(course, LESSON, single, NB)
    assert report.placed == {"joao-silva": "joao_silva_02_cifar10.ipynb"}


# --------------------------------------------------------------------------- 8. the report


def test_the_report_and_its_csv(course, tmp_path):
    older, newer = moodle("Ana", 1, "Copy of 02_cifar10.ipynb"), moodle("Ana", 1)
    source = make_zip(
        tmp_path / "a.zip",
        [
            (older, notebook("velha"), WHEN),
            (newer, notebook("nova"), LATER),
            (moodle("Bia", 2, "relatorio.pdf"), b"%PDF"),
        ],
    )
    report = col.collect(course, LESSON, source, NB)
    assert isinstance(report, col.CollectReport)
    assert report.placed == {"ana": newer}
    assert report.replaced == [("ana", older, newer)]
    assert [p for p, _ in report.skipped] == [moodle("Bia", 2, "relatorio.pdf")]
    assert any("Bia" in w for w in report.warnings)
    text = "\n".join(report.lines())
    for expected in ("1 aluno(s) com entrega colocada", "substituída", "NÃO colocado", "aviso"):
        assert expected in text
    assert report.csv_path == course / "grading" / f"coleta_{LESSON}.csv"
    with open(report.csv_path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["arquivo", "aluno", "situacao", "motivo"]
    by_file = {row["arquivo"]: row for row in rows if row["arquivo"]}
    assert by_file[newer]["situacao"] == "colocado" and by_file[newer]["aluno"] == "ana"
    assert by_file[older]["situacao"] == "substituído" and newer in by_file[older]["motivo"]
    assert by_file[moodle("Bia", 2, "relatorio.pdf")]["situacao"] == "não colocado"
    assert "PDF" in by_file[moodle("Bia", 2, "relatorio.pdf")]["motivo"]
    assert by_file[moodle("Bia", 2, "relatorio.pdf")]["aluno"] == "bia"
    assert any(row["situacao"] == "aviso" for row in rows)


# --------------------------------------------------------------------------- 9. bad sources


def test_a_missing_source_is_a_clear_error(course, tmp_path):
    with pytest.raises(GradingError, match="não existe"):
        col.collect(course, LESSON, tmp_path / "nada.zip", NB)


def test_a_source_of_another_kind_is_a_clear_error(course, tmp_path):
    (tmp_path / "notas.txt").write_text("x")
    with pytest.raises(GradingError, match="não é zip, pasta nem .ipynb"):
        col.collect(course, LESSON, tmp_path / "notas.txt", NB)
    (tmp_path / "quebrado.zip").write_bytes(b"PK isto nao e zip")
    with pytest.raises(GradingError, match="zip válido"):
        col.collect(course, LESSON, tmp_path / "quebrado.zip", NB)


def test_a_lettered_lessons_notebook_is_not_taken_for_the_numbered_one(course, tmp_path):
    for lesson in ("03_lenet", "03b_taxa_e_lote"):
        (course / "solutions" / lesson).mkdir(parents=True)
    member = moodle("Bia", 2, "Copy of 03b_taxa_e_lote (1).ipynb")
    source = make_zip(tmp_path / "a.zip", [(member, b"{}")])
    report = col.collect(course, "03_lenet", source, ["03_lenet.ipynb"])
    assert "parece ser 03b_taxa_e_lote" in reasons(report)[member]
