"""The sandbox that runs each submission: isolation, limits, and what is left after it."""

from __future__ import annotations

import os
import subprocess

import nbformat
import pytest

from grader import sandbox

MODES = ["bwrap", "fallback"]


def _run(tmp_path, sources, mode, monkeypatch, **limits):
    if mode == "fallback":
        monkeypatch.setenv("AUTOGRADER_SANDBOX", "none")
    elif not sandbox.bwrap():
        pytest.fail("bubblewrap is not installed (apt-get install bubblewrap)")
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 4
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    for cell in nb.cells:
        cell.pop("id", None)
    files = tmp_path / "files"
    files.mkdir(exist_ok=True)
    (files / "dados.txt").write_text("arquivo da lição")
    return sandbox.execute(nb, files, seed=7, slot=3, **limits)


def _text(cell) -> str:
    return "".join(o.get("text", "") + str(o.get("evalue", "")) for o in cell.outputs)


@pytest.mark.parametrize("mode", MODES)
def test_a_notebook_runs_with_its_files_and_the_grading_seed(tmp_path, mode, monkeypatch):
    run = _run(
        tmp_path,
        ["import os\nprint(open('dados.txt').read(), os.environ['AUTOGRADER_SEED'])"],
        mode,
        monkeypatch,
    )
    assert run.reason is None and run.stopped_at is None
    assert _text(run.nb.cells[0]).strip() == "arquivo da lição 7"
    assert ("ISOLAMENTO FRACO" in run.isolation) == (mode == "fallback")


@pytest.mark.parametrize("mode", MODES)
def test_a_loop_that_ignores_sigint_is_killed_at_the_cell_limit(tmp_path, mode, monkeypatch):
    loop = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    run = _run(tmp_path, ["x = 1", loop, "print('depois')"], mode, monkeypatch, cell_timeout=5)
    assert run.reason == "timeout" and run.stopped_at == 1
    assert run.nb.cells[0].execution_count == 1 and run.nb.cells[2].execution_count is None
    assert run.seconds < 60


@pytest.mark.parametrize("mode", MODES)
def test_the_wall_clock_limit_keeps_what_ran(tmp_path, mode, monkeypatch):
    cells = ["print('primeira')", "import time\ntime.sleep(2)"] + ["time.sleep(3)"] * 10
    run = _run(tmp_path, cells, mode, monkeypatch, cell_timeout=30, notebook_timeout=20)
    assert run.reason == "wall-clock"
    assert _text(run.nb.cells[0]).strip() == "primeira" and 1 <= run.stopped_at < len(cells)


@pytest.mark.parametrize("mode", MODES)
def test_kernel_death_is_reported_with_the_cell(tmp_path, mode, monkeypatch):
    run = _run(tmp_path, ["print(1)", "import os\nos._exit(3)", "print(2)"], mode, monkeypatch)
    assert run.reason == "dead" and run.stopped_at == 1
    assert _text(run.nb.cells[0]).strip() == "1"


@pytest.mark.parametrize("mode", MODES)
def test_processes_it_starts_do_not_survive_it(tmp_path, mode, monkeypatch):
    marker = tmp_path / "vivo"
    if mode == "fallback":
        os.chmod(tmp_path, 0o777)  # the unprivileged sandbox user could write here
    code = (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', "
        f'\'import time; time.sleep(4); open("{marker}", "w").write("x")\'], '
        "start_new_session=True)\n"
    )
    _run(tmp_path, [code], mode, monkeypatch)
    subprocess.run(["sleep", "6"])
    assert not marker.exists()


def test_the_course_and_the_network_are_out_of_reach(tmp_path, monkeypatch):
    secret = tmp_path / "gradebook.db"
    secret.write_text("notas")
    code = (
        "import os, socket, autograder\n"
        f"print(os.path.exists({str(secret)!r}))\n"
        "try:\n"
        "    import grader\n"
        "    print('grader visível')\n"
        "except ImportError:\n"
        "    print('sem grader')\n"
        "s = socket.socket()\n"
        "try:\n"
        "    s.connect(('1.1.1.1', 53))\n"
        "    print('rede')\n"
        "except OSError:\n"
        "    print('sem rede')\n"
        "print(os.getuid() != 0)\n"
    )
    run = _run(tmp_path, [code], "bwrap", monkeypatch)
    assert _text(run.nb.cells[0]).split() == ["False", "sem", "grader", "sem", "rede", "True"]
