"""The evidence appendix of the certification-evidence pack: PDF evidence embedded as stamped pages.

Two steps, like the pack itself:

1. :func:`plan_evidence` (while the pack is prepared, in the pack's language) walks the evidence of the
   snapshot's verified achievements in pack order and decides what goes in: PDF files become appendix
   pages, image files stay in the pack's own image appendix, both within one size budget
   (``PACK_EVIDENCE_MAX_BYTES``, 50 MB by default). Files past the budget, files that are neither PDF nor
   image and files missing from the store are *left out* with the reason.
2. :func:`append_evidence` (after the report is rendered) reads each planned PDF through
   :func:`eduinnov.achievements.evidence.open_evidence` (the one reader of the evidence store; nothing is
   ever fetched from a URL), skips damaged or encrypted files (listed with the reason), and appends to the
   report: an index page (what follows, on which page, what was left out and why) and the evidence pages,
   each stamped "Evidence E12 · p. 2/3" in its top margin. PDF bookmarks lead to every file.

Nothing is appended when the pack has no PDF evidence and nothing was left out.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.achievements.evidence import open_evidence
from eduinnov.achievements.models import Achievement, EvidenceFile, VerificationStatus
from eduinnov.extensions import db
from eduinnov.programs.models import Program

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_PAGES_PER_FILE",
    "EvidenceItem",
    "EvidencePlan",
    "LeftOut",
    "append_evidence",
    "plan_evidence",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: A file with more pages than this is left out (a scanned book is not a certificate).
MAX_PAGES_PER_FILE = 200
PDF_MIME = "application/pdf"
#: Annotation actions that could run or send something when the reader clicks: dropped from embedded pages.
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm", "/Rendition", "/Sound",
                   "/Movie", "/GoToR", "/GoToE"}
_TEMPLATE = "reports/pdf/evidence_appendix.html"


@dataclass(frozen=True)
class EvidenceItem:
    """A PDF evidence file planned for the appendix (plain values from the snapshot and the store)."""

    id: int
    ref: str                  # "E12"
    name: str                 # the uploaded file name
    achievement_ref: str      # "A5"
    achievement_title: str
    stored_name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class LeftOut:
    """An evidence file that is not in the pack, and why (translated when the plan was made)."""

    ref: str
    name: str
    achievement_ref: str
    reason: str


@dataclass(frozen=True)
class EvidencePlan:
    """What the pack embeds: PDF files for the appendix, image ids for the image appendix, what is left out."""

    pdfs: tuple[EvidenceItem, ...] = ()
    image_ids: frozenset[int] = frozenset()
    left_out: tuple[LeftOut, ...] = ()
    limit_bytes: int = DEFAULT_MAX_BYTES
    used_bytes: int = 0
    lang: str = "zh"

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to append (no PDF evidence, nothing left out)."""
        return not self.pdfs and not self.left_out


def _size(size: int) -> str:
    """A file size for people: "512 B", "850 KB", "12.4 MB"."""
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def max_bytes() -> int:
    """The evidence budget of one pack: ``PACK_EVIDENCE_MAX_BYTES`` (default 50 MB)."""
    value = current_app.config.get("PACK_EVIDENCE_MAX_BYTES")
    return DEFAULT_MAX_BYTES if value is None else max(0, int(value))


def _stored_files(program: Program, ids: Sequence[int]) -> dict[int, EvidenceFile]:
    """Evidence rows among ``ids`` that belong to verified achievements of ``program``."""
    if not ids:
        return {}
    stmt = (select(EvidenceFile).join(EvidenceFile.achievement)
            .where(EvidenceFile.id.in_(list(ids)), Achievement.program_id == program.id,
                   Achievement.verification_status == VerificationStatus.VERIFIED))
    return {f.id: f for f in db.session.scalars(stmt)}


def plan_evidence(program: Program, payload: Mapping[str, Any], *, limit_bytes: int | None = None) -> EvidencePlan:
    """Decide which evidence of a pack payload is embedded, within one size budget (call under the pack's locale).

    Files are taken in the order the report lists them (by kind, then year, id; files as uploaded); a file is
    embedded if it fits in what is left of the budget, so one large file does not push out all later ones.

    Parameters
    ----------
    program
        The pack's program: only evidence of its verified achievements can be embedded.
    payload
        The stored snapshot payload (its ``achievements`` with their ``evidence``).
    limit_bytes
        The budget; default :func:`max_bytes`.
    """
    limit = int(limit_bytes if limit_bytes is not None else max_bytes())
    # The order in which the report lists the achievements: by kind as in its summary, then as stored.
    kinds = {k.get("kind"): i for i, k in enumerate((payload.get("achievement_summary") or {}).get("by_kind") or [])}
    achievements = sorted(payload.get("achievements") or [], key=lambda a: kinds.get(a.get("kind"), len(kinds)))
    entries = [(a, f) for a in achievements for f in a.get("evidence") or []]
    rows = _stored_files(program, [f["id"] for _a, f in entries])
    pdfs: list[EvidenceItem] = []
    images: set[int] = set()
    left_out: list[LeftOut] = []
    used = 0
    for achievement, file in entries:
        is_pdf = file.get("mime") == PDF_MIME
        if not is_pdf and not file.get("is_image"):
            left_out.append(LeftOut(file["ref"], file["name"], achievement["ref"],
                                    _("only PDF and image files are embedded; this file is listed in the report")))
            continue
        row = rows.get(file["id"])
        if row is None:
            left_out.append(LeftOut(file["ref"], file["name"], achievement["ref"],
                                    _("the file is no longer in the evidence store")))
            continue
        size = int(row.size_bytes or 0)
        if used + size > limit:
            left_out.append(LeftOut(file["ref"], file["name"], achievement["ref"], _(
                "embedding it would take the pack's evidence past its limit of %(limit)s "
                "(this file: %(size)s; already embedded: %(used)s)",
                limit=_size(limit), size=_size(size), used=_size(used))))
            continue
        used += size
        if is_pdf:
            pdfs.append(EvidenceItem(id=row.id, ref=file["ref"], name=file["name"], achievement_ref=achievement["ref"],
                                     achievement_title=achievement.get("title") or "", stored_name=row.stored_name,
                                     size=size, sha256=file.get("sha256") or row.sha256))
        else:
            images.add(row.id)
    return EvidencePlan(pdfs=tuple(pdfs), image_ids=frozenset(images), left_out=tuple(left_out), limit_bytes=limit,
                        used_bytes=used, lang=str(payload.get("lang") or "zh"))


# -- rendering -------------------------------------------------------------------------------------------

@dataclass
class _Loaded:
    item: EvidenceItem
    reader: Any                                  # a pypdf.PdfWriter holding the file's pages, rotation applied
    sizes: list[tuple[float, float, float, float]]  # per page: left, bottom, width, height of the visible box


def _load(item: EvidenceItem) -> _Loaded | str:
    """The evidence file opened with pypdf, or the reason it cannot be embedded."""
    from pypdf import PdfReader, PdfWriter

    try:
        with open_evidence(item.stored_name) as fh:
            data = fh.read()
    except (OSError, ValueError):
        return _("the file is no longer in the evidence store")
    try:
        if PdfReader(io.BytesIO(data), strict=False).is_encrypted:
            return _("the file is encrypted (password-protected); attach an unprotected copy")
        reader = PdfWriter(clone_from=io.BytesIO(data))  # pypdf changes page content only on a writer's pages
        pages = list(reader.pages)
        if not pages:
            return _("the PDF has no pages")
        if len(pages) > MAX_PAGES_PER_FILE:
            return _("the PDF has %(n)d pages, more than the %(max)d a pack embeds per file",
                     n=len(pages), max=MAX_PAGES_PER_FILE)
        sizes = []
        for page in pages:
            if page.rotation % 360:
                page.transfer_rotation_to_content()  # so the stamp stands upright on the page as shown
            box = page.cropbox
            width, height = float(box.width), float(box.height)
            if not (10 <= width <= 14400 and 10 <= height <= 14400):
                return _("the file is damaged and could not be read as a PDF")
            sizes.append((float(box.left), float(box.bottom), width, height))
            page.get_contents()  # parse the content stream now: a damaged one fails here, not half-way through
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        log.info("evidence %s (%s) not embedded: %r", item.ref, item.stored_name, exc)
        return _("the file is damaged and could not be read as a PDF")
    return _Loaded(item, reader, sizes)


def _sanitise(page) -> None:
    """Drop page actions and annotation actions that would run or send something when the pack is opened."""
    from pypdf.generic import ArrayObject, NameObject

    page.pop(NameObject("/AA"), None)
    annots = page.get("/Annots")
    if annots is None:
        return
    keep = ArrayObject()
    for ref in annots.get_object():
        annot = ref.get_object()
        action = annot.get("/A")
        if action is not None and action.get_object().get("/S") in _ACTIVE_ACTIONS:
            continue
        annot.pop(NameObject("/AA"), None)
        keep.append(ref)
    page[NameObject("/Annots")] = keep


def _render(context: dict[str, Any]) -> bytes:
    from eduinnov.reports.pdf import render_pdf

    static = current_app.static_folder
    return render_pdf(render_template(_TEMPLATE, **context), base_url=static, allowed_roots=[static])


def append_evidence(report_pdf: bytes, plan: EvidencePlan, *, title: str = "") -> bytes:
    """The report with the evidence appendix after its last page (call under the pack's locale).

    Parameters
    ----------
    report_pdf
        The rendered report.
    plan
        From :func:`plan_evidence`; when it is empty the report is returned unchanged.
    title
        The pack's title, printed on the index page.

    Returns
    -------
    bytes
        The report, an index of the appendix (embedded files with their first page; files left out or
        skipped with the reason) and the evidence pages, each stamped with its reference and page number.
    """
    if plan.is_empty:
        return report_pdf
    from pypdf import PdfReader, PdfWriter

    loaded: list[_Loaded] = []
    skipped: list[LeftOut] = []
    for item in plan.pdfs:
        result = _load(item)
        if isinstance(result, str):
            skipped.append(LeftOut(item.ref, item.name, item.achievement_ref, result))
        else:
            loaded.append(result)

    report_pages = len(PdfReader(io.BytesIO(report_pdf)).pages)
    left_out = [*plan.left_out, *skipped]

    def context(first_pages: dict[str, int] | None, stamps: bool) -> dict[str, Any]:
        rows = [{"item": e.item, "pages": len(e.sizes), "first": (first_pages or {}).get(e.item.ref)} for e in loaded]
        sizes = sorted({(round(w, 2), round(h, 2)) for e in loaded for _l, _b, w, h in e.sizes}) if stamps else []
        names = {size: f"ev{i}" for i, size in enumerate(sizes)}
        stamp_pages = [{
            "page": names[(round(w, 2), round(h, 2))],
            "text": _("Evidence %(ref)s · p. %(page)d/%(pages)d", ref=e.item.ref, page=i + 1, pages=len(e.sizes)),
            "achievement": e.item.achievement_ref,
        } for e in loaded for i, (_l, _b, w, h) in enumerate(e.sizes)] if stamps else []
        return {"lang": plan.lang, "title": title, "rows": rows, "left_out": left_out,
                "limit": _size(plan.limit_bytes), "used": _size(plan.used_bytes),
                "page_sizes": [{"name": names[s], "width": s[0], "height": s[1]} for s in sizes],
                "stamps": stamp_pages}

    # First the index alone, to learn how many pages it takes; then index + stamps with the real numbers.
    index_pages = len(PdfReader(io.BytesIO(_render(context({e.item.ref: 8888 for e in loaded}, False)))).pages)
    first_pages: dict[str, int] = {}
    page = report_pages + index_pages + 1
    for e in loaded:
        first_pages[e.item.ref] = page
        page += len(e.sizes)
    rendered = PdfReader(io.BytesIO(_render(context(first_pages, True))))
    if len(rendered.pages) != index_pages + sum(len(e.sizes) for e in loaded):
        raise RuntimeError("the evidence index changed length between its two renders")

    writer = PdfWriter(clone_from=io.BytesIO(report_pdf))
    for i in range(index_pages):
        writer.add_page(rendered.pages[i])
    stamp_index = index_pages
    for e in loaded:
        for source, (left, bottom, _w, _h) in zip(e.reader.pages, e.sizes, strict=True):
            page = writer.add_page(source)
            _sanitise(page)
            page.merge_translated_page(rendered.pages[stamp_index], left, bottom)
            page.compress_content_streams()
            stamp_index += 1
    # Bookmarks once the pages exist: the appendix, and under it each file.
    appendix_outline = writer.add_outline_item(title=_("Appendix: evidence documents"), page_number=report_pages)
    for e in loaded:
        writer.add_outline_item(title=f"{e.item.ref} · {e.item.name}", page_number=first_pages[e.item.ref] - 1,
                                parent=appendix_outline)
    writer.compress_identical_objects()  # merges duplicates, drops unreferenced objects (defaults since pypdf 5)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
