"""Execute one submitted notebook where its code cannot reach the grader (bubblewrap).

The notebook runs in a throw-away folder, under ``bwrap``: no network, a private ``/tmp``,
its own process namespace (every process it started dies with it), the system and the
grading environment read-only, and nothing else of the machine visible: not the course
folder, not the gradebook, not ``solutions/``, not other students, not the instructor's
verdict code (:mod:`grader.verdicts`). When the grader runs as root, the student's code
also runs as an unprivileged user of its own. Resource limits (memory, processes, file
size) are set by the runner, a per-cell limit kills the kernel, and a wall-clock limit
kills the whole sandbox.

Without ``bwrap`` the same runner executes with the best isolation available (a separate
copy, resource limits, its own session killed at the end, an unprivileged user when the
grader is root) and :func:`isolation` says so once.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

import autograder

CELL_TIMEOUT = 90
"""Seconds one cell may run: the slowest smoke-mode cell of a lesson takes about 15 s."""

NOTEBOOK_TIMEOUT = 300
"""Seconds a whole notebook may run: lessons take 10-30 s in smoke mode on 2 cores."""

MEMORY_BYTES = 10 * 2**30
"""Address-space limit of the student's kernel (TensorFlow maps about 3 GiB at import)."""

PROCESSES = 1024
"""Processes and threads the sandbox user may have (TensorFlow starts dozens of threads)."""

MAX_NOTEBOOK_BYTES = 40 * 2**20
"""An executed notebook larger than this is not read back."""

SANDBOX_UID = 61000
"""First uid used for students' code when the grader runs as root (one per parallel job)."""

HOME = "/home/aluno"

_warned = False


@dataclass
class Run:
    nb: object  # the executed notebook (NotebookNode), or None when nothing came back
    stopped_at: int | None  # index of the cell where execution stopped, None if it finished
    reason: str | None  # "timeout", "dead", "wall-clock", "no-output" or a runner error
    seconds: float
    isolation: str


def bwrap() -> str | None:
    """Path of bubblewrap, or None (also when ``AUTOGRADER_SANDBOX=none`` turns it off)."""
    if os.environ.get("AUTOGRADER_SANDBOX", "").lower() == "none":
        return None
    return shutil.which("bwrap")


def _reachable_by_others(path) -> bool:
    """True when a user without privileges can run ``path`` (every folder above it too)."""
    path = Path(path).resolve()
    folders_ok = all(p.stat().st_mode & 0o001 for p in path.parents)
    return folders_ok and bool(path.stat().st_mode & 0o005)


def _sandbox_uid(slot: int) -> int | None:
    """The unprivileged uid that runs students' code (only when the grader is root)."""
    if os.geteuid() != 0:
        return None
    if not bwrap() and not _reachable_by_others(sys.executable):
        return None  # without bwrap the interpreter must be reachable as it is
    return SANDBOX_UID + slot


def runs_as_root() -> bool:
    """True when students' code would run as root on this machine's real filesystem:
    grading as root, without bubblewrap, and with no unprivileged uid to switch to (the
    interpreter sits where other users cannot reach it, e.g. a venv under ``/root``)."""
    return os.geteuid() == 0 and not bwrap() and _sandbox_uid(0) is None


def isolation() -> str:
    """Which isolation grading uses here, in Portuguese (printed once by ``grade``)."""
    if bwrap():
        return "bubblewrap (sem rede, sistema somente leitura, nada do curso visível)"
    return (
        "ISOLAMENTO FRACO: bubblewrap não está instalado (apt-get install bubblewrap). "
        "O código dos alunos roda numa cópia, com limites de recursos"
        + (" e um usuário sem privilégios" if _sandbox_uid(0) is not None else "")
        + ", mas enxerga a rede e os arquivos legíveis desta máquina."
    )


def _student_site(scratch: Path) -> Path:
    """A copy of the student package (with its data) for the sandbox's PYTHONPATH."""
    site = scratch / "site"
    package = Path(autograder.__file__).resolve().parent
    shutil.copytree(package, site / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    data = package.parent / "data"
    if not (site / "autograder" / "_data").exists() and data.is_dir():
        shutil.copytree(data, site / "autograder" / "_data")
    return site


def _masked_packages() -> list[str]:
    """Instructor code installed inside the environment the sandbox can read: hide it."""
    import grader

    hidden = []
    prefix = Path(sys.prefix).resolve()
    folder = Path(grader.__file__).resolve().parent
    if prefix in folder.parents:
        hidden.append(str(folder))
    return hidden


def _parents(path: Path) -> list[str]:
    return [str(p) for p in reversed(path.parents) if str(p) != "/"]


def _bwrap_command(scratch: Path, work: Path, uid: int | None) -> list[str]:
    command = [bwrap(), "--die-with-parent", "--new-session"]
    command += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    command += ["--unshare-cgroup-try", "--proc", "/proc", "--dev", "/dev"]
    command += ["--perms", "1777", "--tmpfs", "/tmp"]
    for name in ("usr", "etc"):
        command += ["--ro-bind", f"/{name}", f"/{name}"]
    for name in ("bin", "lib", "lib64", "sbin"):
        link = Path("/", name)
        if link.is_symlink():
            command += ["--symlink", os.readlink(link), str(link)]
        elif link.is_dir():
            command += ["--ro-bind", str(link), str(link)]
    made = {"/tmp", "/usr", "/etc", "/home"}
    command += ["--perms", "0755", "--dir", "/home"]
    for prefix in {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}:
        if str(prefix).startswith(("/usr/", "/etc/")):
            continue
        for parent in _parents(prefix):
            if parent not in made:
                command += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        command += ["--ro-bind", str(prefix), str(prefix)]
    for hidden in _masked_packages():
        command += ["--tmpfs", hidden]
    keras_data = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"), "datasets")
    command += ["--bind", str(work), HOME, "--ro-bind", str(scratch / "ro"), "/sandbox"]
    if keras_data.is_dir():
        command += ["--ro-bind", str(keras_data), f"{HOME}/.keras/datasets"]
    command += ["--chdir", HOME]
    if uid is not None:
        command += ["--cap-add", "CAP_SETUID,CAP_SETGID", "--"]
        command += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        command += ["--inh-caps=-all", "--bounding-set=-all"]
    else:
        command += ["--"]
    return command


def _environment(home: str, site: str, seed: int, smoke: bool) -> dict:
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONPATH": site,
        "PYTHONNOUSERSITE": "1",
        "PYTHONUNBUFFERED": "1",
        "MPLBACKEND": "Agg",
        "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
        "JUPYTER_DATA_DIR": f"{home}/.local/share/jupyter",
        "IPYTHONDIR": f"{home}/.ipython",
        "NBGRADER_EXECUTION": "autograde",
        "COURSE_SMOKE": "1" if smoke else "0",
        "AUTOGRADER_SEED": str(seed),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # see the machine's notes
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def _children(pid: int) -> set:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _adopt_orphans() -> set:
    """Become the subreaper of what we start: orphans of the notebook's processes are
    re-parented to this process instead of escaping (Linux). Returns our children now."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass
    return _children(os.getpid())


def _kill_adopted(before: set) -> None:
    """Kill every process that became our child during the run (and their children)."""
    for _ in range(20):
        new = _children(os.getpid()) - before
        if not new:
            return
        for pid in new:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        time.sleep(0.05)


def _kill_user(uid: int) -> None:
    """Kill every process of ``uid`` (what the fallback's student code may have left)."""
    if os.geteuid() != 0:
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def execute(
    nb,
    files_dir,
    seed: int,
    slot: int = 0,
    smoke: bool = True,
    cell_timeout: int = CELL_TIMEOUT,
    notebook_timeout: int = NOTEBOOK_TIMEOUT,
) -> Run:
    """Run notebook ``nb`` (its folder's other files copied from ``files_dir``) in a sandbox.

    ``slot`` tells concurrent runs apart (each gets its own unprivileged uid as root).
    Returns the executed notebook as far as it got; nothing the notebook does reaches
    anything outside its throw-away copy.
    """
    uid = _sandbox_uid(slot)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="autograder-sandbox-") as tmp:
        scratch = Path(tmp)
        os.chmod(scratch, 0o755)
        ro = scratch / "ro"
        ro.mkdir()
        site = _student_site(ro)
        shutil.copy(Path(__file__).with_name("runner.py"), ro / "runner.py")
        nbformat.write(nb, ro / "in.ipynb")
        work = scratch / "work"
        shutil.copytree(files_dir, work, ignore=shutil.ignore_patterns("*.ipynb"))
        out = work / ".autograder" / "out.ipynb"
        out.parent.mkdir()
        for path in [scratch, ro, *ro.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o555 if path.is_dir() else 0o644)
        if uid is not None:
            for path in [work, *work.rglob("*")]:
                os.lchown(path, uid, uid)
        limits = [str(cell_timeout), str(MEMORY_BYTES), str(PROCESSES)]
        if bwrap():
            home, site_path, runner = HOME, "/sandbox/site", "/sandbox/runner.py"
            argv = ["/sandbox/in.ipynb", f"{HOME}/.autograder/out.ipynb", HOME]
            command = _bwrap_command(scratch, work, uid)
            preexec = None
        else:
            home, site_path, runner = str(work), str(site), str(ro / "runner.py")
            argv = [str(ro / "in.ipynb"), str(out), str(work)]
            command = []
            preexec = (lambda: (os.setgid(uid), os.setuid(uid))) if uid is not None else None
        command += [sys.executable, runner, *argv, *limits]
        env = _environment(home, site_path, seed, smoke)
        before = _adopt_orphans()
        process = subprocess.Popen(
            command,
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=preexec,
        )
        reason = None
        try:
            stdout, stderr = process.communicate(timeout=notebook_timeout)
        except subprocess.TimeoutExpired:
            reason = "wall-clock"
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            if uid is not None and not bwrap():
                _kill_user(uid)
            _kill_adopted(before)
        executed, stopped_at, runner_reason = _read_back(out, nb)
        reason = reason or runner_reason
        if executed is None:
            reason = reason or "no-output"
            detail = (stderr or b"").decode(errors="replace")[-400:]
            if detail and reason == "no-output":
                reason = f"no-output: {detail}"
        return Run(executed, stopped_at, reason, time.monotonic() - started, isolation())


def _read_back(out: Path, sent):
    """The executed notebook (outputs only, onto the cells that were sent) and the stop."""
    try:
        if out.is_symlink() or not out.is_file() or out.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None, None, None
        executed = nbformat.reads(out.read_text(encoding="utf-8"), as_version=4)
    except Exception:  # noqa: BLE001 - whatever the student left there is not trusted
        return None, None, None
    status = executed.metadata.get("autograder_run") or {}
    result = copy.deepcopy(sent)
    if len(executed.cells) != len(result.cells):
        return None, None, None
    last_run = None
    for index, (cell, ran) in enumerate(zip(result.cells, executed.cells)):
        if cell.cell_type == "code" and ran.get("cell_type") == "code":
            cell.outputs = ran.get("outputs", [])
            cell.execution_count = ran.get("execution_count")
            if cell.execution_count is not None:
                last_run = index
    stopped_at = status.get("stopped_at") if isinstance(status, dict) else None
    reason = status.get("reason") if isinstance(status, dict) else None
    if not isinstance(stopped_at, int):
        stopped_at = None
    if stopped_at is None and not (isinstance(status, dict) and status.get("finished")):
        stopped_at = last_run + 1 if last_run is not None else 0
        reason = reason or "killed"
    return result, stopped_at, reason if isinstance(reason, str) else None
