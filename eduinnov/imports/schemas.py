"""Row schemas of the import kinds: the columns each kind reads, their Chinese and English headers, and
how each cell is checked.

A schema turns a :class:`~eduinnov.imports.readers.Table` into :class:`Row` objects (clean values keyed by
field name) and :class:`Issue` objects naming row, column and reason. Checks that need the database
(does this student exist, is this a duplicate) are done later by :mod:`eduinnov.imports.services`.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eduinnov.achievements.models import AchievementKind
from eduinnov.core.spreadsheet import neutralise
from eduinnov.imports import validators as v
from eduinnov.imports.readers import Table, clean_header
from eduinnov.programs.models import StudentStatus


class ImportKind(enum.StrEnum):
    """What a file holds; the value is the CLI's KIND and the URL's ``<kind>``."""

    STUDENTS = "students"
    ACHIEVEMENTS = "achievements"
    PROJECTS = "projects"
    PUBLICATIONS = "publications"
    PATENTS = "patents"
    AWARDS = "awards"
    PARTNERS = "partners"
    PARTICIPATIONS = "participations"
    SCORES = "scores"


KIND_LABELS = {
    ImportKind.STUDENTS: _l("Students (roster)"),
    ImportKind.ACHIEVEMENTS: _l("Achievements of several kinds"),
    ImportKind.PROJECTS: _l("Innovation and entrepreneurship training projects"),
    ImportKind.PUBLICATIONS: _l("Publications (BibTeX, RIS or spreadsheet)"),
    ImportKind.PATENTS: _l("Patents"),
    ImportKind.AWARDS: _l("Competition awards"),
    ImportKind.PARTNERS: _l("IUR partner organisations"),
    ImportKind.PARTICIPATIONS: _l("IUR participations (placements, joint projects, exchanges)"),
    ImportKind.SCORES: _l("Manual indicator scores (expert or survey ratings)"),
}
KIND_HELP = {
    ImportKind.STUDENTS: _l("One row per student. Existing students (same number) are updated; a cohort that "
                            "does not exist yet is opened only when a director or administrator imports."),
    ImportKind.ACHIEVEMENTS: _l("One row per achievement, the kind in the column 类型 / kind (project, "
                                "publication, patent, award). Use the kind's own columns."),
    ImportKind.PROJECTS: _l("大创 and other training projects: one row per project."),
    ImportKind.PUBLICATIONS: _l("BibTeX or RIS exported from Web of Science, Scopus, CNKI, Zotero or EndNote, "
                                "or a spreadsheet. Authors are matched to the program's students by name "
                                "(Chinese or pinyin) or student number; you resolve the others."),
    ImportKind.PATENTS: _l("One row per patent application; the application number's check digit is verified."),
    ImportKind.AWARDS: _l("One row per award in a competition."),
    ImportKind.PARTNERS: _l("One row per partner organisation (directors only). Same name: the row updates it."),
    ImportKind.PARTICIPATIONS: _l("One row per student placement, joint project or exchange with a partner."),
    ImportKind.SCORES: _l("One row per rating of a student (学号) or of a cohort (年级)."),
}
ACHIEVEMENT_KIND_OF = {
    ImportKind.PROJECTS: AchievementKind.PROJECT,
    ImportKind.PUBLICATIONS: AchievementKind.PUBLICATION,
    ImportKind.PATENTS: AchievementKind.PATENT,
    ImportKind.AWARDS: AchievementKind.AWARD,
}
ACHIEVEMENT_KINDS = v.Vocabulary(AchievementKind, {
    AchievementKind.PROJECT: ("项目", "project", "大创项目", "创新创业训练项目", "大创"),
    AchievementKind.PUBLICATION: ("论文", "publication", "paper", "文章"),
    AchievementKind.PATENT: ("专利", "patent"),
    AchievementKind.AWARD: ("竞赛获奖", "award", "获奖", "竞赛"),
})
STUDENT_STATUSES = v.Vocabulary(StudentStatus, {
    StudentStatus.ENROLLED: ("在读", "enrolled", "在籍", "在校"),
    StudentStatus.SUSPENDED: ("休学", "suspended"),
    StudentStatus.GRADUATED: ("毕业", "graduated", "已毕业"),
    StudentStatus.WITHDRAWN: ("退学", "withdrawn", "转出"),
})


def _text(limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = v.normalise_text(value)
        if len(text) > limit:
            raise v.CellError(_("At most %(n)d characters (this has %(m)d).", n=limit, m=len(text)))
        return text
    return parse


def _student_no(value: Any) -> str:
    text = v.normalise_text(value).lstrip("'").replace(" ", "")
    if len(text) > 32 or not text.isalnum():
        raise v.CellError(_("“%(value)s” is not a student number (letters and digits, at most 32).", value=text))
    return text


def _patent_number(value: Any) -> tuple[str, Any]:
    return v.parse_patent_application(value)


@dataclass(frozen=True)
class Column:
    """One column of a schema: field name, headers (Chinese, English, variants), checker and help."""

    name: str
    zh: str
    en: str
    parse: Callable[[Any], Any]
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: Any = ""
    example: str = ""

    @property
    def keys(self) -> set[str]:
        return {clean_header(h) for h in (self.zh, self.en, self.name, *self.aliases)}

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass
class Issue:
    """A problem (or a note) located as the teacher finds it: sheet row number, column header, reason."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("Row %(row)d, column %(column)s: %(reason)s", row=self.row, column=self.column,
                     reason=self.reason)
        if self.row is not None:
            return _("Row %(row)d: %(reason)s", row=self.row, reason=self.reason)
        if self.column:
            return _("Column %(column)s: %(reason)s", column=self.column, reason=self.reason)
        return self.reason


@dataclass
class Row:
    """One data row: its sheet row number, clean values by field name, and the header used per field."""

    row: int
    values: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str | None:
        return self.columns.get(name)


@dataclass
class Schema:
    """The columns of one import kind."""

    kind: ImportKind
    columns: tuple[Column, ...]
    one_of: tuple[tuple[str, ...], ...] = ()   # groups of which at least one column must be present

    def known_headers(self) -> set[str]:
        return set().union(*(c.keys for c in self.columns))

    def map_headers(self, headers: list[str]) -> tuple[dict[str, str], list[str]]:
        """Field name → header as written in the file; and the headers that match no column."""
        mapping: dict[str, str] = {}
        unknown: list[str] = []
        for header in headers:
            key = clean_header(header)
            if not key:
                continue
            column = next((c for c in self.columns if key in c.keys and c.name not in mapping), None)
            if column is None:
                unknown.append(header)
            else:
                mapping[column.name] = header
        return mapping, unknown

    def parse(self, table: Table, partial: list[Row] | None = None) -> tuple[list[Row], list[Issue], list[Issue]]:
        """Check every cell of ``table``.

        Returns
        -------
        (rows, errors, warnings)
            Rows with at least one error are left out of ``rows`` (and added to ``partial`` if given, with
            their bad cells as None, so that their other cells can still be checked against the database);
            a missing required column is one error for the whole file.
        """
        errors: list[Issue] = []
        warnings: list[Issue] = []
        mapping, unknown = self.map_headers(table.headers)
        if unknown:
            warnings.append(Issue(table.header_row, None, _("These columns are not used and were ignored: %(cols)s.",
                                                            cols=", ".join(unknown))))
        for column in self.columns:
            if column.required and column.name not in mapping:
                errors.append(Issue(None, column.label, _("This column is missing (header row %(row)d has: %(found)s).",
                                                          row=table.header_row,
                                                          found=", ".join(h for h in table.headers if h) or "—")))
        for group in self.one_of:
            if not any(name in mapping for name in group):
                labels = " / ".join(self.column(n).label for n in group)
                errors.append(Issue(None, labels, _("One of these columns is needed.")))
        if errors:
            return [], errors, warnings
        if table.formula_cells:
            warnings.append(Issue(None, None, _("%(n)d cells hold formulas: the values Excel last saved were read; "
                                                "no formula was run.", n=table.formula_cells)))
        header_of = {c.name: mapping[c.name] for c in self.columns if c.name in mapping}
        rows: list[Row] = []
        present = [c for c in self.columns if c.name in mapping]
        frame = table.frame
        cols = {c.name: frame[mapping[c.name]].tolist() for c in present}
        for i, row_number in enumerate(frame.index.tolist()):
            values: dict[str, Any] = {}
            ok = True
            for column in present:
                raw = cols[column.name][i]
                if raw is None or (isinstance(raw, str) and raw == ""):
                    if column.required:
                        errors.append(Issue(row_number, mapping[column.name], _("This cell is empty.")))
                        ok = False
                    values[column.name] = None
                    continue
                try:
                    values[column.name] = column.parse(raw)
                except v.CellError as exc:
                    errors.append(Issue(row_number, mapping[column.name], str(exc)))
                    ok = False
            if ok:
                rows.append(Row(row_number, values, header_of))
            elif partial is not None:
                partial.append(Row(row_number, values, header_of))
        if not rows and not errors:
            errors.append(Issue(None, None, _("The file has a header but no data rows.")))
        return rows, errors, warnings

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def template_csv(self, lang: str = "zh") -> bytes:
        """A blank CSV template: the header row only, UTF-8 with BOM (Excel opens it correctly)."""
        buf = io.StringIO()
        csv.writer(buf).writerow([neutralise(c.zh if lang == "zh" else c.en) for c in self.columns])
        return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")

    def template_xlsx(self, lang: str = "zh") -> bytes:
        """A blank XLSX template: the header row (text-formatted cells) and a second sheet explaining each column."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "导入 import"
        ws.append([neutralise(c.zh if lang == "zh" else c.en) for c in self.columns])
        for i in range(1, len(self.columns) + 1):
            cell = ws.cell(row=1, column=i)
            cell.font = Font(bold=True)
            ws.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) * 2 + 2)
            for r in range(2, 202):  # student numbers stay text (no 2.021E+09)
                ws.cell(row=r, column=i).number_format = "@"
        ws.freeze_panes = "A2"
        help_sheet = wb.create_sheet("说明 help")
        help_sheet.append([_("Column (Chinese)"), _("Column (English)"), _("Required"), _("What to write"),
                           _("Example")])
        for column in self.columns:
            help_sheet.append([neutralise(v) for v in (column.zh, column.en, _("yes") if column.required else _("no"),
                                                        str(column.help), column.example)])
        for letter, width in zip("ABCDE", (16, 18, 10, 70, 24), strict=True):
            help_sheet.column_dimensions[letter].width = width
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


# --- the schemas ----------------------------------------------------------------------------------------

STUDENT_NO = Column("student_no", "学号", "student_no", _student_no, True,
                    ("学生学号", "学籍号", "學號", "學生學號", "student number", "student id", "studentid"),
                    _l("The student number; it identifies the student across imports."), "2023051001")
_STUDENTS_COL = Column(
    "students", "学生", "students", _text(2000), True,
    ("参与学生", "学生名单", "成员", "项目成员", "作者", "发明人", "获奖学生", "学生学号", "参赛学生", "participants", "members"),
    _l("The program's students named on it, in order, separated by ; or 、 — a name, a student number or "
       "both as 张伟(2023051001). The first is the leader of a project or award."),
    "张伟(2023051001); 李娜",
)
_TITLE = Column("title", "题目", "title", _text(500), True,
                ("名称", "项目名称", "论文题目", "专利名称", "作品名称", "获奖作品", "成果名称", "篇名"),
                _l("The title as it appears on the certificate or the paper."), "基于深度学习的作物病害识别")
_YEAR = Column("year", "年份", "year", v.parse_year, False, ("年度", "立项年份", "获奖年份", "发表年份", "申请年份"),
               _l("The year (1950–2100); if empty, taken from the start, application or award date."), "2023")
_SUPERVISOR = Column("supervisor", "指导教师", "supervisor", _text(254), False, ("导师", "指导老师", "advisor"),
                     _l("A teacher of the program: name or e-mail address of the account."), "王老师")
_DESCRIPTION = Column("description", "简介", "description", _text(5000), False, ("备注", "说明", "摘要", "notes"),
                      _l("Free text."), "")

_PROJECT_COLUMNS = (
    Column("level", "级别", "level", v.LEVELS.parse, False, ("项目级别", "获奖级别", "等级级别"),
           _l("国家级 / national, 省级 / provincial, 校级 / university (awards also 国际级 / international)."), "国家级"),
    Column("project_type", "项目类型", "project_type", v.PROJECT_TYPES.parse, False, ("类别", "project type"),
           _l("创新训练 / innovation training, 创业训练 / entrepreneurship training, 创业实践 / entrepreneurship practice."),
           "创新训练"),
    Column("project_status", "项目状态", "project_status", v.PROJECT_STATUSES.parse, False, ("状态", "project status"),
           _l("立项 / approved, 在研 / in progress, 结题 / concluded."), "结题"),
    Column("project_number", "项目编号", "project_number", _text(64), False, ("立项编号", "project number"),
           _l("The number given at approval."), "202310001001"),
    Column("start_date", "开始日期", "start_date", v.parse_date, False, ("立项日期", "立项时间", "start date"),
           _l("2023-05-06, 2023/5/6, 2023.5.6 or 2023年5月6日."), "2023-05-06"),
    Column("end_date", "结束日期", "end_date", v.parse_date, False, ("结题日期", "结题时间", "end date"),
           _l("As the start date."), "2024-06-30"),
    Column("funding", "经费", "funding", v.parse_decimal_text, False, ("资助经费", "经费(元)", "funding"),
           _l("Amount in yuan: 5000 or 0.5万."), "5000"),
)
_PUBLICATION_COLUMNS = (
    Column("venue", "期刊", "venue", _text(300), False,
           ("期刊名称", "发表期刊", "刊物名称", "会议名称", "期刊/会议", "来源", "journal", "source", "conference"),
           _l("Journal or conference."), "计算机工程与应用"),
    Column("doi", "DOI", "doi", v.parse_doi, False, ("doi号",), _l("10.xxxx/… (a https://doi.org/ link is fine)."),
           "10.3778/j.issn.1002-8331.2301-0001"),
    Column("indexing", "收录", "indexing", v.INDEXING.parse, False, ("收录类型", "收录情况", "检索", "期刊级别", "indexed in"),
           _l("SCI, SSCI, EI, CSSCI, 北大核心 / PKU core, CSCD, 其他 / other."), "北大核心"),
    Column("jcr_quartile", "JCR分区", "jcr_quartile", v.JCR_QUARTILES.parse, False, ("JCR", "JCR quartile"),
           _l("Optional: Q1–Q4."), "Q2"),
    Column("cas_zone", "中科院分区", "cas_zone", v.CAS_ZONES.parse, False, ("中科院", "CAS zone", "分区"),
           _l("Optional: 一区–四区 (1–4)."), "二区"),
)
_PATENT_COLUMNS = (
    Column("patent_type", "专利类型", "patent_type", v.PATENT_TYPES.parse, False, ("类型", "patent type"),
           _l("发明 / invention, 实用新型 / utility model, 外观设计 / design; if empty, read from the number."), "发明"),
    Column("patent_status", "专利状态", "patent_status", v.PATENT_STATUSES.parse, False, ("法律状态", "状态", "patent status"),
           _l("已受理 / applied, 已授权 / granted."), "已授权"),
    Column("application_number", "申请号", "application_number", _patent_number, False,
           ("专利申请号", "专利号", "application number"),
           _l("201710601862.3 (CN / ZL prefixes and spaces are fine); the check digit is verified."), "201710601862.3"),
    Column("application_date", "申请日期", "application_date", v.parse_date, False, ("申请日", "application date"),
           _l("Date of filing."), "2017-07-20"),
    Column("grant_number", "授权号", "grant_number", _text(32), False, ("授权公告号", "grant number"),
           _l("Only for granted patents: the grant publication number, e.g. CN107123456B."), "CN107123456B"),
    Column("grant_date", "授权日期", "grant_date", v.parse_date, False, ("授权公告日", "授权日", "grant date"),
           _l("Only for granted patents."), "2019-03-01"),
)
_AWARD_COLUMNS = (
    Column("competition", "竞赛名称", "competition", _text(300), False, ("赛事名称", "比赛名称", "竞赛"),
           _l("The competition and its edition."), "第九届中国国际“互联网+”大学生创新创业大赛"),
    Column("prize_rank", "奖项", "prize_rank", v.PRIZE_RANKS.parse, False, ("获奖等级", "奖励等级", "名次", "prize"),
           _l("特等奖, 一等奖, 二等奖, 三等奖, 优秀奖 (or金奖/银奖/铜奖; grand, first, second, third, honourable)."), "一等奖"),
    Column("award_date", "获奖日期", "award_date", v.parse_date, False, ("获奖时间", "award date"),
           _l("Date on the certificate."), "2023年10月15日"),
)


def _level_for(kind: ImportKind) -> tuple[Column, ...]:
    return tuple(c for c in _PROJECT_COLUMNS if c.name == "level")


SCHEMAS: dict[ImportKind, Schema] = {
    ImportKind.STUDENTS: Schema(ImportKind.STUDENTS, (
        STUDENT_NO,
        Column("name", "姓名", "name", _text(120), True, ("学生姓名", "學生姓名", "student name"), _l("Full name."),
               "张伟"),
        Column("entry_year", "入学年份", "entry_year", v.parse_year, True,
               ("入学年度", "年级", "入学年", "届", "入學年份", "入學年度", "年級", "entry year", "cohort"),
               _l("The cohort's entry year, e.g. 2023 (2023级 is fine)."), "2023"),
        Column("email", "邮箱", "email", v.parse_email, False, ("电子邮箱", "郵箱", "電子郵箱", "e-mail", "邮件", "mail"),
               _l("Optional."), "zhangwei@stu.example.edu.cn"),
        Column("status", "状态", "status", STUDENT_STATUSES.parse, False, ("学籍状态", "status"),
               _l("在读 / enrolled, 休学 / suspended, 毕业 / graduated, 退学 / withdrawn; empty: enrolled for new students."),
               "在读"),
    )),
    ImportKind.ACHIEVEMENTS: Schema(ImportKind.ACHIEVEMENTS, (
        Column("kind", "类型", "kind", ACHIEVEMENT_KINDS.parse, True, ("成果类型", "achievement kind"),
               _l("项目 / project, 论文 / publication, 专利 / patent, 竞赛获奖 / award."), "项目"),
        _TITLE, _YEAR, _STUDENTS_COL, *_PROJECT_COLUMNS, *_PUBLICATION_COLUMNS,
        *(c for c in _PATENT_COLUMNS if c.name != "patent_type"),
        Column("patent_type", "专利类型", "patent_type", v.PATENT_TYPES.parse, False, ("patent type",),
               _PATENT_COLUMNS[0].help, "发明"),
        *_AWARD_COLUMNS, _SUPERVISOR, _DESCRIPTION,
    )),
    ImportKind.PROJECTS: Schema(ImportKind.PROJECTS, (_TITLE, _YEAR, _STUDENTS_COL, *_PROJECT_COLUMNS, _SUPERVISOR,
                                                      _DESCRIPTION)),
    ImportKind.PATENTS: Schema(ImportKind.PATENTS, (_TITLE, _YEAR, _STUDENTS_COL, *_PATENT_COLUMNS, _SUPERVISOR,
                                                    _DESCRIPTION)),
    ImportKind.AWARDS: Schema(ImportKind.AWARDS, (_TITLE, _YEAR, _STUDENTS_COL, *_AWARD_COLUMNS, *_level_for(ImportKind.AWARDS),
                                                  _SUPERVISOR, _DESCRIPTION)),
    ImportKind.PUBLICATIONS: Schema(ImportKind.PUBLICATIONS, (
        _TITLE,
        Column("authors", "作者", "authors", _text(4000), True, ("全部作者", "作者列表", "author", "authors list"),
               _l("All authors in order, separated by ; — students are matched by name (Chinese or pinyin) or "
                  "by a student number in brackets; teachers and other authors are left out."),
               "张伟(2023051001); Li Na; 王老师"),
        Column("year", "年份", "year", v.parse_year, True, ("发表年份", "年度", "出版年"),
               _l("Year of publication (1950–2100)."), "2023"),
        *_PUBLICATION_COLUMNS, _DESCRIPTION,
    )),
    ImportKind.PARTNERS: Schema(ImportKind.PARTNERS, (
        Column("name_zh", "单位名称", "name_zh", _text(200), True, ("名称", "合作单位", "中文名称", "name"),
               _l("Name in Chinese; it identifies the partner within the program."), "华为技术有限公司"),
        Column("name_en", "英文名称", "name_en", _text(200), False, ("english name",), _l("Optional."), "Huawei"),
        Column("kind", "单位类型", "kind", v.PARTNER_KINDS.parse, True, ("类型", "type", "partner kind"),
               _l("企业 / enterprise, 科研院所 / research institute, 医院 / hospital, 政府机构 / government agency, "
                  "境外高校 / foreign university, 其他 / other."), "企业"),
        Column("city", "城市", "city", _text(100), False, ("所在地", "地区"), _l("Optional."), "深圳"),
        Column("contact_name", "联系人", "contact_name", _text(100), False, ("contact",), _l("Optional."), "李经理"),
        Column("contact_email", "联系邮箱", "contact_email", v.parse_email, False, ("邮箱", "contact e-mail"),
               _l("Optional."), "li@example.com"),
        Column("description", "简介", "description", _text(5000), False, ("合作内容", "备注"), _l("Optional."), ""),
    )),
    ImportKind.PARTICIPATIONS: Schema(ImportKind.PARTICIPATIONS, (
        STUDENT_NO,
        Column("name", "姓名", "name", _text(120), False, ("学生姓名",),
               _l("Optional; when given it must match the student number."), "张伟"),
        Column("partner", "合作单位", "partner", _text(200), True, ("单位名称", "实习单位", "partner organisation"),
               _l("A partner organisation of the program (Chinese or English name)."), "华为技术有限公司"),
        Column("kind", "类型", "kind", v.PARTICIPATION_KINDS.parse, True, ("参与类型", "participation kind"),
               _l("实习 / placement, 联合项目 / joint project, 交流 / exchange."), "实习"),
        Column("title", "题目", "title", _text(200), True, ("内容", "项目名称", "实习岗位"),
               _l("The placement's post or the project's title."), "软件测试实习"),
        Column("start_date", "开始日期", "start_date", v.parse_date, False, ("起始日期", "start date"), _l("Optional."),
               "2023-07-01"),
        Column("end_date", "结束日期", "end_date", v.parse_date, False, ("截止日期", "end date"), _l("Optional."),
               "2023-08-31"),
    )),
    ImportKind.SCORES: Schema(ImportKind.SCORES, (
        Column("metric_key", "评分项", "metric_key", _text(64), True, ("指标", "评分键", "key", "rating key"),
               _l("The rating key used by the evaluation model's manual-score indicator, e.g. expert_rating."),
               "expert_rating"),
        Column("student_no", "学号", "student_no", _student_no, False, ("学生学号", "student number"),
               _l("Rate a student: their number. Leave empty to rate a cohort."), "2023051001"),
        Column("entry_year", "年级", "entry_year", v.parse_year, False, ("入学年份", "cohort", "entry year"),
               _l("Rate a cohort: its entry year (leave the student number empty)."), ""),
        Column("value", "分值", "value", v.parse_float, True, ("评分", "得分", "分数", "score"),
               _l("A number (85, 0.85 or 85%)."), "85"),
        Column("note", "备注", "note", _text(2000), False, ("说明", "comment"), _l("Optional."), "专家组评议"),
    ), one_of=(("student_no", "entry_year"),)),
}


def schema_for(kind: ImportKind) -> Schema:
    """The row schema of ``kind``."""
    return SCHEMAS[ImportKind(kind)]
