"""PDF rendering with WeasyPrint: the only module of eduinnov that imports it.

- :func:`render_pdf` renders one HTML document with a URL fetcher that only reads ``data:`` URLs and
  files inside the allowed folders (the app's static folder, evidence files the user may see), so
  nothing named by user content is ever fetched from the network or the server's disk.
- :func:`render_pdf_parallel` renders a long document made of :class:`Section` s in several processes
  and merges the parts with pypdf, keeping the page numbers ("3 / 12") and the table of contents right:
  the parts are rendered without page numbers, each reports on which page its sections start
  (``page.anchors``), the contents are rendered with those literal numbers, and a blank overlay carrying
  only the footers is stamped onto every page.
- :func:`compose_html` builds the same document as a single HTML file (contents via
  ``target-counter``), for small documents and as the reference a benchmark compares against.

All text that comes from data (titles, headers) is escaped here; section bodies are markup and must come
from autoescaping templates.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import multiprocessing
import os
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
from markupsafe import Markup, escape
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from eduinnov.config import ROOT
from eduinnov.reports import pdf_fonts

__all__ = [
    "BlockedURLError",
    "PdfLayout",
    "SafeURLFetcher",
    "Section",
    "compose_html",
    "css_string",
    "render_pdf",
    "render_pdf_parallel",
    "warm_up",
]

log = logging.getLogger(__name__)

TEMPLATE_DIR = ROOT / "templates"
BASE_TEMPLATE = "reports/pdf/_base.html"
MAX_FETCH_BYTES = 50 * 1024 * 1024

_jinja = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
)


# -- fetching ------------------------------------------------------------------------------------------

class BlockedURLError(ValueError):
    """A PDF referenced something outside what it may read (network, other files on the server)."""


class SafeURLFetcher(URLFetcher):
    """Allows ``data:`` URLs and ``file:`` URLs whose resolved path lies inside one of ``allowed_roots``.

    Everything else (http, https, ftp, files elsewhere, relative paths that climb out of a root, symlinks
    pointing outside) raises :class:`BlockedURLError`; WeasyPrint then logs a warning and leaves the
    resource out. The file is read here from its resolved path, so nothing is opened twice.
    """

    def __init__(self, allowed_roots: Iterable[Path | str], **kwargs) -> None:
        super().__init__(timeout=5, allowed_protocols=("data",), allow_redirects=False, **kwargs)
        self.allowed_roots = tuple(Path(root).resolve() for root in allowed_roots)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self.allowed_path(url)
            if path.stat().st_size > MAX_FETCH_BYTES:
                raise BlockedURLError(f"file too large for a PDF: {path.name}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})
        log.warning("PDF: blocked %s URL %.200s", scheme or "relative", url)
        raise BlockedURLError(f"URL not allowed in PDFs: {url[:200]}")

    def allowed_path(self, url: str) -> Path:
        """The resolved local path of a ``file:`` URL, if it lies inside an allowed root."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise BlockedURLError(f"remote file URL not allowed: {url[:200]}")
        try:
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise BlockedURLError(f"missing file: {url[:200]}") from exc
        if not path.is_file() or not any(path.is_relative_to(root) for root in self.allowed_roots):
            log.warning("PDF: blocked file outside the allowed folders: %.200s", url)
            raise BlockedURLError(f"file not allowed in PDFs: {url[:200]}")
        return path


def _base_url(base_url: Path | str | None) -> str | None:
    if base_url is None:
        return None
    if isinstance(base_url, Path) or not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", str(base_url)):
        path = Path(base_url).resolve()
        uri = path.as_uri()
        return uri + "/" if path.is_dir() else uri
    return str(base_url)


def render_pdf(html: str, *, base_url: Path | str | None, allowed_roots: Sequence[Path | str]) -> bytes:
    """Render one HTML document to PDF bytes, fetching only ``data:`` URLs and files inside ``allowed_roots``.

    Parameters
    ----------
    html
        The complete document (from an autoescaping template or :func:`compose_html`).
    base_url
        Where relative URLs resolve (usually the app's static folder).
    allowed_roots
        Folders whose files may be embedded (static folder, evidence files the reader may see).
    """
    document = HTML(string=html, base_url=_base_url(base_url), url_fetcher=SafeURLFetcher(allowed_roots))
    return document.write_pdf()


# -- document model ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    """A part of a long document.

    Parameters
    ----------
    title
        Plain text: the section heading, its contents entry, bookmark and running header.
    html
        The section's body as markup, rendered by an autoescaping template (never raw user input).
    level
        1 for chapters, 2 for sub-sections (indented in the contents).
    new_page
        Start on a new page; defaults to True for level 1. The parallel renderer splits the document only
        where a section starts a page, so long chapters should be split into several sections.
    in_contents
        List the section in the table of contents.
    """

    title: str
    html: str
    level: int = 1
    new_page: bool | None = None
    in_contents: bool = True

    @property
    def starts_page(self) -> bool:
        return self.level == 1 if self.new_page is None else self.new_page


@dataclass(frozen=True)
class PdfLayout:
    """Document-wide settings: title, language, running header, page-number format, cover and contents.

    ``footer_format`` uses ``{page}`` and ``{pages}`` (e.g. ``_("Page {page} of {pages}")``);
    ``cover_html`` and ``stylesheets`` are trusted markup/CSS from the app's own templates and files.
    """

    title: str
    lang: str = "zh"
    footer_format: str = "{page} / {pages}"
    contents: bool = True
    contents_title: str = "Contents"
    cover_html: str | None = None
    stylesheets: tuple[str, ...] = field(default_factory=tuple)
    body_class: str = ""


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string; every ASCII punctuation and control character is hex-escaped.

    Safe inside ``<style>`` (no ``<``, quotes or backslashes survive), e.g. for margin-box ``content``.
    """
    out = []
    for ch in str(text):
        if ch.isalnum() and (ord(ch) > 127 or ch.isascii()) and unicodedata.category(ch)[0] in "LN":
            out.append(ch)
        elif ch == " ":
            out.append(" ")
        else:
            out.append(f"\\{ord(ch):x} ")  # the space ends the escape and is consumed by CSS
    return '"' + "".join(out) + '"'


def _footer_content(fmt: str) -> str:
    pieces = re.split(r"(\{page\}|\{pages\})", fmt)
    out = []
    for piece in pieces:
        if piece == "{page}":
            out.append("counter(page)")
        elif piece == "{pages}":
            out.append("counter(pages)")
        elif piece:
            out.append(css_string(piece))
    return " ".join(out) or "none"


def _page_css(layout: PdfLayout, *, header: bool, footer: bool) -> Markup:
    top_left = css_string(layout.title) if header else "none"
    top_right = "string(section-title)" if header else "none"
    bottom = _footer_content(layout.footer_format) if footer else "none"
    return Markup(
        "@page {"
        f" @top-left {{ content: {top_left}; }}"
        f" @top-right {{ content: {top_right}; }}"
        f" @bottom-center {{ content: {bottom}; }} }}\n"
        "@page cover { @top-left { content: none; } @top-right { content: none; }"
        " @bottom-center { content: none; } }\n"
    )


def _shell(layout: PdfLayout, body: str, *, header: bool = True, footer: bool = True) -> str:
    return _jinja.get_template(BASE_TEMPLATE).render(
        lang=layout.lang, title=layout.title, body_class=layout.body_class,
        page_css=_page_css(layout, header=header, footer=footer),
        stylesheets=[Markup(css) for css in layout.stylesheets], body=Markup(body),
    )


def _section_id(index: int) -> str:
    return f"sec-{index}"


def _section_html(index: int, section: Section) -> str:
    level = min(max(section.level, 1), 2)
    classes = f"report-section level-{level}" + (" new-page" if section.starts_page else "")
    return (
        f'<section class="{classes}" id="{_section_id(index)}">'
        f'<h{level} class="section-title">{escape(section.title)}</h{level}>'
        f"{Markup(section.html)}</section>"
    )


def _contents_html(layout: PdfLayout, sections: Sequence[Section], pages: dict[int, int] | None) -> str:
    """The contents; ``pages`` maps section index to its 1-based page, or None to use target-counter."""
    rows = []
    for i, section in enumerate(sections):
        if not section.in_contents:
            continue
        level = min(max(section.level, 1), 2)
        if pages is None:
            title = f'<a href="#{_section_id(i)}">{escape(section.title)}</a>'
            page = f'<a class="toc-ref" href="#{_section_id(i)}"></a>'
        else:
            title, page = str(escape(section.title)), str(pages[i])
        rows.append(f'<tr class="toc-level-{level}"><td class="toc-entry">{title}</td>'
                    f'<td class="toc-page">{page}</td></tr>')
    return (
        f'<section class="toc" id="toc"><h1>{escape(layout.contents_title)}</h1>'
        f'<table class="toc-table"><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _cover_html(layout: PdfLayout) -> str:
    return f'<div class="cover" id="cover">{Markup(layout.cover_html)}</div>' if layout.cover_html else ""


def compose_html(sections: Sequence[Section], layout: PdfLayout) -> str:
    """The whole document as one HTML file (cover, contents with ``target-counter`` page numbers, sections).

    Rendering it with :func:`render_pdf` gives the same pages as :func:`render_pdf_parallel`.
    """
    body = _cover_html(layout)
    if layout.contents:
        body += _contents_html(layout, sections, None)
    body += "".join(_section_html(i, s) for i, s in enumerate(sections))
    return _shell(layout, body)


# -- parallel rendering -------------------------------------------------------------------------------

def _render_part(html: str, base_url: str | None,
                 allowed_roots: tuple[str, ...]) -> tuple[bytes, int, dict[str, int], pdf_fonts.Glyphs]:
    """Worker: render one part; return the PDF, its page count, the 0-based page of each anchor and the
    glyphs it drew per font (see :mod:`eduinnov.reports.pdf_fonts`)."""
    document = HTML(string=html, base_url=base_url, url_fetcher=SafeURLFetcher(allowed_roots)).render()
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    pdf = document.write_pdf()
    return pdf, len(document.pages), anchors, pdf_fonts.glyphs_of(document)


def _plan(sections: Sequence[Section], parts: int) -> list[list[int]]:
    """Split section indexes into at most ``parts`` contiguous groups of similar size, at page starts."""
    chunks: list[list[int]] = []
    for i, section in enumerate(sections):
        if not chunks or section.starts_page:
            chunks.append([])
        chunks[-1].append(i)
    weights = [sum(len(sections[i].html) + 200 for i in chunk) for chunk in chunks]
    target = sum(weights) / max(parts, 1)
    groups: list[list[int]] = []
    current: list[int] = []
    current_weight = 0
    for chunk, weight in zip(chunks, weights, strict=True):
        if current and current_weight + weight / 2 > target and len(groups) < parts - 1:
            groups.append(current)
            current, current_weight = [], 0
        current.extend(chunk)
        current_weight += weight
    groups.append(current)
    return groups


_CONTEXT_LOCK = multiprocessing.Lock()


def _mp_context():
    """A forkserver context whose server has WeasyPrint imported, so workers start in milliseconds."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        with _CONTEXT_LOCK:
            ctx.set_forkserver_preload([__name__])
    return ctx


def _overlay_html(layout: PdfLayout, pages: int, cover_pages: int) -> str:
    body = "".join(
        f'<div class="overlay-page{" on-cover" if i < cover_pages else ""}"></div>' for i in range(pages)
    )
    return _shell(layout, body, header=False, footer=True)


def render_pdf_parallel(sections: Sequence[Section], *, layout: PdfLayout, base_url: Path | str | None,
                        allowed_roots: Sequence[Path | str], processes: int = 2,
                        parts_per_process: int = 1) -> bytes:
    """Render a long document in ``processes`` worker processes and merge the parts with pypdf.

    Parameters
    ----------
    sections
        The body, in order. Parts are cut only where a section starts a page.
    layout
        Title, language, cover, contents and page-number format.
    base_url, allowed_roots
        As for :func:`render_pdf`.
    processes
        Worker processes (1 renders :func:`compose_html` in this process).
    parts_per_process
        Parts per worker; more parts balance better, each part adds its own font subsets to the file.

    Returns
    -------
    bytes
        The merged PDF: cover, contents with the page each section starts on, the sections, a
        "page / pages" footer on every page but the cover, running headers and PDF bookmarks.
    """
    from pypdf import PdfReader, PdfWriter

    base = _base_url(base_url)
    roots = tuple(str(Path(r)) for r in allowed_roots)
    groups = _plan(sections, max(1, processes) * max(1, parts_per_process))
    if processes <= 1 or len(groups) < 2:
        return render_pdf(compose_html(sections, layout), base_url=base, allowed_roots=allowed_roots)

    front_placeholder = None
    if layout.cover_html or layout.contents:
        placeholder = {i: 888 for i in range(len(sections))}
        front_placeholder = _shell(layout, _cover_html(layout) + (
            _contents_html(layout, sections, placeholder) if layout.contents else ""), footer=False)

    clock = time.perf_counter()
    timings: dict[str, float] = {}
    with ProcessPoolExecutor(max_workers=processes, mp_context=_mp_context()) as pool:
        order = sorted(range(len(groups)), key=lambda g: -sum(len(sections[i].html) for i in groups[g]))
        futures: dict[int, Future] = {}
        if front_placeholder is not None:
            futures[-1] = pool.submit(_render_part, front_placeholder, base, roots)
        for g in order:
            body = "".join(_section_html(i, sections[i]) for i in groups[g])
            futures[g] = pool.submit(_render_part, _shell(layout, body, footer=False), base, roots)
        results = {g: f.result() for g, f in futures.items()}
        timings["parts"] = time.perf_counter() - clock

        front_pages, cover_pages, placeholder_glyphs = 0, 0, {}
        if front_placeholder is not None:
            _pdf, front_pages, front_anchors, placeholder_glyphs = results.pop(-1)
            cover_pages = front_anchors.get("toc", front_pages) if layout.cover_html else 0
        start_page: dict[int, int] = {}
        offset = front_pages
        for g, group in enumerate(groups):
            _pdf, n_pages, anchors, _glyphs = results[g]
            for i in group:
                start_page[i] = offset + anchors[_section_id(i)] + 1
            offset += n_pages
        total_pages = offset

        # The contents with literal page numbers, the page-number overlay and the font sampler (one
        # program per face for all parts: see pdf_fonts) render side by side. The sampler gets the glyphs
        # of the parts plus every digit and the footer's text, which the contents and overlay add.
        overlay_future = pool.submit(_render_part, _overlay_html(layout, total_pages, cover_pages), base, roots)
        front_future = None
        if front_placeholder is not None:
            front_html = _shell(layout, _cover_html(layout) + (
                _contents_html(layout, sections, start_page) if layout.contents else ""), footer=False)
            front_future = pool.submit(_render_part, front_html, base, roots)
        used = pdf_fonts.merge_glyphs([placeholder_glyphs, *(r[3] for r in results.values())])
        sample = pdf_fonts.merge_glyphs([used, _digit_glyphs(used, layout)])
        sampler_future = pool.submit(_render_part, pdf_fonts.sampler_html(sample, layout.lang), base, roots)
        front_pdf = None
        extra_glyphs = []
        if front_future is not None:
            front_pdf, pages, _, front_glyphs = front_future.result()
            extra_glyphs.append(front_glyphs)
            if pages != front_pages:  # the numbers changed how the contents wrap: should never happen
                raise RuntimeError(f"contents changed length ({front_pages} → {pages} pages)")
        overlay_pdf, overlay_pages, _, overlay_glyphs = overlay_future.result()
        sampler_pdf, _, _, sampler_glyphs = sampler_future.result()
        timings["contents+overlay"] = time.perf_counter() - clock - timings["parts"]
    if overlay_pages != total_pages:
        raise RuntimeError(f"page-number overlay has {overlay_pages} pages for {total_pages}")

    writer = PdfWriter()
    for pdf in ([front_pdf] if front_pdf else []) + [results[g][0] for g in range(len(groups))]:
        writer.append(PdfReader(io.BytesIO(pdf)))
    overlay = PdfReader(io.BytesIO(overlay_pdf))
    for index, page in enumerate(writer.pages):
        if index >= cover_pages:
            page.merge_page(overlay.pages[index])
        page.compress_content_streams()
    writer.add_metadata({"/Title": layout.title, "/Producer": "eduinnov (WeasyPrint, pypdf)"})
    used = pdf_fonts.merge_glyphs([results[g][3] for g in range(len(groups))] + extra_glyphs + [overlay_glyphs])
    shared = pdf_fonts.share_fonts(writer, used, sampler_pdf, sampler_glyphs)
    writer.compress_identical_objects()  # drops the per-part font programs now unused, merges duplicates
    out = io.BytesIO()
    writer.write(out)
    timings["merge"] = time.perf_counter() - clock - timings["parts"] - timings["contents+overlay"]
    log.info("PDF: %d pages in %d parts: %s; one font program for %s", total_pages, len(groups),
             ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()), ", ".join(shared) or "no face")
    return out.getvalue()


def _digit_glyphs(used: pdf_fonts.Glyphs, layout: PdfLayout) -> pdf_fonts.Glyphs:
    """Digits and the footer's text in every face used, as a glyph map without ids (for the sampler)."""
    texts = list("0123456789") + list(layout.footer_format.replace("{page}", "").replace("{pages}", ""))
    return {name: {**entry, "gids": {-(i + 1): t for i, t in enumerate(texts)}} for name, entry in used.items()}


def _ping() -> int:
    return os.getpid()


def warm_up() -> None:
    """Start the worker machinery (a forkserver with WeasyPrint imported) ahead of the first report.

    Optional: :func:`render_pdf_parallel` starts it on first use (about 1–2 s once per process).
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=_mp_context()) as pool:
        pool.submit(_ping).result()


def default_processes() -> int:
    """Worker processes for :func:`render_pdf_parallel`: 2, or 1 on a single-core machine."""
    return max(1, min(2, os.cpu_count() or 1))
