"""Importing publications from bibliographic files (RIS, BibTeX, EndNote, CNKI …) or spreadsheets with an authors column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from eduinnov.achievements.models import (
    AchievementKind,
    ParticipantRole,
)
from eduinnov.auth.models import User
from eduinnov.imports import bibliography as bib
from eduinnov.imports import validators as v
from eduinnov.imports.readers import FileRefused, check_size, decode_text, read_table
from eduinnov.imports.schemas import ImportKind, Issue, schema_for
from eduinnov.imports.services._plan import (
    CREATE,
    SKIP,
    PlanRow,
    Preview,
    UnmatchedAuthor,
    _describe,
    _error,
    _program_students,
)
from eduinnov.imports.services.achievements import (
    _check_achievement,
    _Lookups,
    _plan_one_achievement,
)
from eduinnov.programs.models import Program

# --- publications from bibliographic files ---


def _plan_publications(preview: Preview, program: Program, user: User, data: bytes, filename: str) -> None:
    check_size(data)
    fmt = None
    quartiles: dict[int, dict[str, Any]] = {}  # spreadsheet rows: JCR / CAS columns (bibliographic files have none)
    if not data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        text, encoding = decode_text(data)
        fmt = bib.detect_format(text)
    if fmt is None:  # a spreadsheet with an authors column
        schema = schema_for(ImportKind.PUBLICATIONS)
        table = read_table(data, filename, schema.known_headers())
        _describe(preview, table)
        rows, errors, warnings = schema.parse(table)
        preview.errors += errors
        preview.warnings += warnings
        if errors:
            return
        refs = []
        for row in rows:
            ref = bib.Reference(row=row.row, source=_("row %(n)d", n=row.row), title=row.values["title"],
                                year=row.values.get("year"), venue=row.values.get("venue") or "",
                                doi=row.values.get("doi"), indexing=row.values.get("indexing"),
                                authors=[bib.parse_author(a, i) for i, a in
                                         enumerate(bib.split_authors(row.values["authors"]), start=1)])
            if ref.year is None:
                _error(preview, row, row.column("year") or _("year"), _("This cell is empty."))
            if not ref.venue:
                _error(preview, row, row.column("venue") or _("venue"), _("Give the journal or conference."))
            refs.append(ref)
            quartiles[row.row] = {k: row.values.get(k) for k in ("jcr_quartile", "cas_zone")}
        if preview.errors:
            return
        strict = True
    else:
        preview.fmt = {"bibtex": "BibTeX", "ris": "RIS", "endnote": "EndNote"}.get(fmt, fmt)
        preview.encoding = encoding
        # Count first: a huge file is refused before the (CPU-heavy) parsing and LaTeX decoding.
        if bib.count_records(text, fmt) > _max_rows():
            raise FileRefused(_("The file has more than %(n)d records; split it.", n=_max_rows()))
        try:
            refs = bib.read_references(text, fmt)
        except v.CellError as exc:
            raise FileRefused(str(exc)) from None
        if len(refs) > _max_rows():
            raise FileRefused(_("The file has more than %(n)d records; split it.", n=_max_rows()))
        if not refs:
            raise FileRefused(_("No reference could be read from the file."))
        strict = False
    lookups = _Lookups.load(program)
    in_file: dict[tuple, int] = {}
    missing_indexing = 0
    for ref in refs:
        if ref.problems:  # bibliographic exports: an unusable record is skipped, not fatal
            preview.rows.append(PlanRow(ref.row, SKIP, ref.title or ref.source, " ".join(ref.problems)))
            continue
        values, bad_field, reason = _check_achievement(AchievementKind.PUBLICATION, {
            "title": ref.title, "year": ref.year, "venue": ref.venue, "doi": ref.doi, "indexing": ref.indexing,
            **quartiles.get(ref.row, {})})
        if values is None:
            if strict:
                _error(preview, ref.row, bad_field, reason)
            else:
                preview.rows.append(PlanRow(ref.row, SKIP, ref.title, reason))
            continue
        if ref.indexing is None:
            missing_indexing += 1
        matched: list[tuple[int, str]] = []
        ranks: list[int] = []
        unmatched: list[UnmatchedAuthor] = []
        for author in ref.authors:
            match = lookups.students.match(author)
            if match.student is not None and all(match.student.id != sid for sid, _d in matched):
                matched.append((match.student.id, match.student.display))
                ranks.append(author.position)
            elif match.student is None:
                unmatched.append(UnmatchedAuthor(f"{ref.row}-{author.position}", ref.row, author.position,
                                                 author.text, ref.title,
                                                 [(c.id, c.display) for c in match.candidates]))
        plan = _plan_one_achievement(preview, ref.row, AchievementKind.PUBLICATION, values, matched, lookups,
                                     in_file, ranks)
        if plan.action == CREATE:
            plan.data["unmatched"] = [u.key for u in unmatched]
            preview.unmatched += unmatched
            if not matched:
                plan.changes = []
                plan.reason = _("No author matched a student: choose one below, or the publication is skipped.")
    if missing_indexing:
        preview.warnings.append(Issue(None, None, _("%(n)d publication(s) do not say where they are indexed: they "
                                                    "are recorded as “Other”; correct them afterwards.",
                                                    n=missing_indexing)))


def _max_rows() -> int:
    from eduinnov.imports.readers import DEFAULT_MAX_ROWS, limit

    return limit("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def _resolve_authors(preview: Preview, program: Program, resolutions: Mapping[str, Any]) -> None:
    """Apply the teacher's choices for unmatched authors; publications left with no student are skipped."""
    allowed = {s.id: s for s in _program_students(program)} if preview.unmatched else {}
    by_key = {u.key: u for u in preview.unmatched}
    for plan in preview.rows:
        if plan.action != CREATE or plan.data.get("kind") != AchievementKind.PUBLICATION:
            continue
        people = list(plan.data["participants"])
        for key in plan.data.get("unmatched", []):
            choice = resolutions.get(key) or resolutions.get(by_key[key].field_name)
            if choice in (None, "", "0", 0):
                continue
            try:
                student = allowed[int(choice)]
            except (KeyError, TypeError, ValueError):
                preview.errors.append(Issue(plan.row, _("authors"), _("The student chosen for %(name)s is not in this "
                                                                      "program.", name=by_key[key].name)))
                continue
            if any(sid == student.id for sid, _r, _k in people):
                preview.errors.append(Issue(plan.row, _("authors"), _("%(student)s is chosen for two authors of "
                                                                      "“%(title)s”.", student=student.display,
                                                                      title=plan.label)))
                continue
            people.append((student.id, ParticipantRole.AUTHOR, by_key[key].position))
            plan.changes = [", ".join(filter(None, [*plan.changes, student.display]))]
        people.sort(key=lambda p: p[2])
        plan.data["participants"] = people
        if not people:
            plan.action = SKIP
            plan.reason = _("No author is a student of the program.")
