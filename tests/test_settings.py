import pytest

from autograder import settings


@pytest.mark.parametrize(
    "course_smoke, nbgrader, expected",
    [
        (None, None, False),
        ("1", None, True),
        ("0", None, False),
        (None, "autograde", True),
        ("0", "validate", False),
        ("sim", None, True),
    ],
)
def test_smoke_mode_follows_env_and_nbgrader(monkeypatch, course_smoke, nbgrader, expected):
    for var, value in (("COURSE_SMOKE", course_smoke), ("NBGRADER_EXECUTION", nbgrader)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    assert settings.smoke() is expected


def test_bad_smoke_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_SMOKE", "talvez")
    with pytest.raises(ValueError, match="COURSE_SMOKE"):
        settings.smoke()


def test_sizes_shrink_only_in_smoke_mode(monkeypatch):
    monkeypatch.setenv("COURSE_SMOKE", "0")
    assert (settings.epochs(30), settings.size(50_000, 500), settings.imagenet_weights()) == (
        30,
        50_000,
        "imagenet",
    )
    monkeypatch.setenv("COURSE_SMOKE", "1")
    assert (settings.epochs(30), settings.size(50_000, 500), settings.size(100, 500)) == (
        1,
        500,
        100,
    )
    assert settings.imagenet_weights() is None
