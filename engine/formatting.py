"""Numbers as people read them: counts, compact counts, byte sizes and ordinals ("2nd").

The one convention for the window and the command line: SI prefixes for counts
(k, M, G, T: 61.7 k parameters, 1.82 G MACs) and binary units for memory (KiB, MiB,
GiB), so "MB" never means two different things. Shapes are `catalog.fmt_shape`.
Text from a file, for a terminal: `inert`. Must not import Qt or torch.
"""
from __future__ import annotations

import re

# What a terminal obeys instead of showing: C0 controls and DEL (ESC starts colour, cursor and
# title sequences; CR and LF start forged lines), C1 controls (CSI, OSC as one byte), the
# bidirectional embeddings, overrides and isolates that reorder what is shown, and the Unicode
# line and paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_BUT_LF = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                            "\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: object, lines: bool = False) -> str:
    """`text` as a terminal shows it and never obeys it: every control character and
    bidirectional override becomes a visible escape ('\\x1b[2J', '\\u202e'). A name or a
    one-line message escapes its newlines too, so it cannot forge a line of its own; `lines`
    keeps them, for a table or report the CLI laid out itself (its cells escaped already)."""
    return (_UNSAFE_BUT_LF if lines else _UNSAFE).sub(_escape, str(text))


_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
_BINARY = ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"))


def count(n: float) -> str:
    """Every digit, grouped: 61706 -> '61,706'."""
    return f"{int(n):,}"


def short_count(n: float) -> str:
    """Three significant digits and an SI prefix: 11689512 -> '11.7 M', 61706 -> '61.7 k', 840 -> '840'."""
    for size, prefix in _SI:
        if abs(n) >= size * 0.9995:  # 999,950 reads '1 M', not '1e+03 k'
            value = n / size
            return f"{value:.3g} {prefix}" if abs(value) < 100 else f"{value:.0f} {prefix}"
    return f"{int(n)}"


def compact_count(n: float) -> str:
    """Tightest form, for node cards: 9408 -> '9.4k', 36864 -> '37k', 11689512 -> '12M'."""
    for size, prefix in _SI:
        if abs(n) >= size * 0.995:
            value = n / size
            text = f"{value:.1f}" if abs(value) < 9.95 else f"{value:.0f}"
            return text.removesuffix(".0") + prefix
    return f"{int(n)}"


def byte_size(n: float) -> str:
    """Binary units: 1536 -> '1.5 KiB', 12_000_000 -> '11.4 MiB'."""
    for size, unit in _BINARY:
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def clock(seconds: float) -> str:
    """A duration as a clock reads: 65 -> '1:05', 3725 -> '1:02:05'."""
    seconds = int(round(max(seconds, 0.0)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def percent(share: float, digits: int = 1) -> str:
    """0.123 -> '12.3 %'."""
    return f"{100 * share:.{digits}f} %"


def probability(p: float, space: str = " ") -> str:
    """A probability with one decimal that never claims a certainty it does not have:
    0.9997 -> '> 99.9 %', 0.0002 -> '< 0.1 %', 0.5 -> '50.0 %' (exactly 1 and 0 read 100.0 % and 0.0 %)."""
    if 0.999 < p < 1:
        return f">{space}99.9{space}%"
    if 0 < p < 0.0005:
        return f"<{space}0.1{space}%"
    return f"{100 * p:.1f}{space}%"


def counted(n: int, noun: str, many: str | None = None) -> str:
    """A count with its noun in the right number: counted(1, "test image") -> '1 test image',
    counted(2, "test image") -> '2 test images', counted(3, "batch", "batches") -> '3 batches'.
    The one helper for every count the window and the command line show."""
    return f"{n:,} {noun if n == 1 else (many or _plural(noun))}"


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "sh")) or (noun.endswith("ch") and not noun.endswith("epoch")):
        return noun + "es"  # classes, boxes, batches; but epochs
    return noun + "s"


def ordinal(n: int) -> str:
    """English ordinals: 1st 2nd 3rd 4th … 11th 12th 13th … 21st 22nd 23rd … 101st 111th 112th."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"
