"""Publication lists from bibliographic databases, and matching their authors to students.

Formats (told apart by content, not by file name):

* **BibTeX** (Zotero, Google Scholar, Web of Science, Scopus, CNKI) — parsed with ``bibtexparser`` 2;
  LaTeX accents are decoded; authors are split on ``and`` (CNKI also writes ``;``).
* **RIS** (Web of Science, Scopus, CNKI, Zotero, EndNote) — parsed with ``rispy``; tag lines written with
  one space (``TY - JOUR``, as some CNKI exports do) are repaired first.
* **EndNote / Refer tagged text** (``%0 Journal Article``, ``%A 张伟`` — CNKI's "EndNote" export): a few
  lines of code, since no maintained library reads it.

Authors are matched to the program's students (:class:`StudentIndex`): by a student number written with
the name (``张伟(2023051001)``), by the Chinese name, or by the pinyin of the name in either order
(``Zhang, Wei``, ``Wei Zhang``, ``ZHANG Wei``). Initials (``Zhang, W.``) and names shared by several
students only *suggest* candidates: a teacher decides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from eduinnov.imports import validators as v

COMPOUND_SURNAMES = {
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒", "夏侯",
    "端木", "澹台", "西门", "南宫", "轩辕", "呼延",
}
_CJK = re.compile(r"[\u3400-\u9fff]")
_NUMBER_IN_NAME = re.compile(r"[(\[]\s*([A-Za-z]{0,2}\d{6,})\s*[)\]]|^([A-Za-z]{0,2}\d{6,})$")
_MARKERS = re.compile(r"[*#†‡✉]|\(?通讯作者\)?|\(?通信作者\)?|\(corresponding author\)", re.IGNORECASE)


@dataclass
class Author:
    """One author as written, with the parts the matcher needs."""

    text: str
    position: int
    student_no: str | None = None
    chinese: str | None = None          # 张伟 (spaces removed) when the name is written in characters
    family: str | None = None           # Latin names: family and given parts when the order is known
    given: str | None = None
    tokens: tuple[str, ...] = ()        # Latin names whose order is not known ("Wei Zhang", "Li Na")


@dataclass
class Reference:
    """One publication read from a file; ``problems`` say why it cannot be imported."""

    row: int
    source: str
    title: str = ""
    year: int | None = None
    venue: str = ""
    doi: str | None = None
    indexing: Any = None
    authors: list[Author] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# --- author names ------------------------------------------------------------------------------------------


def _latin(text: str) -> str:
    text = text.lower().replace("ü", "u").replace("ǚ", "u")
    return re.sub(r"[^a-z]", "", text)


def parse_author(raw: str, position: int) -> Author:
    """Split one author string into a student number, a Chinese name or Latin name parts."""
    text = v.normalise_text(raw)
    student_no = None
    match = _NUMBER_IN_NAME.search(text)
    if match:
        student_no = match.group(1) or match.group(2)
        text = (text[:match.start()] + text[match.end():]).strip()
    clean = _MARKERS.sub("", text).strip(" ,;")
    clean = re.sub(r"\d+$", "", clean).strip()  # affiliation superscripts: 张伟1
    author = Author(text=v.normalise_text(raw), position=position, student_no=student_no)
    if _CJK.search(clean):
        author.chinese = re.sub(r"[\s·.]", "", clean)
        return author
    if "," in clean:
        family, _sep, given = clean.partition(",")
        author.family, author.given = _latin(family), _latin(given)
        return author
    words = [w for w in re.split(r"[\s.]+", clean) if w]
    if len(words) >= 2 and words[0].isupper() and len(words[0]) > 1 and not words[1].isupper():
        author.family, author.given = _latin(words[0]), _latin("".join(words[1:]))  # ZHANG Wei
    elif words:
        author.tokens = tuple(_latin(w) for w in words)
    return author


def split_authors(text: str) -> list[str]:
    """Split an author list: BibTeX ``and``, or ``;`` / ``；`` / ``、`` / newlines (``,`` only between Chinese names)."""
    text = v.normalise_text(text) if "\n" not in text else text
    if re.search(r"\s+and\s+", text, flags=re.IGNORECASE):
        parts = re.split(r"\s+and\s+", text, flags=re.IGNORECASE)
    else:
        parts = re.split(r"[;；、\n]", text)
        if len(parts) == 1 and "," in text and _CJK.search(text):
            parts = text.split(",")
    return [p.strip() for p in parts if p.strip() and p.strip().lower() not in ("等", "et al", "et al.", "others")]


# --- matching ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentRef:
    id: int
    student_no: str
    name: str

    @property
    def display(self) -> str:
        return f"{self.name} ({self.student_no})"


@dataclass
class Match:
    """The outcome for one author: a student, or candidates for a teacher to choose from (maybe none)."""

    student: StudentRef | None = None
    how: str = ""
    candidates: list[StudentRef] = field(default_factory=list)


class StudentIndex:
    """The program's students, indexed by number, Chinese name and pinyin keys (built once per import)."""

    def __init__(self, students: Iterable[StudentRef]) -> None:
        self.students = list(students)
        self.by_no: dict[str, StudentRef] = {}
        self.by_name: dict[str, list[StudentRef]] = defaultdict(list)
        for s in self.students:
            self.by_no[s.student_no.lower()] = s
            self.by_name[re.sub(r"[\s·]", "", s.name)].append(s)
        self._pinyin: tuple[dict[str, list[StudentRef]], dict[str, list[StudentRef]]] | None = None

    def _pinyin_keys(self) -> tuple[dict[str, list[StudentRef]], dict[str, list[StudentRef]]]:
        """(familygiven → students, family + initials → students), built on the first Latin-script name."""
        if self._pinyin is not None:
            return self._pinyin
        from pypinyin import Style, lazy_pinyin, pinyin

        by_full: dict[str, list[StudentRef]] = defaultdict(list)      # zhangwei
        by_initials: dict[str, list[StudentRef]] = defaultdict(list)  # zhangw, wangxm, wangx
        for name, students in self.by_name.items():
            if not _CJK.search(name):
                continue
            cut = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
            families = {""}
            for readings in pinyin(name[:cut], style=Style.NORMAL, heteronym=True):  # 曾: ceng / zeng
                families = {f + _latin(r) for f in families for r in readings}
            given_syllables = [_latin(p) for p in lazy_pinyin(name[cut:], style=Style.NORMAL)]
            given = "".join(given_syllables)
            for family in families:
                by_full[family + given] += students
                if given_syllables:
                    by_initials[family + "".join(g[:1] for g in given_syllables)] += students
                    by_initials[family + given_syllables[0][:1]] += students
        self._pinyin = (by_full, by_initials)
        return self._pinyin

    def __len__(self) -> int:
        return len(self.students)

    @staticmethod
    def _unique(items: Iterable[StudentRef]) -> list[StudentRef]:
        return list({s.id: s for s in items}.values())

    def match(self, author: Author) -> Match:
        """Find the student behind ``author`` (see the module docstring for the rules)."""
        if author.student_no:
            student = self.by_no.get(author.student_no.lower())
            if student is not None:
                return Match(student, "number")
        if author.chinese:
            found = self._unique(self.by_name.get(author.chinese, []))
            if len(found) == 1:
                return Match(found[0], "name")
            return Match(candidates=found)
        keys: list[tuple[str, str]] = []
        if author.family is not None:
            keys.append((author.family, author.given or ""))
        elif len(author.tokens) >= 2:
            keys += [(author.tokens[-1], "".join(author.tokens[:-1])), (author.tokens[0], "".join(author.tokens[1:]))]
        if not keys:
            return Match()
        by_full, by_initials = self._pinyin_keys()
        full: list[StudentRef] = []
        initials: list[StudentRef] = []
        for family, given in keys:
            full += by_full.get(family + given, [])
            if given and len(given) <= 3:
                initials += by_initials.get(family + given, [])
        full = self._unique(full)
        if len(full) == 1:
            return Match(full[0], "pinyin")
        if full:
            return Match(candidates=full)
        return Match(candidates=self._unique(initials))


# --- readers ------------------------------------------------------------------------------------------------


def detect_format(text: str) -> str | None:
    """``"bibtex"``, ``"ris"``, ``"endnote"`` or None (a spreadsheet) from the first meaningful line."""
    for line in text.splitlines()[:50]:
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        if line.startswith("@"):
            return "bibtex"
        if re.match(r"^TY\s*-", line):
            return "ris"
        if re.match(r"^%[0-9A-Z@] ", line):
            return "endnote"
        if line.startswith("%"):
            continue  # a BibTeX comment line
        if line.startswith(("FN ", "PT ")):
            return "wos_plain"
        return None
    return None


def _year(value: Any) -> int | None:
    text = v.normalise_text(value)
    match = re.search(r"(19|20)\d{2}", text)
    return int(match.group(0)) if match else None


def _finish(ref: Reference, *, title: Any, year: Any, venue: Any, doi: Any, indexing_texts: Iterable[Any],
            authors: Iterable[str]) -> Reference:
    ref.title = v.normalise_text(title)[:500]
    ref.venue = v.normalise_text(venue)[:300]
    ref.year = _year(year)
    ref.authors = [parse_author(a, i) for i, a in enumerate(authors, start=1)]
    if doi:
        try:
            ref.doi = v.parse_doi(doi)
        except v.CellError as exc:
            ref.problems.append(str(exc))
    for text in indexing_texts:
        if text:
            found = v.INDEXING.find_in(v.normalise_text(text))
            if found is not None:
                ref.indexing = found
                break
    if not ref.title:
        ref.problems.append(_("It has no title."))
    if ref.year is None:
        ref.problems.append(_("It has no year."))
    elif not v.MIN_YEAR <= ref.year <= v.MAX_YEAR:
        ref.problems.append(_("The year %(year)d is outside %(lo)d–%(hi)d.", year=ref.year, lo=v.MIN_YEAR,
                              hi=v.MAX_YEAR))
    if not ref.venue:
        ref.problems.append(_("It names no journal or conference."))
    if not ref.authors:
        ref.problems.append(_("It has no authors."))
    return ref


def read_bibtex(text: str) -> list[Reference]:
    """Parse BibTeX text; blocks that cannot be parsed become references with a problem."""
    import bibtexparser
    from bibtexparser import middlewares

    library = bibtexparser.parse_string(text, append_middleware=[middlewares.LatexDecodingMiddleware()])
    refs: list[Reference] = []
    for entry in library.entries:
        fields = {k.lower(): (f.value if isinstance(f.value, str) else str(f.value)) for k, f in entry.fields_dict.items()}
        row = (entry.start_line or 0) + 1
        ref = Reference(row=row, source=f"@{entry.entry_type}{{{entry.key}}}")
        doi = fields.get("doi")
        if not doi and "doi.org/" in fields.get("url", ""):
            doi = fields["url"]
        _finish(ref, title=fields.get("title"), year=fields.get("year") or fields.get("date"),
                venue=fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle")
                or fields.get("series") or fields.get("school") or "",
                doi=doi, indexing_texts=(fields.get(k) for k in ("indexing", "note", "keywords", "annote", "annotation")),
                authors=split_authors(re.sub(r"\s+", " ", fields.get("author", ""))))
        refs.append(ref)
    for block in library.failed_blocks:
        row = (getattr(block, "start_line", 0) or 0) + 1
        refs.append(Reference(row=row, source=_("a block starting on line %(n)d", n=row),
                              problems=[_("This BibTeX entry is malformed (unbalanced braces or a missing comma) "
                                          "and could not be read.")]))
    refs.sort(key=lambda r: r.row)
    return refs


_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])\s{0,2}-\s?(.*)$")


def read_ris(text: str) -> list[Reference]:
    """Parse RIS text (WoS, Scopus, CNKI, Zotero, EndNote)."""
    import rispy

    lines: list[str] = []
    starts: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _RIS_LINE.match(line.rstrip())
        if match:
            tag, value = match.groups()
            if tag == "TY":
                starts.append(number)
            lines.append(f"{tag}  - {value.strip()}" if value.strip() or tag == "ER" else f"{tag}  - ")
        elif line.strip() and lines:
            lines[-1] += " " + line.strip()  # a wrapped continuation line
    try:
        records = rispy.loads("\n".join(lines) + "\n", skip_unknown_tags=True)
    except Exception as exc:  # rispy raises IOError/KeyError-like errors on broken structure
        raise v.CellError(_("The RIS file is malformed (%(error)s).", error=type(exc).__name__)) from None
    refs: list[Reference] = []
    for i, rec in enumerate(records):
        row = starts[i] if i < len(starts) else i + 1
        ref = Reference(row=row, source=_("record %(n)d", n=i + 1))
        listed = list(rec.get("authors") or []) or list(rec.get("first_authors") or [])
        authors = [a for entry in listed for a in split_authors(entry)]  # CNKI: "张伟;李娜;" on one line
        title = rec.get("title") or rec.get("primary_title") or rec.get("translated_title")
        venue = (rec.get("secondary_title") or rec.get("journal_name") or rec.get("alternate_title3")
                 or rec.get("alternate_title1") or rec.get("alternate_title2") or rec.get("tertiary_title") or "")
        year = rec.get("year") or rec.get("publication_year") or rec.get("date")
        notes = [*(rec.get("notes") or []), rec.get("note"), rec.get("name_of_database"), rec.get("custom3"),
                 *(rec.get("keywords") or [])]
        _finish(ref, title=title, year=year, venue=venue, doi=rec.get("doi"), indexing_texts=notes, authors=authors)
        refs.append(ref)
    return refs


def read_endnote(text: str) -> list[Reference]:
    """Parse EndNote/Refer tagged text (``%0``, ``%A``, ``%T``, ``%J``, ``%D``, ``%R`` DOI, ``%@``, ``%Z`` notes)."""
    refs: list[Reference] = []
    current: dict[str, list[str]] | None = None
    start = 0

    def flush() -> None:
        if current:
            ref = Reference(row=start, source=_("record %(n)d", n=len(refs) + 1))
            get = lambda tag: (current.get(tag) or [""])[0]  # noqa: E731
            _finish(ref, title=get("T"), year=get("D"), venue=get("J") or get("B") or get("S"), doi=get("R") or None,
                    indexing_texts=[*current.get("Z", []), *current.get("K", []), get("9")],
                    authors=[a for tag in ("A", "E") for a in current.get(tag, [])])
            refs.append(ref)

    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"^%(\S)\s(.*)$", line)
        if not line.strip():
            flush()
            current = None
            continue
        if match:
            tag, value = match.groups()
            if current is None:
                current, start = {}, number
            current.setdefault(tag, []).append(value.strip())
    flush()
    return refs


_RECORD_START = {
    "bibtex": re.compile(r"^\s*@", re.M),
    "ris": re.compile(r"^TY  -", re.M),
    "endnote": re.compile(r"^%0 ", re.M),
}


def count_records(text: str, fmt: str) -> int:
    """How many records the text holds, counted cheaply (before any parsing or LaTeX decoding)."""
    pattern = _RECORD_START.get(fmt)
    return len(pattern.findall(text)) if pattern else 0


def read_references(text: str, fmt: str) -> list[Reference]:
    """Parse bibliographic text of a known format (see :func:`detect_format`)."""
    if fmt == "bibtex":
        return read_bibtex(text)
    if fmt == "ris":
        return read_ris(text)
    if fmt == "endnote":
        return read_endnote(text)
    raise v.CellError(_("Web of Science “plain text” is not supported: export as RIS or BibTeX instead."))
