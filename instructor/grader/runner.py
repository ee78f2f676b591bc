"""Runs one notebook, cell by cell, inside the grading sandbox (a stand-alone script).

Usage: ``python runner.py IN.ipynb OUT.ipynb WORKDIR CELL_TIMEOUT MEMORY_BYTES NPROC``.

It lowers its own resource limits (inherited by the kernel), starts a kernel, executes
each code cell, and after every cell writes the notebook so far to OUT (atomically), so
that whatever happens next (a kernel that dies, a wall-clock kill from outside) the cells
that ran keep their outputs. A cell that runs past CELL_TIMEOUT is not interrupted
politely: the kernel is killed (SIGKILL) and execution stops. The script imports nothing
from the course, and decides no grade.
"""

import json
import os
import resource
import sys


def limit(kind, value):
    soft, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value))


def main(argv):
    source, target, workdir = argv[1], argv[2], argv[3]
    cell_timeout, memory, nproc = int(argv[4]), int(argv[5]), int(argv[6])
    limit(resource.RLIMIT_CORE, 0)
    limit(resource.RLIMIT_FSIZE, 512 * 2**20)
    if memory > 0:
        limit(resource.RLIMIT_AS, memory)
    if nproc > 0:
        limit(resource.RLIMIT_NPROC, nproc)

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = nbformat.read(source, as_version=4)
    status = {"stopped_at": None, "reason": None}

    def checkpoint():
        nb.metadata["autograder_run"] = status
        partial = target + ".part"
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(nbformat.writes(nb))
        os.replace(partial, target)

    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=False,
        record_timing=False,
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
        resources={"metadata": {"path": workdir}},
    )
    checkpoint()
    with client.setup_kernel(cwd=workdir):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:
                status.update(stopped_at=index, reason="timeout")
            except DeadKernelError:
                status.update(stopped_at=index, reason="dead")
            except Exception as error:  # noqa: BLE001 - anything else ends the run, recorded
                status.update(stopped_at=index, reason=f"{type(error).__name__}: {error}"[:300])
            checkpoint()
            if status["stopped_at"] is not None:
                try:
                    client.km.shutdown_kernel(
                        now=True
                    )  # SIGKILL: a loop that ignores SIGINT ends too
                except Exception:  # noqa: BLE001
                    pass
                break
    status["finished"] = status["stopped_at"] is None
    checkpoint()
    print(json.dumps(status))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
