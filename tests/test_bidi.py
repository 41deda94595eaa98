"""The copy line's bidi (generator/bidi.py) on the examples of UAX #9 and the copy line's
own cases: levels, and the order the characters are drawn in."""

from __future__ import annotations

import pytest

from generator import bidi

CAR = "\u05de\u05db\u05d5\u05e0\u05d9\u05ea"  # Hebrew "car" (UAX #9's "CAR")
SAYYARA = "\u0633\u064a\u0627\u0631\u0629"  # Arabic "car"


@pytest.mark.parametrize(("text", "base", "expected"), [
    # "car means CAR.": the full stop between R and the paragraph's end takes its level
    (f"car means {CAR}.", 0, [0] * 10 + [1] * 6 + [0]),
    # "<car MEANS CAR.=": a left-to-right phrase in a right-to-left paragraph
    (f"{SAYYARA} means car.", 1, [1] * 6 + [2] * 9 + [1]),
    # European digits after an Arabic letter are Arabic numbers (W2): level 2
    (f"{SAYYARA} 123", 0, [1] * 6 + [2] * 3),
    # separators and terminators inside numbers join them (W4, W5)
    ("abc 1.5% x", 0, [0] * 10),
    # trailing white space goes to the paragraph's level (L1)
    (f"a {CAR}  ", 0, [0, 0, 1, 1, 1, 1, 1, 1, 0, 0]),
    # a mark takes its letter's direction (W1)
    (f"a {SAYYARA[:2]}\u064e", 0, [0, 0, 1, 1, 1]),
    # the copy line: the name right to left, the dash and the comma outside it
    (f"Copy 3 of 12 \u2014 {SAYYARA}, X", 0, [0] * 15 + [1] * 5 + [0] * 3),
])
def test_levels(text: str, base: int, expected: list[int]) -> None:
    assert bidi.levels(text, base) == expected


def test_visual_order() -> None:
    assert bidi.visual([0, 0, 1, 1, 1, 0]) == [0, 1, 4, 3, 2, 5]
    # a left-to-right number inside right-to-left text keeps its order
    assert bidi.visual([1, 1, 2, 2, 1]) == [4, 2, 3, 1, 0]
    text = f"car means {CAR}."
    drawn = "".join(text[i] for i in bidi.visual(bidi.levels(text)))
    assert drawn == f"car means {CAR[::-1]}."


def test_explicit_controls_are_refused_in_a_copy_line() -> None:
    from generator.copies import unprintable

    assert unprintable("abc") == [] and unprintable("a\u202eb\u2067") == ["\u202e", "\u2067"]
    assert bidi.has_rtl(SAYYARA) and not bidi.has_rtl("abc 123")
