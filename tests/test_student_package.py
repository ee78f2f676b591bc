"""What students install cannot solve an exercise, and carries nothing of the instructor's side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import verdicts

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter with only the built wheel (and the instructor's verdicts) on the
# path: every callable of every module of the wheel is put in the place of every autograded
# answer, probed and judged as grading does. None may pass. Arguments: the worker's index k,
# the number of workers n, the lessons; the worker takes every n-th (lesson, test) pair from
# the k-th on, so that n workers share the work on n cores.
TRY_EVERY_CALLABLE = r"""
import importlib, inspect, json, os, pkgutil, signal, sys, tempfile, warnings
warnings.simplefilter("ignore")
os.chdir(tempfile.mkdtemp())
import keras  # imported before any alarm can interrupt a candidate's first import of it
import matplotlib.pyplot as plt

import autograder
from grader import verdicts

callables, seen = {}, set()


def keep(name, item):
    if id(item) not in seen:  # a function imported by several modules is tried once
        seen.add(id(item))
        callables[name] = item


for info in pkgutil.walk_packages(autograder.__path__, "autograder."):
    module = importlib.import_module(info.name)
    for name, item in vars(module).items():
        if callable(item) and getattr(item, "__module__", "").startswith("autograder"):
            keep(f"{info.name}.{name}", item)
            if inspect.isclass(item):
                for attr, member in vars(item).items():
                    if inspect.isfunction(member):
                        keep(f"{info.name}.{name}.{attr}", member)

class Slow(BaseException):  # not an Exception: a candidate's `except Exception` cannot eat it
    pass


def alarm(*_):
    raise Slow()



def first_call(lesson, grade_id):
    # the arguments the probe passes to the answer first (None: it never calls the answer)
    seen = []

    def recorder(*args, **kwargs):
        seen.append((args, kwargs))
        raise RuntimeError("recorded")

    signal.alarm(5)
    try:
        verdicts.probe_and_judge(lesson, grade_id, recorder)
    except BaseException:
        pass
    finally:
        signal.alarm(0)
    return seen[0] if seen else None


def can_take(candidate, arguments):
    # False when calling the candidate with these arguments is a TypeError before it runs:
    # such a candidate errs on the probe's first case, which no judge passes
    if arguments is None:
        return True
    try:
        inspect.signature(candidate).bind(*arguments[0], **arguments[1])
    except TypeError:
        return False
    except ValueError:  # no signature to read: try it
        return True
    return True


signal.signal(signal.SIGALRM, alarm)
passed, tried, skipped = [], 0, 0
worker, workers, lessons = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pairs = [(lesson, grade_id) for lesson in lessons for grade_id in verdicts.lesson_module(lesson).TESTS]
for lesson, grade_id in pairs[worker::workers]:
    arguments = first_call(lesson, grade_id)
    for name, candidate in callables.items():
        if not can_take(candidate, arguments):
            skipped += 1
            continue
        tried += 1
        if tried % 100 == 0:  # models built by earlier tries would pile up in memory
            import keras

            keras.utils.clear_session()
        signal.alarm(5)  # a callable that takes longer than this is not an answer
        try:
            verdict = verdicts.probe_and_judge(lesson, grade_id, candidate)
        except BaseException:  # a crash or a malformed probe result is not a pass
            continue
        finally:
            signal.alarm(0)
            plt.close("all")  # plot helpers called with arrays leave figures behind
        if verdict.passed:
            passed.append(f"{lesson}:{grade_id} <- {name}")
print(json.dumps({
    "pairs": len(pairs[worker::workers]), "tried": tried, "skipped": skipped,
    "callables": len(callables), "passed": passed,
}))
"""


def test_wheel_has_no_instructor_code(student_wheel):
    names = zipfile.ZipFile(student_wheel).namelist()
    assert not [n for n in names if n.startswith(("grader/", "solutions/", "instructor/"))]
    assert not [n for n in names if "verdict" in n or "reference" in n]
    text = "".join(
        zipfile.ZipFile(student_wheel).read(n).decode("utf-8", "replace")
        for n in names
        if n.endswith(".py")
    )
    for marker in ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "def reference_"):
        assert marker not in text


@pytest.mark.notebook
def test_no_callable_of_the_student_package_solves_an_exercise(student_wheel, tmp_path):
    site = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(student_wheel),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    lessons = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    env = {
        "PYTHONPATH": f"{site}:{ROOT / 'instructor'}",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "COURSE_SMOKE": "1",
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "KERAS_HOME": str(tmp_path / "keras"),
    }
    workers = min(4, max(2, os.cpu_count() or 1))  # the tries share the machine's cores
    logs = [(tmp_path / f"out{k}.txt", tmp_path / f"err{k}.txt") for k in range(workers)]
    runs = [  # output to files: a pipe nobody reads yet would stall its worker
        subprocess.Popen(
            [sys.executable, "-c", TRY_EVERY_CALLABLE, str(k), str(workers), *lessons],
            stdout=out.open("w"),
            stderr=err.open("w"),
            env=env,
            cwd=tmp_path,
        )
        for k, (out, err) in enumerate(logs)
    ]
    summaries = []
    for run, (out, err) in zip(runs, logs):
        run.wait(timeout=1500)
        assert run.returncode == 0, err.read_text()[-3000:]
        summaries.append(json.loads(out.read_text().strip().splitlines()[-1]))
    tried = sum(s["tried"] for s in summaries)
    skipped = sum(s["skipped"] for s in summaries)
    print(tried, "tries of", summaries[0]["callables"], "callables;", skipped, "skipped")
    print("skipped: their signature cannot take the probe's first call")
    pairs = sum(
        len(verdicts.lesson_module(lesson).TESTS) for lesson in lessons
    )  # no (lesson, test) pair left out, none taken twice
    assert sum(s["pairs"] for s in summaries) == pairs
    assert summaries[0]["callables"] > 50 and tried > 1000
    assert [name for s in summaries for name in s["passed"]] == []
