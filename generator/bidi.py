"""The Unicode bidirectional algorithm (UAX #9) for one line of plain text.

A copy line is drawn glyph by glyph (generator/copies.py), so its visual order is ours to
compute when it mixes scripts: "Copy 3 of 12 — سارة الحمدان, …" draws the Arabic name
right to left inside a left-to-right line. No bidi library is a dependency, and this
line needs little of the algorithm: one paragraph, no explicit embeddings, overrides or
isolates (a copy line may not hold their controls, :data:`EXPLICIT`: see
``copies.unprintable``; so the rules X1-X10 have nothing to do), hence one isolating run
sequence. The weak (W1-W7), neutral (N1-N2) and implicit
(I1-I2) rules and the reordering (L1-L2) are those of UAX #9, which the tests check on
its own examples.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

#: Explicit formatting characters (embeddings, overrides, isolates): not supported.
EXPLICIT = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NEUTRAL = frozenset({"B", "S", "WS", "ON"})


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds a right-to-left letter (Arabic, Hebrew, …)."""
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def levels(text: str, base: int = 0) -> list[int]:
    """The embedding level of each character of ``text`` in a paragraph of level
    ``base`` (0: left to right, 1: right to left), after rule L1."""
    n = len(text)
    original = [unicodedata.bidirectional(c) or "L" for c in text]
    types = list(original)
    edge = "R" if base % 2 else "L"  # sos and eos: one run at the paragraph's level
    # X9: boundary neutrals (ZWJ, ZWNJ, …) are ignored and take a neighbour's level.
    kept = [i for i in range(n) if types[i] != "BN"]
    # W1: a mark takes the type of what it marks
    previous = edge
    for i in kept:
        if types[i] == "NSM":
            types[i] = previous
        previous = types[i]
    # W2, W3: European digits after Arabic letters are Arabic numbers; AL is R
    strong = edge
    for i in kept:
        if types[i] in ("L", "R", "AL"):
            strong = types[i]
        elif types[i] == "EN" and strong == "AL":
            types[i] = "AN"
    for i in kept:
        if types[i] == "AL":
            types[i] = "R"
    # W4: one separator between two numbers of a kind joins them
    for k in range(1, len(kept) - 1):
        before, here, after = (types[kept[k - 1]], types[kept[k]], types[kept[k + 1]])
        if (before == after == "EN" and here in ("ES", "CS")) or \
                (before == after == "AN" and here == "CS"):
            types[kept[k]] = before
    # W5: terminators (%, $, …) next to European digits are digits
    for k, i in enumerate(kept):
        if types[i] != "ET":
            continue
        end = k
        while end < len(kept) and types[kept[end]] == "ET":
            end += 1
        near = (k > 0 and types[kept[k - 1]] == "EN") or \
            (end < len(kept) and types[kept[end]] == "EN")
        if near:
            for j in kept[k:end]:
                types[j] = "EN"
    # W6: other separators and terminators are neutral
    for i in kept:
        if types[i] in ("ES", "ET", "CS"):
            types[i] = "ON"
    # W7: European digits in left-to-right text are left to right
    strong = edge
    for i in kept:
        if types[i] in ("L", "R"):
            strong = types[i]
        elif types[i] == "EN" and strong == "L":
            types[i] = "L"
    # N1, N2: neutrals between two of one direction take it (digits count as R), others
    # the paragraph's
    k = 0
    while k < len(kept):
        if types[kept[k]] not in _NEUTRAL:
            k += 1
            continue
        end = k
        while end < len(kept) and types[kept[end]] in _NEUTRAL:
            end += 1
        before = _strength(types[kept[k - 1]]) if k > 0 else edge
        after = _strength(types[kept[end]]) if end < len(kept) else edge
        for j in kept[k:end]:
            types[j] = before if before == after else edge
        k = end
    # I1, I2
    result = [base] * n
    for i in kept:
        kind = types[i]
        if base % 2 == 0:
            result[i] = base + (1 if kind == "R" else 2 if kind in ("AN", "EN") else 0)
        else:
            result[i] = base + (1 if kind in ("L", "EN", "AN") else 0)
    for i in range(n):  # X9's ignored characters: the level before them
        if types[i] == "BN":
            result[i] = result[i - 1] if i else base
    # L1: white space (and what X9 ignored) ending the line is at the paragraph's level
    i = n - 1
    while i >= 0 and (original[i] in ("WS", "BN", "S", "B")):
        result[i] = base
        i -= 1
    return result


def _strength(kind: str) -> str:
    return "L" if kind == "L" else "R"  # R, AN and EN (N1)


def visual(levels_: Sequence[int]) -> list[int]:
    """L2: the indices of the characters (or runs) with ``levels_``, in the order they
    are drawn from left to right."""
    order = list(range(len(levels_)))
    if not order:
        return order
    highest = max(levels_)
    lowest_odd = min((v for v in levels_ if v % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels_[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels_[order[j]] >= level:
                j += 1
            order[i:j] = reversed(order[i:j])
            i = j
    return order
