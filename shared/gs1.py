"""GS1 identifiers Jejak prints and reads: the GTIN-14 and its check digit."""


def check_digit(digits: str) -> str:
    """GS1's mod-10 check digit of the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def gtin_problem(gtin: str) -> str | None:
    """Why a GTIN-14 is not one (None when it is)."""
    if len(gtin) != 14 or not gtin.isdigit():
        return f"{gtin[:20]!r} is not 14 digits"
    if check_digit(gtin[:13]) != gtin[13]:
        return f"{gtin}: the check digit should be {check_digit(gtin[:13])}"
    return None
