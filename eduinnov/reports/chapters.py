"""The self-evaluation report's chapters, in the order of the program's accreditation standard.

:func:`build_document` turns a stored pack payload into a :class:`~eduinnov.reports.document.Document`:
one chapter per entry of ``payload["structure"]["chapters"]`` (see :mod:`eduinnov.reports.standards`),
each filled by the builder of its content kind from the snapshot's data, with clearly marked
"to be written" placeholders where only the program's prose can serve. Call under
``force_locale(payload["lang"])``.

Students are shown as distributions, shares and anonymised examples; names appear only in the evidence
appendix (achievements name their students) and in a named ranking a director opted into for the pack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from eduinnov.core.charts import ChartData, bin_values
from eduinnov.reports.document import (
    Block,
    Chart,
    DocSection,
    Document,
    Evidence,
    Facts,
    Fingerprint,
    Paragraph,
    Placeholder,
    Table,
)

__all__ = ["build_document", "chapter_heading", "fixed", "pct"]

Payload = Mapping[str, Any]


def fixed(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _verdict(flag: bool | None) -> str:
    if flag is None:
        return "—"
    return "✓ " + _("achieved") if flag else "✗ " + _("not achieved")


def chapter_heading(chapter: Mapping[str, Any]) -> str:
    """"5 Curriculum", "附录A 评价模型", or the bare title of an unnumbered chapter."""
    return f'{chapter["number"]} {chapter["title"]}' if chapter.get("number") else chapter["title"]


class _Builder:
    def __init__(self, p: Payload, image_files: Mapping[int, Path]):
        self.p = p
        self.image_files = image_files
        self.sections: list[DocSection] = []
        self.taken = _("Data snapshot taken %(when)s", when=p["taken_at_display"])

    # -- helpers ---------------------------------------------------------------------------------------
    def section(self, title: str, blocks: list[Block], *, level: int = 2, new_page: bool = False) -> None:
        self.sections.append(DocSection(title, blocks, level=level, new_page=new_page))

    def source(self, what: str) -> Paragraph:
        label = _("Source")
        return Paragraph(f"{label}: {what} · {self.taken}", "source")

    def source_framework(self) -> Paragraph:
        fw = self.p["framework"]
        version = _("Framework %(v)s", v=fw["version"])
        return self.source(f'{version} · {fw["title"]} ({fw["status"]})')

    def source_obe(self) -> Paragraph:
        obe = self.p["obe"]
        return self.source(" · ".join([
            _("OBE achievement computation") + f' ({obe["reference"]})', _("Framework %(v)s", v=obe["framework_version"]),
            _("program rule: %(rule)s", rule=obe["rule_label"]), _("both rules shown"),
            *([_("course objectives: %(rule)s", rule=obe["objective_rule_label"])]
              if obe.get("objective_rule_label") else []),  # packs taken before the setting existed have none
            _("threshold %(t)s", t=fixed(obe["threshold"], 2))]))

    def source_run(self) -> Paragraph:
        ev = self.p["evaluation"]
        return self.source(" · ".join([
            _("Evaluation run #%(id)s", id=ev["run_id"]), f'{ev["model_name"]} v{ev["model_version"]}',
            _("Weighting") + ": " + (", ".join(ev["weighting_methods"]) or "—"),
            _("How their scores are combined") + ": " + (", ".join(ev["aggregation_methods"]) or "—"),
            _("run on %(when)s", when=ev["created_at_display"])]))

    def no_framework(self) -> list[Block]:
        return [Paragraph(_("This cohort’s program has no framework version yet."), "empty")]

    # -- chapters --------------------------------------------------------------------------------------
    def overview(self) -> list[Block]:
        p, fw = self.p, self.p["framework"]
        rows = [(_("Program"), f'{p["program"]["name"]} ({p["program"]["code"]})'),
                (_("Degree"), p["program"]["degree"]),
                (_("Cohort"), p["cohort"]["name"] + " · " + _("%(n)d students", n=p["cohort"]["students"])),
                (_("Accreditation standard"), p["structure"]["name"])]
        if fw is not None:
            c = fw["counts"]
            rows.append((_("Frameworks"), f'{fw["version"]} · {fw["title"]} · ' + _(
                "%(r)d graduation requirements, %(p)d indicator points, %(c)d courses, %(m)d modules",
                r=c["requirements"], p=c["points"], c=c["courses"], m=c["modules"])))
        if p["curriculum"] is not None:
            rows.append((_("Total credits"), fixed(p["curriculum"]["credit_structure"]["total"], 1)))
        rows.append((_("IUR partner organisations"), str(len(p["partners"]))))
        return [self.source(_("Program, cohort and framework records")), Facts(rows),
                Placeholder(_("History of the program, its place in the university and the discipline, "
                              "and its particular strengths (to be written by the program)."))]

    def students(self) -> list[Block]:
        p = self.p
        s = p["achievement_summary"]
        n = p["cohort"]["students"]
        blocks: list[Block] = [
            self.source(_("Verified achievements naming students of this cohort")),
            Table([_("Kind"), _("Verified")], [[k["label"], str(k["count"])] for k in s["by_kind"]]
                  + [[_("Total"), str(s["total"])]], numeric=frozenset({1}), caption=_("Verified achievements")),
            Paragraph(_("Students with at least one verified achievement: %(k)d of %(n)d (%(share)s).",
                        k=s["students_with_achievement"], n=n,
                        share=pct(s["students_with_achievement"] / n if n else None))),
            Placeholder(_("Admission and intake quality, guidance and counselling, tracking of each "
                          "student's progress, and the transfer and credit-recognition rules (to be written).")),
        ]
        self.section_after = self._evaluation_sections()
        return blocks

    def _evaluation_sections(self) -> list[DocSection]:
        ev = self.p["evaluation"]
        title = _("Innovation-ability evaluation")
        if ev is None:
            return [DocSection(title, [Paragraph(_("No evaluation run was chosen for this pack: this cohort has "
                                                   "no stored evaluation run."), "empty")], level=2, new_page=False)]
        student = ev["unit"] == "student"
        blocks: list[Block] = [self.source_run(), Facts([
            (_("Model"), f'{ev["model_name"]} v{ev["model_version"]}'),
            (_("Unit of evaluation"), f'{ev["unit_label"]} · {ev["target"]}'),
            (_("Run"), f'#{ev["run_id"]} · {ev["created_at_display"]}'),
            (_("Mean score"), fixed(ev["summary"]["mean"]) + " (" + _("Grade of the mean") + ": "
                              + str(ev["summary"]["mean_grade"]) + ") · "
                              + (_("Number of students") if student else _("Count")) + f': {ev["summary"]["n"]}'),
            (_("Run fingerprint"), ev["fingerprint"] or "—"),
        ])]
        if ev.get("legend"):
            blocks.append(Paragraph(_("Grade rule") + f': {ev["legend"]["text"]} {ev["legend"]["score_text"]}', "note"))
        blocks += [Paragraph(w, "warning") for w in ev["warnings"]]
        total = sum(g["count"] for g in ev["grades"])
        grades = ChartData([g["name"] for g in ev["grades"]],
                           {(_("Number of students") if student else _("Count")): [g["count"] for g in ev["grades"]]},
                           label_header=_("Grade"))
        blocks.append(Chart("bar", grades, _("Grade distribution"), y_label=_("Count"), height=260))
        blocks.append(Table([_("Grade"), _("Count"), _("Share")],
                            [[g["name"], str(g["count"]), pct(g["count"] / total if total else None)] for g in ev["grades"]],
                            numeric=frozenset({1, 2}), caption=_("Grade distribution")))
        first = ev["first_level"]
        means = ev.get("first_level_means") or []
        if len(first) >= 3 and any(m is not None for m in means):
            radar = ChartData([f["name"] for f in first], {_("Mean score"): means}, label_header=_("Indicator"),
                              decimals=3)
            blocks.append(Chart("radar", radar, _("First-level indicators (mean score)"), max_value=1.0, width=480))
        scores = [v for v in ev.get("scores", []) if v is not None]
        if student and len(scores) >= 5:
            binned = bin_values(scores, bins=[0, 0.2, 0.4, 0.6, 0.8, 1.0], series_name=_("Number of students"),
                                label_header=_("Score"), decimals=1)
            blocks.append(Chart("histogram", binned, _("Score distribution"), y_label=_("Count")))
        elif ev["results"]:
            data = ChartData([r["label"] for r in ev["results"]], {_("Score"): [r["score"] for r in ev["results"]]},
                             label_header=_("Cohort"), decimals=3)
            blocks.append(Chart("hbar", data, _("Score"), min_value=0, max_value=1))
        sections = [DocSection(title, blocks, level=2, new_page=True)]
        if student and ev.get("examples"):
            header = [_("Example"), _("Score"), _("Grade"), *[f["code"] for f in first]]
            rows = [[e["label"], fixed(e["score"]), e["grade"], *[fixed(v) for v in e["first_level"]]]
                    for e in ev["examples"]]
            sections.append(DocSection(_("Anonymised examples"), [
                self.source_run(),
                Paragraph(_("Students are not named in this report: the highest, median and lowest results "
                            "stand for the cohort.")),
                Table(header, rows, numeric=frozenset(range(1, len(header))) - {2}),
                Paragraph(" · ".join(f'{f["code"]}: {f["name"]}' for f in first), "note"),
            ], level=2, new_page=False))
        elif ev["results"]:
            sections.append(DocSection(_("Ranking"), [self.source_run(), self._ranking_table(ev["results"])],
                                       level=2, new_page=False))
        return sections

    def _ranking_table(self, rows: list[Mapping[str, Any]]) -> Table:
        ev = self.p["evaluation"]
        header = [_("Rank"), _("Student") if ev["unit"] == "student" else _("Cohort"), _("Score"), _("Grade"),
                  *[f["code"] for f in ev["first_level"]]]
        body = [[str(r["rank"]), r["label"], fixed(r["score"]), r["grade"], *[fixed(v) for v in r["first_level"]]]
                for r in rows]
        return Table(header, body, numeric=frozenset({0, 2, *range(4, len(header))}), small=True,
                     highlight=frozenset(i for i, r in enumerate(rows) if r.get("is_this_cohort")))

    def objectives(self) -> list[Block]:
        o = self.p["objectives"]
        blocks: list[Block] = [
            Placeholder(_("The program educational objectives as published, how they fit the university's "
                          "mission and society's needs, and who took part in their last review (to be written).")),
            self.source(_("Framework versions of the program (each revision of the cultivation framework)")),
            Table([_("Version"), _("Title"), _("Status"), _("Entry year"), _("Activated"), _("Archived"), _("Notes")],
                  [[v["version"], v["title"], v["status"], str(v["entry_year"] or "—"), v["activated_at"] or "—",
                    v["archived_at"] or "—", v["notes"] or ""] for v in o["versions"]], small=True,
                  caption=_("Reviews and revisions of the cultivation framework")),
        ]
        if o["surveys"]:
            blocks += [self.source(_("Survey results of this cohort (indirect evaluation)")),
                       Table([_("Source"), _("Indicator point"), _("Value"), _("Respondents"), _("Year")],
                             [[r["source"], r["point"], fixed(r["value"]), str(r["respondents"] or "—"),
                               str(r["year"] or "—")] for r in o["surveys"]], numeric=frozenset({2, 3}))]
        else:
            blocks.append(Paragraph(_("No survey results for this cohort yet."), "empty"))
        return blocks

    def requirements(self) -> list[Block]:
        fw, obe = self.p["framework"], self.p["obe"]
        if fw is None:
            return self.no_framework()
        blocks: list[Block] = [self.source_framework()]
        for req in fw["requirements"]:
            blocks.append(Paragraph(_("Graduation requirement %(number)d", number=req["number"]) + f' {req["title"]}',
                                    "body"))
            if req["points"]:
                blocks.append(Table([_("Indicator point"), _("Description"), _("Supporting courses")],
                                    [[pt["code"], pt["description"], ", ".join(pt["courses"]) or "—"]
                                     for pt in req["points"]], small=True))
        if not fw["requirements"]:
            blocks.append(Paragraph(_("No graduation requirements yet."), "empty"))
        self.section_after = [DocSection(_("Graduation requirement achievement"), self._obe_blocks(obe), level=2)]
        return blocks

    def _obe_blocks(self, obe: Mapping[str, Any] | None) -> list[Block]:
        if obe is None:
            return self.no_framework()
        if not obe["has_values"]:
            return [self.source_obe(), Paragraph(_("No achievement degrees yet: no course of this cohort has scores."),
                                                 "empty")]
        reqs = obe["requirements"]
        data = ChartData([f'GR{r["number"]}' for r in reqs],
                         {_("Weighted sum"): [r["weighted_sum"] for r in reqs],
                          _("Minimum over supporting courses"): [r["minimum"] for r in reqs]},
                         label_header=_("Graduation requirement"), decimals=3)
        blocks: list[Block] = [self.source_obe(), Chart(
            "bar", data, _("Graduation requirement achievement"), y_label=_("Achievement"), min_value=0, max_value=1,
            threshold=obe["threshold"], threshold_label=_("threshold %(t)s", t=fixed(obe["threshold"], 2)),
            width=640, height=300)]
        sensitive = [f'GR{r["number"]}' for r in reqs if r["rule_changes_verdict"]]
        if sensitive:
            blocks.append(Paragraph(_("The verdict depends on the aggregation rule for:") + " " + ", ".join(sensitive),
                                    "warning"))
        share_key = "share_weighted_sum" if obe["rule"] == "weighted_sum" else "share_minimum"
        blocks.append(Table(
            [_("Graduation requirement"), _("Weighted sum"), _("Verdict"), _("Minimum"), _("Verdict"),
             _("rule changes verdict"), _("Students ≥ threshold")],
            [[f'GR{r["number"]} {r["title"]}', fixed(r["weighted_sum"]), _verdict(r["achieved_weighted_sum"]),
              fixed(r["minimum"]), _verdict(r["achieved_minimum"]), _("Yes") if r["rule_changes_verdict"] else "—",
              pct(r[share_key])] for r in reqs],
            caption=_("Graduation requirement achievement"), numeric=frozenset({1, 3, 6}),
            highlight=frozenset(i for i, r in enumerate(reqs) if r["rule_changes_verdict"])))
        blocks.append(Table(
            [_("Indicator point"), _("Weighted sum"), _("Minimum"), _("Supporting courses (normalised weight: value)")],
            [[pt["code"], fixed(pt["weighted_sum"]), fixed(pt["minimum"]),
              "; ".join(f'{c["code"]} ({fixed(c["weight"], 2)}: {fixed(c["value"])})' for c in pt["courses"]) or "—"]
             for r in reqs for pt in r["points"]], caption=_("Indicator points"), numeric=frozenset({1, 2}), small=True))
        if obe["courses_without_scores"]:
            blocks.append(Paragraph(_("Courses without scores (not counted): %(codes)s",
                                      codes=", ".join(obe["courses_without_scores"])), "note"))
        return blocks

    def improvement(self) -> list[Block]:
        records = self.p["improvements"]
        blocks: list[Block] = [self.source(_("Improvement records of the framework version (this cohort and all cohorts)"))]
        if records:
            blocks.append(Table(
                [_("Cycle"), _("Target"), _("Achievement"), _("Analysis"), _("Measure"), _("Responsible"), _("Status"),
                 _("Result in the next cycle")],
                [[str(r["cycle_year"]), r["target"] or "", fixed(r["achievement_value"]), r["analysis"] or "",
                  r["measure"] or "", r["responsible"] or "", r["status"], r["next_cycle_result"] or "—"]
                 for r in records], small=True, numeric=frozenset({2})))
        else:
            blocks.append(Paragraph(_("No improvement records yet."), "empty"))
        blocks.append(Placeholder(_("The internal monitoring mechanism (course and graduation-requirement evaluation "
                                    "cycles, graduate tracking, employer feedback) and how its results lead to "
                                    "changes (to be written).")))
        return blocks

    def curriculum(self) -> list[Block]:
        cur, fw = self.p["curriculum"], self.p["framework"]
        if cur is None or fw is None:
            return self.no_framework()
        cs = cur["credit_structure"]
        checked = any(r["minimum"] is not None for r in cs["rows"])
        header = [_("Course category"), _("Courses"), _("Credits"), _("Share of total")]
        if checked:
            header += [_("Minimum share"), _("Verdict")]
        meets, below = _("meets the minimum"), _("below the minimum")
        rows = []
        for r in cs["rows"]:
            row = [r["label"], str(r["courses"]), fixed(r["credits"], 1), pct(r["share"])]
            if checked:
                row += ["—" if r["minimum"] is None else f'≥ {r["minimum"] * 100:.0f}%',
                        "—" if r["meets"] is None else (f"✓ {meets}" if r["meets"] else f"✗ {below}")]
            rows.append(row)
        rows.append([_("Total"), str(len(cur["courses"])), fixed(cs["total"], 1), pct(1.0 if cs["total"] else None)]
                    + (["", ""] if checked else []))
        blocks: list[Block] = [
            self.source_framework(),
            Table(header, rows, caption=_("Credit structure"), numeric=frozenset({1, 2, 3}),
                  highlight=frozenset(i for i, r in enumerate(cs["rows"]) if r["meets"] is False)),
            Table([_("Course code"), _("Course"), _("Course category"), _("Credits"), _("Term"), _("Required course")],
                  [[c["code"], c["name"], c["category_label"], fixed(c["credits"], 1), str(c["term"] or "—"),
                    _("Yes") if c["required"] else _("No")] for c in cur["courses"]],
                  caption=_("Courses"), numeric=frozenset({3}), small=True),
            Placeholder(_("How the curriculum supports the graduation requirements, how industry took part in "
                          "designing it, and the capstone design (to be written).")),
        ]
        self.section_after = [DocSection(_("Course support matrix"), self._matrix_blocks(fw), level=2, new_page=True),
                              DocSection(_("Module structure"), self._module_blocks(fw), level=2)]
        return blocks

    def _matrix_blocks(self, fw: Mapping[str, Any]) -> list[Block]:
        m = fw["matrix"]
        codes = [c for g in m["groups"] for c in g["codes"]]
        if not codes:
            return [Paragraph(_("No indicator points in this version yet."), "empty")]
        blocks: list[Block] = [self.source_framework()]
        width = 14  # indicator points per table: wider matrices are split
        for start in range(0, len(codes), width):
            part = codes[start:start + width]
            rows = [[f'{r["code"]} {r["name"]}', *[c or "" for c in r["cells"][start:start + width]]]
                    for r in m["rows"] if any(r["cells"][start:start + width])]
            blocks.append(Table([_("Course"), *part], rows, small=True, caption=_("Course support matrix")))
        blocks.append(Paragraph(_("H / M / L: strong, medium and weak support; numbers are explicit weights."), "note"))
        return blocks

    def _module_blocks(self, fw: Mapping[str, Any]) -> list[Block]:
        rows: list[list[str]] = []

        def walk(node: Mapping[str, Any], depth: int) -> None:
            rows.append([("　" * depth) + node["name"], node["kind"], fixed(node["credits"], 1) if node["credits"]
                         is not None else "—", node["term"] or "—", ", ".join(node["courses"])])
            for child in node["children"]:
                walk(child, depth + 1)

        for node in fw["modules"]:
            walk(node, 0)
        if not rows:
            return [Paragraph(_("No modules yet."), "empty")]
        return [self.source_framework(),
                Table([_("Module"), _("Kind"), _("Credits"), _("Term"), _("Courses")], rows, small=True,
                      numeric=frozenset({2}))]

    def faculty(self) -> list[Block]:
        f = self.p["faculty"]
        blocks: list[Block] = [self.source(_("Program members and joint supervisors of partner organisations"))]
        blocks.append(Table([_("Name"), _("Role")], [[m["name"], m["role"]] for m in f["members"]],
                            caption=_("Teachers and directors")) if f["members"]
                      else Paragraph(_("No teachers recorded yet."), "empty"))
        blocks.append(Table([_("Name"), _("Title"), _("Expertise"), _("Partner")],
                            [[s["name"], s["title"] or "", s["expertise"] or "", s["partner"]] for s in f["supervisors"]],
                            caption=_("Joint supervisors")) if f["supervisors"]
                      else Paragraph(_("No joint supervisors recorded yet."), "empty"))
        blocks.append(Placeholder(_("Size and structure of the faculty (titles, degrees, engineering experience), "
                                    "teaching load and professional development (to be written).")))
        return blocks

    def support(self) -> list[Block]:
        p, s = self.p, self.p["support"]
        blocks: list[Block] = [self.source(_("IUR partner organisations of %(program)s; participations of this "
                                             "cohort’s students", program=p["program"]["name"]))]
        if p["partners"]:
            blocks.append(Table(
                [_("Partner"), _("Kind"), _("City"), _("Agreements in force"), _("Practice bases"), _("Joint supervisors"),
                 _("Participations of this cohort")],
                [[x["name"], x["kind"], x["city"] or "", f'{x["agreements_active"]} / {x["agreements"]}', str(x["bases"]),
                  str(x["supervisors"]), str(x["participations"])] for x in p["partners"]],
                numeric=frozenset({4, 5, 6}), caption=_("IUR partner organisations")))
        else:
            blocks.append(Paragraph(_("No partner organisations yet."), "empty"))
        if s["bases"]:
            blocks.append(Table([_("Practice base"), _("Partner"), _("Capacity"), _("Established")],
                                [[b["name"], b["partner"], str(b["capacity"] or "—"), b["established"] or "—"]
                                 for b in s["bases"]], numeric=frozenset({2}), caption=_("Practice bases")))
        if s["agreements"]:
            blocks.append(Table([_("Agreement"), _("Partner"), _("Status"), _("From"), _("Until")],
                                [[a["title"], a["partner"], a["status"], a["start"] or "—", a["end"] or "—"]
                                 for a in s["agreements"]], caption=_("Agreements"), small=True))
        blocks.append(Placeholder(_("Classrooms, laboratories and equipment, library resources, funding and "
                                    "the university's support for the program (to be written).")))
        return blocks

    def prose(self) -> list[Block]:
        return [Placeholder(_("This chapter is written by the program; the app holds no data for it."))]

    def appendix_evaluation(self) -> list[Block]:
        ev = self.p["evaluation"]
        if ev is None:
            return [Paragraph(_("No evaluation run was chosen for this pack: this cohort has no stored evaluation "
                                "run."), "empty")]
        rows = [[("　" * r["depth"]) + f'{r["code"]} {r["name"]}', fixed(r["local_weight"]), fixed(r["global_weight"]),
                 r["weighting"] or "—", fixed(r["CR"]) if r["CR"] is not None else "—", fixed(r["mean"])]
                for r in ev["tree"]]
        return [self.source_run(),
                Table([_("Indicator"), _("Weight in group"), _("Overall weight"), _("Weighting"), "CR", _("Mean score")],
                      rows, numeric=frozenset({1, 2, 4, 5}), small=True),
                Paragraph(_("Consistency ratio; consistent when CR < 0.10"), "note")]

    def appendix_evidence(self) -> list[Block]:
        p = self.p
        blocks: list[Block] = [self.source(_("Verified achievements naming students of this cohort")),
                               Paragraph(_("Evidence references (E…) name the uploaded files; image evidence is "
                                           "reproduced below."), "note")]
        if p["achievements"]:
            blocks.append(Table(
                ["#", _("Title"), _("Students"), _("Year"), _("Level / indexing / type"), _("Verified"),
                 _("Evidence files")],
                [[a["ref"], a["title"], ", ".join(a["students"]), str(a["year"] or ""), a["detail"],
                  " ".join(x for x in (a["verified_at"], a["verified_by"]) if x),
                  "; ".join(f'{f["ref"]} {f["name"]} {f["sha256"][:12]}' for f in a["evidence"]) or "—"]
                 for a in p["achievements"]], small=True, caption=_("Verified achievements")))
        else:
            blocks.append(Paragraph(_("No verified achievements yet."), "empty"))
        named = p.get("named_ranking")
        ev = p["evaluation"]
        if named is not None and ev is not None and ev.get("named_rows"):
            self.section_after = [DocSection(_("Named ranking (opted in)"), [
                self.source_run(),
                Paragraph(_("A program director chose to include this named ranking. Reason recorded with the "
                            "pack: %(reason)s", reason=named["reason"]), "warning"),
                self._ranking_table(ev["named_rows"])], level=2, new_page=True)]
        images = [(f, a) for a in p["achievements"] for f in a["evidence"] if f["is_image"]]
        self.section_after = [*getattr(self, "section_after", []), DocSection(_("Appendix: evidence images"), [
            self.source(_("Image evidence files of the verified achievements above (SHA-256 of each file as uploaded)")),
            *[Evidence(self.image_files.get(f["id"]), f'{f["ref"]} · {f["name"]} · {a["ref"]} {a["title"]}',
                       f'SHA-256 {f["sha256"]}') for f, a in images],
            *([] if images else [Paragraph(_("No image evidence among the verified achievements."), "empty")]),
        ], level=2, new_page=True)]
        return blocks


def build_document(payload: Payload, *, fingerprint: str, image_files: Mapping[int, Path]) -> Document:
    """The report's sections from a stored payload, chapter by chapter in the standard's order."""
    p = payload
    b = _Builder(p, image_files)
    builders: dict[str, Callable[[], list[Block]]] = {
        "overview": b.overview, "students": b.students, "objectives": b.objectives, "requirements": b.requirements,
        "improvement": b.improvement, "curriculum": b.curriculum, "faculty": b.faculty, "support": b.support,
        "prose": b.prose, "appendix_evaluation": b.appendix_evaluation, "appendix_evidence": b.appendix_evidence,
    }
    for chapter in p["structure"]["chapters"]:
        b.section_after = []
        blocks = builders.get(chapter["content"], b.prose)()
        b.section(chapter_heading(chapter), blocks, level=1, new_page=True)
        b.sections.extend(b.section_after)
    fp_label = _("Snapshot fingerprint (SHA-256)")
    b.section(fp_label, [
        Paragraph(_("Every figure in this pack was computed from one data snapshot, stored by eduinnov when the "
                    "pack was generated:")),
        Facts([(_("Program"), f'{p["program"]["name"]} ({p["program"]["code"]})'), (_("Cohort"), p["cohort"]["name"]),
               (_("Data snapshot"), p["taken_at_display"] + (f' · {p["taken_by"]["name"]}' if p.get("taken_by") else ""))]),
        Fingerprint(fingerprint, fp_label),
        Paragraph(_("To check this pack, open “Verify a fingerprint” in eduinnov (Reports → Verify) and paste the "
                    "fingerprint: members of the program see the snapshot it belongs to, with its figures. Any change "
                    "to the data after this moment gives a different fingerprint."), "note"),
    ], level=1, new_page=True)
    ev = p["evaluation"]
    cover = [Facts([
        (_("Program"), f'{p["program"]["name"]} ({p["program"]["code"]})'),
        (_("Cohort"), p["cohort"]["name"] + " · " + _("%(n)d students", n=p["cohort"]["students"])),
        (_("Accreditation standard"), p["structure"]["name"]),
        (_("Frameworks"), f'{p["framework"]["version"]} · {p["framework"]["title"]}' if p["framework"] else "—"),
        (_("Run"), f'#{ev["run_id"]} · {ev["model_name"]} v{ev["model_version"]} ({ev["created_at_display"]})'
                   if ev else "—"),
        (_("Data snapshot"), p["taken_at_display"] + (f' · {p["taken_by"]["name"]}' if p.get("taken_by") else "")),
        (_("Snapshot fingerprint (SHA-256)"), fingerprint),
    ]), Paragraph(_("Every figure in this pack was computed from the data snapshot named above. The last page "
                    "repeats its fingerprint; eduinnov shows the snapshot that belongs to a fingerprint."), "note")]
    report = _("Self-evaluation report")
    return Document(
        title=p["program"]["name"], subtitle=f'{p["cohort"]["name"]} · {report}',
        kicker=f'{p["program"]["code"]} · {p["program"]["degree"]} · {p["structure"]["name"]}',
        cover=cover, sections=b.sections, fingerprint=fingerprint, lang=p["lang"],
        contents_title=_("Contents"), footer_format=_("Page {page} of {pages}"),
    )
