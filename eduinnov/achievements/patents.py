"""Chinese patent numbers: the CNIPA check digit, the type a number encodes, grant numbers, comparison keys.

One module for every way a number comes in: the achievement forms (through ``services.clean_values``) and the
imports (``imports.validators.parse_patent_application``) call the same functions and show the same
messages.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from flask_babel import gettext as _

from eduinnov.achievements.keys import patent_number_key as number_key
from eduinnov.achievements.models import PatentType

__all__ = [
    "PATENT_TYPE_DIGITS",
    "PatentNumberError",
    "number_key",
    "parse_application",
    "parse_grant_number",
    "patent_check_digit",
]

_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
PATENT_TYPE_DIGITS: dict[str, PatentType] = {
    "1": PatentType.INVENTION, "8": PatentType.INVENTION,          # 8: PCT invention entering China
    "2": PatentType.UTILITY_MODEL, "9": PatentType.UTILITY_MODEL,  # 9: PCT utility model
    "3": PatentType.DESIGN,
}
# Kind codes of a grant publication number (CN 107123456 B): B/C invention, U/Y utility model, S design.
_GRANT_KIND_CODES: dict[str, PatentType] = {
    "B": PatentType.INVENTION, "C": PatentType.INVENTION,
    "U": PatentType.UTILITY_MODEL, "Y": PatentType.UTILITY_MODEL,
    "S": PatentType.DESIGN,
}


class PatentNumberError(ValueError):
    """A patent number is not acceptable; ``str(exc)`` is the reason shown to the user."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()


def patent_check_digit(digits: str) -> str:
    """The check character of a Chinese patent application number (ZC 0006-2003 / CNIPA rule).

    The digits of the application number are multiplied in turn by the weights 2, 3, 4, 5, 6, 7, 8, 9,
    2, 3, 4, 5 (the 12-digit numbers used since 1 October 2003) or 2 … 9 (the older 8-digit numbers), the
    products are summed, and the sum modulo 11 is the check character, written ``X`` when it is 10.

    Worked examples: ``201710601862`` → (2·2+0·3+1·4+7·5+1·6+0·7+6·8+0·9+1·2+8·3+6·4+2·5) = 157,
    157 mod 11 = 3, so ``201710601862.3``; ``95115608`` → 186 mod 11 = 10, so ``95115608.X``.

    Parameters
    ----------
    digits : str
        8 or 12 decimal digits, without the check character.

    Returns
    -------
    str
        ``"0"``–``"9"`` or ``"X"``.

    References
    ----------
    China National Intellectual Property Administration, standard ZC 0006-2003 《专利申请号标准》
    (patent application number standard), section on the check digit (校验位).
    """
    if len(digits) not in (8, 12) or not digits.isdigit():
        raise ValueError("a patent application number has 8 or 12 digits")
    total = sum(int(d) * w for d, w in zip(digits, _PATENT_WEIGHTS, strict=False))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def parse_application(value: Any, *, today: date | None = None) -> tuple[str, PatentType]:
    """Check a Chinese patent application number and return its canonical form and the type it encodes.

    Accepted spellings: ``201710601862.3``, ``CN 2017 1 0601862.3``, ``ZL201710601862.3`` (a granted
    patent's number is "ZL" + the application number), ``2017106018623`` (check digit without the dot),
    full-width digits; the older form ``97101765.4`` (2-digit year 1985–2003, type, 5-digit serial).
    The check character is required and verified (see :func:`patent_check_digit`).

    Returns
    -------
    (str, PatentType)
        ``"201710601862.3"`` (no prefix, no spaces, capital X) and the type from the 5th (3rd) digit.

    Raises
    ------
    PatentNumberError
        Wrong length, unknown type digit, implausible year or a wrong check character.
    """
    raw = _text(value)
    text = re.sub(r"^(?:CN|ZL)\s*", "", raw.upper())
    text = re.sub(r"\s+", "", text)
    match = re.fullmatch(r"(\d{12}|\d{8})\.?([\dX])", text)
    if not match:
        raise PatentNumberError(_("“%(value)s” is not a Chinese patent application number such as 201710601862.3 "
                                  "(12 digits, a dot and the check digit).", value=raw))
    digits, check = match.groups()
    today = today or date.today()
    if len(digits) == 12:
        year, type_digit = int(digits[:4]), digits[4]
        if not 2003 <= year <= today.year:
            raise PatentNumberError(_("%(value)s: the year %(year)d in the number is not possible.", value=raw,
                                      year=year))
    else:
        yy, type_digit = int(digits[:2]), digits[2]
        if not (85 <= yy <= 99 or yy <= 3):
            raise PatentNumberError(_("%(value)s: the year in an old-style number must be 1985–2003.", value=raw))
    if type_digit not in PATENT_TYPE_DIGITS:
        raise PatentNumberError(_("%(value)s: the type digit %(digit)s is not 1, 2, 3, 8 or 9.", value=raw,
                                  digit=type_digit))
    expected = patent_check_digit(digits)
    if check != expected:
        raise PatentNumberError(_("%(value)s: the check digit should be %(expected)s — the number has a typo.",
                                  value=raw, expected=expected))
    return f"{digits}.{check}", PATENT_TYPE_DIGITS[type_digit]


def parse_grant_number(value: Any, *, application_number: str | None = None,
                       today: date | None = None) -> tuple[str, PatentType]:
    """Check a grant number: "ZL" + the application number, or the grant publication number.

    ``ZL201710601862.3`` is checked as an application number (check digit, type) and must be the
    patent's own application number when that is given; ``CN107123456B`` (CN, 9 digits, kind code B/C
    invention, U/Y utility model, S design) gives the type by its kind code.

    Returns
    -------
    (str, PatentType)
        The canonical number (``ZL201710601862.3`` or ``CN107123456B``) and the type it encodes.

    Raises
    ------
    PatentNumberError
        For any other spelling, a wrong check digit, or a ZL number of another application.
    """
    raw = _text(value)
    compact = re.sub(r"[\s.]", "", raw.upper())
    publication = re.fullmatch(r"CN(\d{9})([A-Z])\d?", compact)
    if publication:
        kind = _GRANT_KIND_CODES.get(publication.group(2))
        if kind is None:
            raise PatentNumberError(_("%(value)s: the kind code %(code)s is not B or C (invention), U or Y "
                                      "(utility model) or S (design).", value=raw, code=publication.group(2)))
        return f"CN{publication.group(1)}{publication.group(2)}", kind
    if not re.match(r"^(?:ZL)?\s*\d", raw.upper()):
        raise PatentNumberError(_("“%(value)s” is not a grant number such as ZL201710601862.3 or "
                                  "CN107123456B.", value=raw))
    number, kind = parse_application(raw, today=today)
    if application_number and number_key(application_number) != number_key(number):
        raise PatentNumberError(_("%(value)s is not the grant number of application %(number)s.", value=raw,
                                  number=application_number))
    return f"ZL{number}", kind
