"""The self-evaluation report as structured sections: one model, rendered to PDF HTML and to Word.

:mod:`eduinnov.reports.chapters` builds a :class:`Document` from a stored pack payload; then

- :func:`html_sections` lays it out as :class:`~eduinnov.reports.pdf.Section` s (HTML through the
  autoescaping template ``reports/pdf/pack_blocks.html``) for the PDF renderer, and
- :func:`eduinnov.reports.docx.render_docx` writes the same blocks as a .docx.

So both files show the same text, tables, charts and fingerprint: neither renderer reads the payload.
Blocks hold plain text only (never markup); the renderers escape it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from flask import render_template
from markupsafe import Markup

from eduinnov.core.charts import ChartData, bar_chart, histogram, radar_chart

__all__ = [
    "Chart", "Document", "DocSection", "Evidence", "Facts", "Fingerprint", "Paragraph", "Placeholder", "Table",
    "chart_svg", "html_sections", "plain_text",
]

ParagraphStyle = Literal["body", "source", "note", "warning", "empty"]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text; ``style`` says what it is (a source line, a note, a warning, an empty state)."""

    text: str
    style: ParagraphStyle = "body"


@dataclass(frozen=True)
class Placeholder:
    """Prose the program has to write: shown as a clearly marked "to be written" box."""

    text: str


@dataclass(frozen=True)
class Facts:
    """A two-column table of label → value."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    """A table: header cells, rows of text cells, columns right-aligned (``numeric``), rows highlighted."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str | None = None
    numeric: frozenset[int] = frozenset()
    highlight: frozenset[int] = frozenset()
    small: bool = False


@dataclass(frozen=True)
class Chart:
    """A chart drawn from ``data`` (SVG in the PDF, PNG in Word), followed by its data table."""

    kind: Literal["bar", "hbar", "histogram", "radar"]
    data: ChartData
    title: str
    y_label: str = ""
    min_value: float | None = None
    max_value: float | None = None
    threshold: float | None = None
    threshold_label: str | None = None
    width: int = 560
    height: int | None = None


@dataclass(frozen=True)
class Evidence:
    """An evidence image (``path`` None when the file is not available) and its caption lines."""

    path: Path | None
    title: str
    detail: str


@dataclass(frozen=True)
class Fingerprint:
    """The snapshot fingerprint, printed large."""

    value: str
    label: str


Block = Paragraph | Placeholder | Facts | Table | Chart | Evidence | Fingerprint


@dataclass
class DocSection:
    """A heading (level 1 = chapter) and its blocks."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 1
    new_page: bool = True
    in_contents: bool = True


@dataclass
class Document:
    """The whole report: cover facts, sections in order, the fingerprint and layout texts."""

    title: str
    subtitle: str
    kicker: str
    cover: list[Block]
    sections: list[DocSection]
    fingerprint: str
    lang: str
    contents_title: str
    footer_format: str


def chart_svg(chart: Chart):
    """The SVG markup of a chart (the PDF's drawing)."""
    if chart.kind == "radar":
        return radar_chart(chart.data, title=chart.title, max_value=chart.max_value, width=chart.width,
                           show_values=True)
    if chart.kind == "histogram":
        return histogram(chart.data, title=chart.title, y_label=chart.y_label, width=chart.width,
                         height=chart.height or 260)
    return bar_chart(chart.data, title=chart.title, y_label=chart.y_label, horizontal=chart.kind == "hbar",
                     width=chart.width, height=chart.height, min_value=chart.min_value, max_value=chart.max_value,
                     threshold=chart.threshold, threshold_label=chart.threshold_label)


def _block_context(block: Block) -> dict[str, Any]:
    kind = type(block).__name__.lower()
    out: dict[str, Any] = {"kind": kind, "b": block}
    if isinstance(block, Chart):
        out["svg"] = chart_svg(block)
        out["table"] = block.data.table_html(caption=block.title, css_class="chart-data")
    if isinstance(block, Evidence):
        out["uri"] = block.path.as_uri() if block.path is not None else None
    return out


def _html(blocks: Sequence[Block]) -> str:
    return render_template("reports/pdf/pack_blocks.html", blocks=[_block_context(b) for b in blocks])


def html_sections(document: Document):
    """The document as PDF sections and layout (cover and sections rendered to HTML)."""
    from eduinnov.reports.pdf import Section

    sections = [Section(s.title, _html(s.blocks), level=s.level, new_page=s.new_page, in_contents=s.in_contents)
                for s in document.sections]
    cover = render_template("reports/pdf/pack_cover.html", d=document, cover=Markup(_html(document.cover)))
    return sections, cover


def plain_text(document: Document) -> str:
    """Every text of the document, one line per paragraph or table row (for tests and checks)."""
    lines = [document.title, document.subtitle, document.kicker]

    def add(blocks: Sequence[Block]) -> None:
        for b in blocks:
            if isinstance(b, Paragraph | Placeholder):
                lines.append(b.text)
            elif isinstance(b, Facts):
                lines.extend(f"{k} {v}" for k, v in b.rows)
            elif isinstance(b, Table):
                lines.append(" ".join(b.header))
                lines.extend(" ".join(r) for r in b.rows)
            elif isinstance(b, Chart):
                lines.append(b.title)
                lines.extend(f"{label} " + " ".join(b.data.format(s.values[i]) for s in b.data.series)
                             for i, label in enumerate(b.data.labels))
            elif isinstance(b, Evidence):
                lines.extend([b.title, b.detail])
            elif isinstance(b, Fingerprint):
                lines.extend([b.label, b.value])

    add(document.cover)
    for s in document.sections:
        lines.append(s.title)
        add(s.blocks)
    return "\n".join(lines)
