"""Swedish OCR payment references (Bankgirot): digits with a length digit and a Luhn (modulus 10) check digit.

The payer quotes the reference; the bank checks the last digit with the Luhn algorithm (weights 2, 1, 2, … from the
right of the payload) and the digit before it against the reference's total length, modulo 10, so a mistyped or
shortened reference is refused before it reaches us.
"""

from __future__ import annotations

MAX_LENGTH = 25  # Bankgirot accepts 2 to 25 digits


def luhn_check_digit(payload: str) -> int:
    """The digit that makes ``payload`` + digit pass the Luhn check."""
    if not payload.isdigit():
        raise ValueError(f"A Luhn payload is digits only, not {payload!r}.")
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # the payload's last digit sits next to the check digit and is doubled
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def luhn_is_valid(number: str) -> bool:
    return len(number) >= 2 and number.isdigit() and luhn_check_digit(number[:-1]) == int(number[-1])


def ocr_reference(base: str) -> str:
    """``base`` followed by the length digit and the Luhn check digit ("123456" → "12345682")."""
    length = len(base) + 2
    if not base.isdigit() or length > MAX_LENGTH:
        raise ValueError(f"An OCR reference is built from at most {MAX_LENGTH - 2} digits, not {base!r}.")
    payload = f"{base}{length % 10}"
    return f"{payload}{luhn_check_digit(payload)}"


def ocr_is_valid(reference: str) -> bool:
    """Both checks: the Luhn check digit and the length digit."""
    digits = reference.replace(" ", "")
    return 2 < len(digits) <= MAX_LENGTH and luhn_is_valid(digits) and int(digits[-2]) == len(digits) % 10
