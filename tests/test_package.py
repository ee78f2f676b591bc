"""The wheel that Colab installs carries the course's data files and works on its own."""

import subprocess
import sys
import zipfile


def test_wheel_carries_data_and_finds_it(student_wheel, tmp_path):
    wheel = student_wheel
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("imagenet_class_index.json", "photos/chelsea.jpg", "photos/rocket.jpg"):
        assert f"autograder/_data/{shipped}" in names
    target = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from autograder import resources, imagenet; "
            "print(resources.data_dir()); print(imagenet.class_name(281))",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    data_dir, name = probe.stdout.split()
    assert data_dir.startswith(str(target)) and name == "tabby"
