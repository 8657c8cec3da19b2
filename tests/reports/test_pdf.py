"""PDF rendering: Chinese text, safe fetching, parallel rendering with right page numbers and contents."""

from __future__ import annotations

import http.server
import io
import re
import socket
import subprocess
import threading
from pathlib import Path

import jinja2
import pytest
from PIL import Image
from pypdf import PdfReader

from eduinnov.config import ROOT
from eduinnov.core.charts import ChartData, bar_chart
from eduinnov.reports.pdf import (
    BlockedURLError,
    PdfLayout,
    SafeURLFetcher,
    Section,
    compose_html,
    css_string,
    render_pdf,
    render_pdf_parallel,
)
from tests.reports.conftest import pdf_pages_text

STATIC = ROOT / "eduinnov" / "static"


def _doc(body: str) -> str:
    return f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'></head><body>{body}</body></html>"


def _png(path: Path) -> Path:
    Image.new("RGB", (40, 20), (0, 114, 178)).save(path)
    return path


def _image_count(pdf: bytes) -> int:
    reader = PdfReader(io.BytesIO(pdf))
    return sum(len(page.images) for page in reader.pages)


def test_chinese_text_and_chart_labels_are_extractable(tmp_path):
    chart = bar_chart(ChartData(["二〇二一级", "二〇二二级"], {"论文数量": [3, 5], "专利": [1, 2]}), title="各年级论文")
    sections = [Section(title="人才培养方案认证材料", html=f"<p>创新能力评价结果</p>{chart}")]
    layout = PdfLayout(title="认证材料", contents=False, footer_format="第 {page} 页")
    pdf = render_pdf(compose_html(sections, layout), base_url=STATIC, allowed_roots=[STATIC])
    text = "\n".join(pdf_pages_text(pdf, tmp_path))
    for expected in ("人才培养方案认证材料", "创新能力评价结果", "各年级论文", "二〇二一级", "论文数量"):
        assert expected in text
    fonts = subprocess.run(["pdffonts", str(tmp_path / "extract.pdf")], capture_output=True, text=True).stdout
    font_lines = fonts.splitlines()[2:]
    assert font_lines and all("Noto-Sans-CJK-SC" in line for line in font_lines), fonts  # footer too: no JP face
    assert all(re.search(r"\byes yes\b", line) for line in font_lines), fonts  # embedded, as a subset
    assert "第1页" in text.replace(" ", "")  # pdftotext drops the spaces between CJK and digits


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(b"")

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fetcher_embeds_nothing_from_outside_and_never_touches_the_network(tmp_path, http_server, monkeypatch):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    inside = _png(allowed / "ok.png")
    outside = _png(tmp_path / "secret.png")
    (allowed / "link.png").symlink_to(outside)
    connects = []
    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: (connects.append(addr), real_connect(self, addr))[1])

    html = _doc(
        f'<img src="{http_server}/tracker.png">'
        f'<img src="https://example.invalid/x.png">'
        '<link rel="attachment" href="file:///etc/hostname">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<img src="file:///etc/passwd">'
        f'<img src="{outside.as_uri()}">'
        '<img src="../secret.png">'           # relative path climbing out of the base folder
        '<img src="link.png">'                # symlink inside pointing outside
        '<img src="ok.png">'                  # the one allowed file
        '<img src="data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==">'
        "<p>正文</p>"
    )
    pdf = render_pdf(html, base_url=allowed, allowed_roots=[allowed])

    assert _Recorder.hits == []
    assert connects == []
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert _image_count(pdf) == 2  # ok.png and the data: URL, nothing else
    hostname = Path("/etc/hostname").read_text().strip()
    assert hostname.encode() not in pdf or len(hostname) < 4
    assert inside.exists()


def test_fetcher_allows_only_data_and_files_under_roots(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    ok = _png(root / "a.png")
    fetcher = SafeURLFetcher([root])
    assert fetcher.allowed_path(ok.as_uri()) == ok.resolve()
    for url in ("http://127.0.0.1/", "https://example.com/a.png", "ftp://x/y", "file:///etc/passwd",
                f"file://{root}/../a.png", "file://evil.example/etc/passwd", f"{root.as_uri()}/missing.png",
                "gopher://x", "javascript:alert(1)"):
        with pytest.raises(BlockedURLError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_user_strings_render_as_text(tmp_path):
    template = jinja2.Environment(autoescape=True).from_string("<p>{{ name }}</p><p>{{ note }}</p>")
    body = template.render(name="<script>alert(1)</script>", note="<img src=x>")
    sections = [Section(title="<b>标题</b> & 'quotes'", html=body)]
    layout = PdfLayout(title='恶意 "</style><script>x</script>', contents_title="目录")
    pdf = render_pdf(compose_html(sections, layout), base_url=STATIC, allowed_roots=[STATIC])
    text = "\n".join(pdf_pages_text(pdf, tmp_path))
    assert "<script>alert(1)</script>" in text
    assert "<img src=x>" in text
    assert "<b>标题</b> & 'quotes'" in text
    assert '恶意 "</style><script>x</script>' in text  # the running header, via an escaped CSS string


def test_css_string_escapes_everything_that_could_break_out():
    value = css_string('a"b\\c</style>\n中文 x')
    assert value.startswith('"') and value.endswith('"')
    inner = value[1:-1]
    assert '"' not in inner and "<" not in inner and "\n" not in inner
    assert "中文" in inner


def _long_sections() -> list[Section]:
    rows = lambda n, tag: "".join(  # noqa: E731
        f"<tr><td>{tag}-{i}</td><td>学生{i}</td><td>软件工程</td><td>{i % 100}</td></tr>" for i in range(n)
    )
    head = "<thead><tr><th>编号</th><th>姓名 学号表头</th><th>专业</th><th>得分</th></tr></thead>"
    sizes = [70, 15, 120, 40, 90, 10]
    sections = []
    for k, n in enumerate(sizes, start=1):
        sections.append(Section(title=f"第{k}章 成果", html=f"<table>{head}<tbody>{rows(n, k)}</tbody></table>"))
        if k == 2:
            sections.append(Section(title="第2章 附注", html="<p>同页小节。</p>", level=2))
    return sections


def test_parallel_render_keeps_page_numbers_contents_and_headers(tmp_path):
    sections = _long_sections()
    layout = PdfLayout(title="软件工程 认证证据包", contents_title="目录", footer_format="{page} / {pages}",
                       cover_html="<h1>封面标题</h1>")
    pdf = render_pdf_parallel(sections, layout=layout, base_url=STATIC, allowed_roots=[STATIC], processes=2)
    pages = pdf_pages_text(pdf, tmp_path)
    total = len(pages)
    assert total == len(PdfReader(io.BytesIO(pdf)).pages) and total >= 10

    # footer "X / N" on every page but the cover
    assert "封面标题" in pages[0] and f"1 / {total}" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        footer = text.strip().splitlines()[-1].strip()
        assert footer == f"{number} / {total}", (number, footer)

    # the contents list each section with the page it starts on
    contents = pages[1]
    assert "目录" in contents
    for section in sections:
        match = re.search(re.escape(section.title) + r"\s+(\d+)\s*$", contents, re.M)
        assert match, (section.title, contents)
        start = int(match.group(1))
        assert section.title in pages[start - 1]
        if section.level == 1 and start - 2 > 1:  # (page 2 is the contents itself)
            assert section.title not in pages[start - 2]  # it really starts there

    # running header: the document title and the current section, also on continuation pages
    chapter3 = int(re.search(r"第3章 成果\s+(\d+)", contents).group(1))
    continuation = pages[chapter3]  # the page after chapter 3 starts
    assert "软件工程 认证证据包" in continuation and "第3章 成果" in continuation
    # the long table repeats its header row on every page it spans
    assert "姓名 学号表头" in continuation and "3-" in continuation

    # same pages and same contents as one plain single-process render of the same document
    single = render_pdf(compose_html(sections, layout), base_url=STATIC, allowed_roots=[STATIC])
    single_pages = pdf_pages_text(single, tmp_path)
    assert len(single_pages) == total
    norm = lambda s: re.sub(r"\s+", " ", s).strip()  # noqa: E731
    assert norm(single_pages[1]) == norm(contents)
    # bookmarks for navigation survive the merge
    titles = [item.title for item in PdfReader(io.BytesIO(pdf)).outline if not isinstance(item, list)]
    assert "第1章 成果" in titles and "第6章 成果" in titles

    # one embedded program per font face, as in the single render (not one per part): the file stays small
    assert _font_programs(pdf) == _font_programs(single) == {"Noto-Sans-CJK-SC": 1, "Noto-Sans-CJK-SC-Bold": 1}
    assert len(pdf) <= 1.1 * len(single), (len(pdf), len(single))
    # and the pages look the same, pixel for pixel (the shared program holds every glyph the parts drew)
    for page in (1, 3, total):
        assert _page_png(pdf, page, tmp_path / "p") == _page_png(single, page, tmp_path / "s"), page


def _font_programs(pdf: bytes) -> dict[str, int]:
    """Font name (without the subset tag) → number of distinct embedded font programs for it."""
    reader = PdfReader(io.BytesIO(pdf))
    programs: dict[str, set[int]] = {}
    for num in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(num)
        except Exception:
            continue
        if isinstance(obj, dict) and obj.get("/Type") == "/FontDescriptor":
            key = next(k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in obj)
            programs.setdefault(str(obj["/FontName"]).split("+", 1)[1], set()).add(obj.raw_get(key).idnum)
    return {name: len(ids) for name, ids in programs.items()}


def _page_png(pdf: bytes, page: int, stem) -> bytes:
    path = stem.with_suffix(".pdf")
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-f", str(page), "-l", str(page), "-png", "-singlefile", str(path),
                    str(stem)], check=True)
    return stem.with_suffix(".png").read_bytes()


def test_parallel_render_without_cover_or_contents(tmp_path):
    sections = _long_sections()[:3]
    layout = PdfLayout(title="T", contents=False, footer_format="Page {page} of {pages}")
    pdf = render_pdf_parallel(sections, layout=layout, base_url=STATIC, allowed_roots=[STATIC], processes=2)
    pages = pdf_pages_text(pdf, tmp_path)
    assert "第1章 成果" in pages[0]
    for number, text in enumerate(pages, start=1):
        assert text.strip().splitlines()[-1].strip() == f"Page {number} of {len(pages)}"
