"""Numbers as a Brazilian reader writes them: decimal comma, no float32 noise (lesson 01).

Every number a lesson prints or puts in a plot goes through these two functions, so that
``0.7440000295639038`` reads ``74,4%`` and ``1234.5`` reads ``1.234,5``.
"""

from __future__ import annotations


def number(value, decimals: int = 2) -> str:
    """``number(1234.5678)`` → ``'1.234,57'``: comma for decimals, dot for thousands."""
    text = f"{float(value):,.{int(decimals)}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(fraction, decimals: int = 1) -> str:
    """``percent(0.744)`` → ``'74,4%'`` (the argument is a fraction, 0.744 for 74,4%)."""
    return number(float(fraction) * 100, decimals) + "%"
