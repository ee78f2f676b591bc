import numpy as np
import pytest

from autograder import formatting


@pytest.mark.parametrize(
    "value, decimals, text",
    [(1234.5678, 2, "1.234,57"), (0.5, 1, "0,5"), (-3, 0, "-3"), (np.float32(0.1), 3, "0,100")],
)
def test_number_uses_decimal_comma(value, decimals, text):
    assert formatting.number(value, decimals) == text


def test_percent_hides_float32_noise():
    assert formatting.percent(np.float32(0.744)) == "74,4%"
    assert formatting.percent(1.0, 0) == "100%"
