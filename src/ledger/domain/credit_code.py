"""Unified social credit code (统一社会信用代码) validation, GB 32100-2015."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    value = 31 - total % 31
    return ALPHABET[0 if value == 31 else value]


def credit_code_problem(code: object) -> str | None:
    """Say which check a credit code fails, or None when it is valid."""
    if not isinstance(code, str):
        return "must be a string of 18 characters"
    if len(code) != 18:
        return f"length check failed: must be 18 characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        return (
            "character check failed: only 0-9 and A-H J-N P-R T-U W-Y are allowed, "
            f"found {''.join(bad)!r}"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return (
            f"check character failed: the 18th character should be {expected!r} "
            f"for the first 17, got {code[17]!r}"
        )
    return None
