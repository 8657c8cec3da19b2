"""Cell-level checks that know the domain: text normalisation, dates, years, patent numbers, DOIs, vocabularies.

Every function takes one raw cell value (str, number, date or None) and either returns the clean value or
raises :class:`CellError` with a user-facing reason; the caller adds the row and the column. Nothing here
touches the database.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask_babel import gettext as _

from eduinnov.achievements import patents
from eduinnov.achievements.models import (
    CasZone,
    Indexing,
    JcrQuartile,
    Level,
    ParticipantRole,
    PatentStatus,
    PatentType,
    PrizeRank,
    ProjectStatus,
    ProjectType,
)
from eduinnov.achievements.patents import PATENT_TYPE_DIGITS, patent_check_digit  # noqa: F401 (re-exported)
from eduinnov.frameworks.models import ParticipationKind, PartnerKind

MIN_YEAR = 1950
MAX_YEAR = 2100


class CellError(ValueError):
    """A cell's value is not acceptable; ``str(exc)`` is the reason shown to the user."""


# --- text ---------------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_text(value: Any) -> str:
    """A cell as clean text: NFKC (full-width digits, letters and the ideographic space become ASCII),
    control characters removed, runs of white space collapsed, ends stripped; None and NaN become "".

    Chinese punctuation such as 、 and 。 is kept (NFKC leaves it alone); full-width brackets and commas
    become their ASCII forms, which the splitting of name lists relies on.
    """
    if value is None:
        return ""
    if value.__class__ is str:  # the common case (every CSV cell): the same result with fewer passes
        text = value if value.isascii() else unicodedata.normalize("NFKC", value)  # ASCII is NFKC already
        if not text.isprintable():  # control characters are never printable
            text = _CONTROL.sub("", text)
        return " ".join(text.split())  # str.split() and \s both split on exactly the str.isspace() characters
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            value = int(value)  # Excel's 2021051001.0 is the student number 2021051001
    text = unicodedata.normalize("NFKC", str(value))
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


_KEY_DROP = re.compile(r"[\s*_\-.·:：]")


def normalise_key(value: Any) -> str:
    """A comparison key: normalised text, case-folded, without spaces, ``*``, ``_``, ``-`` or dots."""
    return _KEY_DROP.sub("", normalise_text(value).casefold())


def normalise_title(value: Any) -> str:
    """The duplicate-detection form of a title: only letters and digits (CJK included), case-folded.

    "基于深度学习的 GPU 调度。" and "基于深度学习的GPU调度" have the same key.
    """
    return "".join(ch for ch in normalise_text(value).casefold() if ch.isalnum())


# --- numbers, years and dates ---------------------------------------------------------------------------


def parse_year(value: Any, *, lo: int = MIN_YEAR, hi: int = MAX_YEAR) -> int:
    """A year such as ``2023``, ``2023.0``, ``"２０２３"``, ``"2023年"`` or ``"2023级"`` within ``lo``..``hi``."""
    if isinstance(value, datetime | date):
        year = value.year
    else:
        text = normalise_text(value)
        match = re.fullmatch(r"(\d{4})(?:\.0+)?\s*(?:年|级|届)?", text)
        if not match:
            raise CellError(_("“%(value)s” is not a year such as 2023.", value=text))
        year = int(match.group(1))
    if not lo <= year <= hi:
        raise CellError(_("The year %(year)d is outside %(lo)d–%(hi)d.", year=year, lo=lo, hi=hi))
    return year


_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"),
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(value: Any) -> date:
    """A date in ISO or a common Chinese form.

    Accepted: ``2023-05-06``, ``2023/05/06``, ``2023/5/6``, ``2023.5.6``, ``2023年5月6日``, ``20230506``,
    an ISO date-time (the time is dropped), full-width digits, and date cells of a spreadsheet.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    text = normalise_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            y, m, d = (int(g) for g in match.groups())
            try:
                result = date(y, m, d)
            except ValueError:
                break
            if not MIN_YEAR <= result.year <= MAX_YEAR:
                raise CellError(_("The date %(value)s is outside %(lo)d–%(hi)d.", value=text, lo=MIN_YEAR,
                                  hi=MAX_YEAR))
            return result
    raise CellError(_("“%(value)s” is not a date: write 2023-05-06, 2023/5/6, 2023.5.6 or 2023年5月6日.",
                      value=text))


def parse_decimal_text(value: Any) -> str:
    """A non-negative amount as text (``"1,500"`` → ``"1500"``, ``"2万"`` → ``"20000"``) for ``Decimal``."""
    text = normalise_text(value).replace(",", "").replace("元", "").strip()
    factor = 1
    if text.endswith("万"):
        text, factor = text[:-1].strip(), 10000
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise CellError(_("“%(value)s” is not an amount such as 5000 or 1.5万.", value=normalise_text(value)))
    if factor == 1:
        return text
    whole, _dot, frac = text.partition(".")
    scaled = int(whole) * factor + (int((frac + "0000")[:4]) if frac else 0)
    return str(scaled)


def parse_float(value: Any) -> float:
    """A finite number (full-width digits and a trailing ``%`` are fine: ``85%`` is 0.85)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = normalise_text(value)
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%").strip())
        except ValueError:
            raise CellError(_("“%(value)s” is not a number.", value=text)) from None
        if percent:
            number /= 100
    if not math.isfinite(number):
        raise CellError(_("The value must be a finite number."))
    return number


# --- Chinese patent application numbers -------------------------------------------------------------------
# The rules live in the achievements domain so that the forms and the imports check a number with the
# same function and the same message.


def parse_patent_application(value: Any, *, today: date | None = None) -> tuple[str, PatentType]:
    """Check a Chinese patent application number; see :func:`eduinnov.achievements.patents.parse_application`.

    Raises
    ------
    CellError
        With the achievements domain's own message (wrong length, type digit, year or check character).
    """
    try:
        return patents.parse_application(value, today=today)
    except patents.PatentNumberError as exc:
        raise CellError(str(exc)) from None


# --- DOI -----------------------------------------------------------------------------------------------------


def parse_doi(value: Any) -> str | None:
    """A DOI in the canonical form of the achievements domain (lowercase, no resolver prefix), or None.

    Delegates to :func:`eduinnov.achievements.services.normalise_doi` so that imports and forms agree.
    """
    from eduinnov.achievements.services import FieldError, normalise_doi

    text = normalise_text(value)
    text = re.sub(r"^(?:doi\s*[:：]\s*|DOI\s+)", "", text, flags=re.IGNORECASE)
    try:
        return normalise_doi(text)
    except FieldError:
        raise CellError(_("“%(value)s” is not a DOI such as 10.1234/abcd.5678.", value=text)) from None


def parse_email(value: Any) -> str | None:
    """An e-mail address (loosely checked: one @, a dot in the domain, no spaces), or None when empty."""
    text = normalise_text(value)
    if not text:
        return None
    if len(text) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise CellError(_("“%(value)s” is not an e-mail address.", value=text))
    return text


# --- vocabularies -----------------------------------------------------------------------------------------


_SEEN_LIMIT = 1024


class Vocabulary:
    """A fixed list of terms for one enum, with Chinese and English names and common variants.

    Lookup is on :func:`normalise_key`, so case, spaces, full-width letters and punctuation do not matter.
    """

    def __init__(self, enum_cls: type[Enum], names: dict[Enum, Iterable[str]]) -> None:
        self.enum_cls = enum_cls
        self.names = {member: tuple(words) for member, words in names.items()}
        self._lookup: dict[str, Enum] = {}
        for member in enum_cls:
            for word in (member.value, member.name, *self.names.get(member, ())):
                self._lookup[normalise_key(word)] = member
        # Cells as spelt → member: a column of 50,000 cells holds a handful of spellings. The vocabulary never
        # changes, so an entry never goes stale; refused spellings are not kept (their message is translated).
        self._seen: dict[str, Enum] = {}

    def parse(self, value: Any) -> Enum:
        """The member named by ``value``, else :class:`CellError` listing the accepted names."""
        if value.__class__ is str and value in self._seen:
            return self._seen[value]
        if isinstance(value, self.enum_cls):
            return value
        text = normalise_text(value)
        member = self._lookup.get(normalise_key(text))
        if member is None:
            raise CellError(_("“%(value)s” is not one of: %(names)s.", value=text, names=self.describe()))
        if value.__class__ is str and len(self._seen) < _SEEN_LIMIT:
            self._seen[value] = member
        return member

    def find_in(self, text: str) -> Enum | None:
        """The member named first inside free text (e.g. an RIS note "北大核心; CSCD" → PKU core).

        Latin names must be whole words ("EI" in "EI Compendex", never inside "Beijing"); Chinese names may
        stand anywhere.
        """
        folded = normalise_text(text).casefold()
        key = normalise_key(folded)
        words = [(m.start(), m.group()) for m in re.finditer(r"[a-z0-9]+", folded)]
        runs: dict[str, int] = {}
        for i, (start, _w) in enumerate(words):  # single words and runs of up to three ("pku core journal")
            for n in (1, 2, 3):
                if i + n <= len(words):
                    runs.setdefault("".join(w for _s, w in words[i:i + n]), start)
        hits = []
        for word, member in self._lookup.items():
            if word.isascii():
                if word in runs:
                    hits.append((runs[word], -len(word), member))
            elif word in key:
                hits.append((folded.find(word[0]) if word[0] in folded else key.find(word), -len(word), member))
        return min(hits, key=lambda h: h[:2])[2] if hits else None  # the first named; the longest at a place

    def describe(self) -> str:
        """The accepted names, Chinese / English, for messages and the template's help sheet."""
        return "; ".join(" / ".join(self.names.get(m, ())[:2]) or m.value for m in self.enum_cls)


LEVELS = Vocabulary(Level, {
    Level.INTERNATIONAL: ("国际级", "international", "国际"),
    Level.NATIONAL: ("国家级", "national", "国家", "国家级项目"),
    Level.PROVINCIAL: ("省级", "provincial", "省部级", "省", "市级", "省级项目"),
    Level.UNIVERSITY: ("校级", "university", "校", "院级", "学校级"),
})
INDEXING = Vocabulary(Indexing, {
    Indexing.SCI: ("SCI", "SCIE", "SCI-E", "Science Citation Index", "Science Citation Index Expanded"),
    Indexing.SSCI: ("SSCI", "Social Sciences Citation Index"),
    Indexing.EI: ("EI", "EI Compendex", "Compendex", "Engineering Index", "EI检索"),
    Indexing.CSSCI: ("CSSCI", "南大核心", "中文社会科学引文索引"),
    Indexing.PKU_CORE: ("北大核心", "PKU core", "PKU core journal", "中文核心", "中文核心期刊", "核心期刊"),
    Indexing.CSCD: ("CSCD", "中国科学引文数据库"),
    Indexing.OTHER: ("其他", "other", "普通期刊", "一般期刊", "无"),
})
JCR_QUARTILES = Vocabulary(JcrQuartile, {
    JcrQuartile.Q1: ("Q1", "JCR Q1", "JCR一区", "一区", "1区", "1"),
    JcrQuartile.Q2: ("Q2", "JCR Q2", "JCR二区", "二区", "2区", "2"),
    JcrQuartile.Q3: ("Q3", "JCR Q3", "JCR三区", "三区", "3区", "3"),
    JcrQuartile.Q4: ("Q4", "JCR Q4", "JCR四区", "四区", "4区", "4"),
})
CAS_ZONES = Vocabulary(CasZone, {
    CasZone.ZONE_1: ("一区", "中科院一区", "1区", "中科院1区", "zone 1", "CAS zone 1", "1"),
    CasZone.ZONE_2: ("二区", "中科院二区", "2区", "中科院2区", "zone 2", "CAS zone 2", "2"),
    CasZone.ZONE_3: ("三区", "中科院三区", "3区", "中科院3区", "zone 3", "CAS zone 3", "3"),
    CasZone.ZONE_4: ("四区", "中科院四区", "4区", "中科院4区", "zone 4", "CAS zone 4", "4"),
})
PROJECT_TYPES = Vocabulary(ProjectType, {
    ProjectType.INNOVATION_TRAINING: ("创新训练项目", "innovation training", "创新训练", "创新"),
    ProjectType.ENTREPRENEURSHIP_TRAINING: ("创业训练项目", "entrepreneurship training", "创业训练"),
    ProjectType.ENTREPRENEURSHIP_PRACTICE: ("创业实践项目", "entrepreneurship practice", "创业实践"),
})
PROJECT_STATUSES = Vocabulary(ProjectStatus, {
    ProjectStatus.APPROVED: ("立项", "approved", "已立项"),
    ProjectStatus.IN_PROGRESS: ("在研", "in progress", "进行中", "中期", "中期检查", "在建", "已中期", "研究中"),
    ProjectStatus.CONCLUDED: ("结题", "concluded", "已结题", "完成", "已完成", "已验收", "验收", "结项", "已结项"),
})
PATENT_TYPES = Vocabulary(PatentType, {
    PatentType.INVENTION: ("发明", "invention", "发明专利"),
    PatentType.UTILITY_MODEL: ("实用新型", "utility model", "实用新型专利"),
    PatentType.DESIGN: ("外观设计", "design", "外观设计专利", "外观"),
})
PATENT_STATUSES = Vocabulary(PatentStatus, {
    PatentStatus.APPLIED: ("已受理", "applied", "申请", "受理", "申请中", "公开", "实审", "已申请", "申请受理",
                           "已提交", "审查中", "实质审查", "实审中", "进入实审", "已公开", "公开中", "待审",
                           "pending", "filed", "under examination", "published"),
    PatentStatus.GRANTED: ("已授权", "granted", "授权", "已授予", "授予", "授权公告", "已授权公告", "已下证",
                           "已获授权", "已授予专利权", "专利权有效", "有效", "grant", "issued"),
})
PRIZE_RANKS = Vocabulary(PrizeRank, {
    PrizeRank.GRAND: ("特等奖", "grand prize", "grand", "金奖"),
    PrizeRank.FIRST: ("一等奖", "first prize", "first", "1st"),
    PrizeRank.SECOND: ("二等奖", "second prize", "second", "2nd", "银奖"),
    PrizeRank.THIRD: ("三等奖", "third prize", "third", "3rd", "铜奖"),
    PrizeRank.HONOURABLE: ("优秀奖", "honourable mention", "honorable mention", "鼓励奖", "成功参赛奖"),
})
PARTICIPANT_ROLES = Vocabulary(ParticipantRole, {
    ParticipantRole.LEADER: ("负责人", "leader", "主持人", "队长"),
    ParticipantRole.MEMBER: ("成员", "member", "参与人", "队员"),
    ParticipantRole.AUTHOR: ("作者", "author"),
    ParticipantRole.INVENTOR: ("发明人", "inventor", "设计人"),
})
PARTNER_KINDS = Vocabulary(PartnerKind, {
    PartnerKind.ENTERPRISE: ("企业", "enterprise", "公司", "company"),
    PartnerKind.RESEARCH_INSTITUTE: ("科研院所", "research institute", "研究院", "研究所"),
    PartnerKind.HOSPITAL: ("医院", "hospital"),
    PartnerKind.GOVERNMENT: ("政府机构", "government agency", "政府", "government"),
    PartnerKind.FOREIGN_UNIVERSITY: ("境外高校", "foreign university", "国外高校", "海外高校"),
    PartnerKind.OTHER: ("其他", "other"),
})
PARTICIPATION_KINDS = Vocabulary(ParticipationKind, {
    ParticipationKind.PLACEMENT: ("实习", "placement", "internship", "顶岗实习", "实习实训"),
    ParticipationKind.JOINT_PROJECT: ("联合项目", "joint project", "合作项目", "产学研项目"),
    ParticipationKind.EXCHANGE: ("交流", "exchange", "国际交流", "交换"),
})
