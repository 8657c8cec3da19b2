"""One embedded font program per face when :func:`~eduinnov.reports.pdf.render_pdf_parallel` merges its parts.

Each part rendered by WeasyPrint embeds its own subset of every font face it uses (a CJK face is
80–300 KiB), so a document merged from four parts carried each face four times. WeasyPrint subsets with
*retained glyph ids* (a glyph keeps its id in every subset, ``CIDToGIDMap /Identity``), so one program
holding the union of the glyphs every part used can serve all parts. The parts report which glyphs of
which face they drew (:func:`glyphs_of`); :func:`sampler_html` lays those glyphs' text out in the same
faces, so WeasyPrint renders one more small document whose subsets hold the union; :func:`share_fonts`
then points every part's font descriptor at that program, once checked that it is the same face (same
WeasyPrint font name, which hashes the face description) and covers every glyph id used. A face that
fails a check keeps its per-part programs: the file is then larger, never wrong.

Only pypdf and plain data here; the sampler is rendered by :mod:`eduinnov.reports.pdf` like any part.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any

from markupsafe import escape

__all__ = ["glyphs_of", "merge_glyphs", "sampler_html", "share_fonts"]

log = logging.getLogger(__name__)

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
_STYLES = {0: "normal", 1: "oblique", 2: "italic"}

Glyphs = dict[str, dict[str, Any]]  # font name -> {"family", "weight", "style", "gids": {gid: text}}


def glyphs_of(document: Any) -> Glyphs:
    """Per font name, the face and the glyphs (id → text) a written WeasyPrint ``Document`` drew."""
    out: Glyphs = {}
    for font in getattr(document, "fonts", {}).values():
        name = font.name.decode("latin-1").lstrip("/")
        entry = out.setdefault(name, {"family": font.family, "weight": int(font.weight), "style": int(font.style),
                                      "gids": {}, "bitmap": bool(font.bitmap)})
        entry["gids"].update({int(gid): str(text) for gid, text in font.to_unicode.items()})
    return out


def merge_glyphs(parts: Iterable[Glyphs]) -> Glyphs:
    """The union of several parts' glyph maps."""
    out: Glyphs = {}
    for glyphs in parts:
        for name, entry in glyphs.items():
            into = out.setdefault(name, {**entry, "gids": {}})
            into["gids"].update(entry["gids"])
    return out


def _css_family(family: str) -> str:
    return "'" + "".join(ch if ch.isalnum() or ch in " -_" else "" for ch in family) + "'"


def sampler_html(glyphs: Glyphs, lang: str = "zh") -> str:
    """A document that draws the text of every glyph in ``glyphs`` in its face.

    Per face two paragraphs: the texts without letters of other scripts alone (digits and Latin take
    their Latin forms, as in a table cell "2021"), then all texts together (digits and punctuation
    between Chinese characters may take other glyphs). The shaping context decides the glyph, so both.
    """
    paragraphs = []
    for name, entry in sorted(glyphs.items()):
        if entry.get("bitmap"):
            continue
        texts = sorted({t for t in entry["gids"].values() if t and t.strip()})
        latin = [t for t in texts if all(ord(ch) < 0x2E80 for ch in t)]
        style = (f"font-family: {_css_family(entry['family'])}; font-weight: {int(entry['weight'])};"
                 f" font-style: {_STYLES.get(entry['style'], 'normal')};")
        for group in (latin, texts):
            paragraphs.append(f'<p data-face="{escape(name)}" style="{style}">{escape(" ".join(group))}</p>')
    return (f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8"><style>'
            "@page { size: A4; margin: 10mm; } p { font-size: 9pt; line-height: 1.2; margin: 0 0 4pt; }"
            f"</style></head><body>{''.join(paragraphs)}</body></html>")


def _descriptors(objects: Iterable[Any]) -> list[Any]:
    from pypdf.generic import DictionaryObject

    return [obj for obj in objects if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/FontDescriptor"]


def share_fonts(writer: Any, used: Glyphs, sampler_pdf: bytes, sampler_glyphs: Glyphs) -> list[str]:
    """Point every font descriptor of ``writer`` at the sampler's program of its face, where that is safe.

    Parameters
    ----------
    writer
        The merged ``pypdf.PdfWriter`` (all parts appended).
    used
        :func:`merge_glyphs` of every part that went into ``writer``.
    sampler_pdf, sampler_glyphs
        The rendered :func:`sampler_html` and its own glyph map.

    Returns
    -------
    list[str]
        The font names now sharing one program (the caller drops the orphaned copies with
        ``compress_identical_objects``).
    """
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(sampler_pdf))
    programs: dict[str, tuple[str, Any]] = {}
    for num in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(num)
        except Exception:  # free or damaged entries: not a descriptor
            continue
        for descriptor in _descriptors([obj]):
            name = str(descriptor.get("/FontName", "")).lstrip("/")
            key = next((k for k in _FONT_FILES if k in descriptor), None)
            if key is not None:
                programs[name] = (key, descriptor[key])
    shared: dict[str, tuple[str, Any]] = {}
    for name, entry in used.items():
        sample = sampler_glyphs.get(name)
        missing = {g: t for g, t in entry["gids"].items() if sample is None or g not in sample["gids"]}
        if name not in programs or missing:
            log.info("PDF: font %s keeps one program per part (the sampler misses %d glyphs: %.200r)",
                     name, len(missing), missing)
            continue
        key, program = programs[name]
        shared[name] = (key, program.get_object().clone(writer).indirect_reference)
    if not shared:
        return []
    for descriptor in _descriptors(obj for obj in getattr(writer, "_objects", []) if obj is not None):
        name = str(descriptor.get("/FontName", "")).lstrip("/")
        if name in shared:
            key, ref = shared[name]
            if key in descriptor:
                descriptor[_name(key)] = ref
    return sorted(shared)


def _name(key: str):
    from pypdf.generic import NameObject

    return NameObject(key)
