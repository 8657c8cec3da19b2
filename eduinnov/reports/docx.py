"""The self-evaluation report as an editable Word file (python-docx), from the same sections as the PDF.

:func:`render_docx` writes a :class:`~eduinnov.reports.document.Document`: real Word headings
(Heading 1/2, so Word's navigation pane and table of contents work), a table-of-contents field that Word
or WPS fills in when fields are updated, tables as Word tables, charts as PNG images drawn with
matplotlib from the charts' data, and East-Asian font names set on every style (``w:eastAsia``), so
Chinese text opens in the intended font in Word and WPS.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document as WordDocument
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from flask_babel import gettext as _

from eduinnov.reports.document import (
    Chart,
    Document,
    Evidence,
    Facts,
    Fingerprint,
    Paragraph,
    Placeholder,
    Table,
)

__all__ = ["EAST_ASIAN_FONT", "LATIN_FONT", "chart_png", "render_docx"]

#: Font names written into the file (Word and WPS substitute the nearest installed face).
EAST_ASIAN_FONT = "SimSun"
LATIN_FONT = "Times New Roman"
_CHART_FONTS = ["Noto Sans CJK SC", "Noto Serif CJK SC", "SimSun", "DejaVu Sans"]


def _set_fonts(style_or_run, *, east_asian: str = EAST_ASIAN_FONT, latin: str = LATIN_FONT) -> None:
    """Name the Latin and the East-Asian font (``w:rFonts/@w:eastAsia``) of a style or run."""
    style_or_run.font.name = latin
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _toc_field(paragraph, title_levels: str = "1-2") -> None:
    """A TOC field with a hint text; Word/WPS fill it on "Update field" (the file asks to update on open)."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f'TOC \\o "{title_levels}" \\h \\z \\u'
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    hint = OxmlElement("w:t")
    hint.text = _("Right-click and choose “Update field” to fill in the table of contents.")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, hint, end):
        run._r.append(element)


def _update_fields_on_open(doc) -> None:
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def chart_png(chart: Chart, *, dpi: int = 150) -> bytes:
    """The chart drawn as PNG from its data (the same values and labels as the PDF's SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    with matplotlib.rc_context({"font.sans-serif": _CHART_FONTS, "font.family": "sans-serif",
                                "axes.unicode_minus": False, "font.size": 9}):
        data = chart.data
        labels = list(data.labels)
        if chart.kind == "radar":
            import math

            fig = plt.figure(figsize=(5.2, 4.2))
            ax = fig.add_subplot(projection="polar")
            ax.set_theta_offset(math.pi / 2)  # first axis at the top, clockwise: as the PDF's radar
            ax.set_theta_direction(-1)
            angles = [2 * math.pi * i / len(labels) for i in range(len(labels))]
            for s in data.series:
                values = [v or 0.0 for v in s.values]
                ax.plot([*angles, angles[0]], [*values, values[0]], marker="o", label=s.name)
                ax.fill([*angles, angles[0]], [*values, values[0]], alpha=0.15)
            ax.set_xticks(angles, labels)
            ax.set_ylim(0, chart.max_value or max(data.all_values() or [1.0]))
        else:
            fig, ax = plt.subplots(figsize=(6.4, 3.2 if chart.kind != "hbar" else max(2.4, 0.35 * len(labels) + 1)))
            n = len(data.series)
            band = 0.8 if chart.kind != "histogram" else 0.98
            width = band / n
            for j, s in enumerate(data.series):
                positions = [i - band / 2 + width * (j + 0.5) for i in range(len(labels))]
                values = [v if v is not None else 0.0 for v in s.values]
                if chart.kind == "hbar":
                    bars = ax.barh(positions, values, height=width, label=s.name)
                else:
                    bars = ax.bar(positions, values, width=width, label=s.name)
                if len(labels) * n <= 16:  # more bars: the values would overlap (the data table follows)
                    ax.bar_label(bars, labels=[data.format(v) for v in s.values], fontsize=7, padding=2)
            ticks = list(range(len(labels)))
            if chart.kind == "hbar":
                ax.set_yticks(ticks, labels)
                ax.invert_yaxis()
                if chart.min_value is not None or chart.max_value is not None:
                    ax.set_xlim(chart.min_value or 0, chart.max_value)
            else:
                ax.set_xticks(ticks, labels, rotation=30 if max((len(x) for x in labels), default=0) > 8 else 0)
                if chart.min_value is not None or chart.max_value is not None:
                    ax.set_ylim(chart.min_value or 0, chart.max_value)
                if chart.y_label:
                    ax.set_ylabel(chart.y_label)
            if chart.threshold is not None and chart.kind == "bar":
                ax.axhline(chart.threshold, color="#b02a37", linestyle="--", linewidth=1,
                           label=chart.threshold_label)
            ax.spines[["top", "right"]].set_visible(False)
        if len(data.series) > 1 or chart.threshold is not None:
            fig.legend(loc="lower center", ncol=3, frameon=False, fontsize=7)
        fig.suptitle(chart.title, fontsize=10)
        fig.tight_layout(rect=(0, 0.08 if len(data.series) > 1 or chart.threshold is not None else 0, 1, 1))
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi)
        plt.close(fig)
    return out.getvalue()


def _table(doc, header: Sequence[str], rows: Sequence[Sequence[str]], *, caption: str | None = None,
           numeric: frozenset[int] = frozenset(), small: bool = False) -> None:
    if caption:
        doc.add_paragraph(caption, style="Caption")
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for i, text in enumerate(row):
            cells[i].text = str(text)
            if i in numeric:
                cells[i].paragraphs[0].alignment = 2  # right
    if small:
        for row in table.rows:
            for cell in row.cells:
                for para in cell.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(8)
    _repeat_header(table)
    doc.add_paragraph()


def _repeat_header(table) -> None:
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _blocks(doc, blocks) -> None:
    for b in blocks:
        if isinstance(b, Paragraph):
            para = doc.add_paragraph(b.text)
            if b.style in ("source", "note", "empty"):
                for run in para.runs:
                    run.font.size = Pt(8)
                    run.font.color.rgb = RGBColor(0x49, 0x50, 0x57)
                    run.italic = b.style == "empty"
            elif b.style == "warning":
                for run in para.runs:
                    run.font.color.rgb = RGBColor(0x8A, 0x4B, 0x00)
        elif isinstance(b, Placeholder):
            para = doc.add_paragraph()
            label = para.add_run("[" + _("To be written") + "] ")
            label.bold = True
            label.font.color.rgb = RGBColor(0x8A, 0x4B, 0x00)
            text = para.add_run(b.text)
            text.font.color.rgb = RGBColor(0x6B, 0x4A, 0x00)
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:fill"), "FFF4E0")
            para._p.get_or_add_pPr().append(shading)
        elif isinstance(b, Facts):
            _table(doc, [_("Item"), _("Value")], [list(r) for r in b.rows])
        elif isinstance(b, Table):
            _table(doc, b.header, b.rows, caption=b.caption, numeric=b.numeric, small=b.small)
        elif isinstance(b, Chart):
            doc.add_picture(io.BytesIO(chart_png(b)), width=Cm(15 if b.kind != "radar" else 12))
            doc.add_paragraph(b.title, style="Caption")
            header = [b.data.label_header, *[s.name for s in b.data.series]]
            rows = [[label, *[b.data.format(s.values[i]) for s in b.data.series]] for i, label in enumerate(b.data.labels)]
            _table(doc, header, rows, numeric=frozenset(range(1, len(header))), small=True)
        elif isinstance(b, Evidence):
            if b.path is not None:
                try:
                    doc.add_picture(str(b.path), width=Cm(12))
                except Exception:  # noqa: BLE001 - an image Word cannot take is listed, not embedded
                    doc.add_paragraph(_("The file is no longer available."))
            else:
                doc.add_paragraph(_("The file is no longer available."))
            doc.add_paragraph(f"{b.title}\n{b.detail}", style="Caption")
        elif isinstance(b, Fingerprint):
            doc.add_paragraph(b.label).runs[0].bold = True
            run = doc.add_paragraph().add_run(b.value)
            _set_fonts(run, east_asian=EAST_ASIAN_FONT, latin="Courier New")
            run.font.size = Pt(9)


def render_docx(document: Document) -> bytes:
    """The document as .docx bytes (headings, TOC field, Word tables, PNG charts, CJK font names)."""
    doc = WordDocument()
    for style_name in ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Caption", "Table Grid"):
        try:
            _set_fonts(doc.styles[style_name], east_asian=EAST_ASIAN_FONT if style_name != "Heading 1" else "SimHei")
        except KeyError:
            continue
    doc.styles["Normal"].font.size = Pt(10.5)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    doc.core_properties.title = f"{document.title} · {document.subtitle}"
    doc.core_properties.language = "zh-CN" if document.lang == "zh" else "en-GB"
    doc.core_properties.comments = document.fingerprint
    if document.lang == "zh":  # proofing language of East-Asian text in the document defaults
        for lang in doc.styles.element.iter(qn("w:lang")):
            lang.set(qn("w:eastAsia"), "zh-CN")

    doc.add_paragraph(document.kicker)
    doc.add_paragraph(document.title, style="Title")
    doc.add_paragraph(document.subtitle, style="Subtitle")
    _blocks(doc, document.cover)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    doc.add_paragraph(document.contents_title, style="Title")
    _toc_field(doc.add_paragraph())
    _update_fields_on_open(doc)

    for s in document.sections:
        if s.new_page or s.level == 1:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(s.title, level=min(s.level, 3))
        _blocks(doc, s.blocks)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
