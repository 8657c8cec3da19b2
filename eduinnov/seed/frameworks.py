"""Demo cultivation frameworks: OBE requirements and indicator points, modules, courses, support matrix."""

from __future__ import annotations

from typing import Any

import click

from eduinnov.core.lifecycle import Lifecycle
from eduinnov.frameworks.models import (
    AggregationRule,
    Course,
    CourseCategory,
    CourseObjective,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    Module,
    ModuleKind,
    ModuleLine,
    ObjectiveIndicatorLink,
    SupportStrength,
)
from eduinnov.programs.models import Program
from eduinnov.seed.context import (
    DemoContext,
    SeedError,
    at_ten_beijing,
    read_csv,
    read_yaml,
    to_date,
    to_enum,
)


def load_framework(ctx: DemoContext, code: str) -> FrameworkVersion | None:
    """The framework version in ``seed/<code>/framework.yaml`` with everything inside it.

    An archived version is read-only (the audit hook refuses any change), so a version archived since
    the last run is left alone.
    """
    path = ctx.program_dir(code) / "framework.yaml"
    if not path.is_file():
        return None
    data = read_yaml(path)
    where = str(path.relative_to(ctx.seed_dir))
    program = ctx.programs[code]
    existing = ctx.up.get(FrameworkVersion, program_id=program.id, version=str(data["version"]))
    if existing is not None and existing.is_archived:
        click.echo(f"  {code} framework v{existing.version} is archived: left unchanged")
        return existing

    weights = data.get("weights") or {}
    activated = to_date(data.get("activated_at"), where)
    framework = ctx.up.upsert(FrameworkVersion, {"program_id": program.id, "version": str(data["version"])}, {
        "title": data["title"],
        "entry_year": data.get("entry_year"),
        "status": to_enum(Lifecycle, data.get("status", "draft"), where),
        "notes": data.get("notes"),
        "threshold": float(data.get("threshold", 0.7)),
        "aggregation_rule": to_enum(AggregationRule, data.get("aggregation_rule", "weighted_sum"), where),
        "weight_h": float(weights.get("H", 3)),
        "weight_m": float(weights.get("M", 2)),
        "weight_l": float(weights.get("L", 1)),
        "activated_at": at_ten_beijing(activated) if activated else None,
    })
    ctx.up.flush()
    points = _load_requirements(ctx, framework, data.get("requirements") or [], where)
    modules = _load_modules(ctx, framework, data.get("modules") or [], where)
    courses = _load_courses(ctx, framework, data.get("courses") or [], modules, where)
    _load_support(ctx, program, points, courses, data.get("courses") or [], where)
    return framework


def _load_requirements(ctx: DemoContext, framework: FrameworkVersion, specs: list[dict],
                       where: str) -> dict[str, IndicatorPoint]:
    requirements = []
    for spec in specs:
        requirements.append(ctx.up.upsert(
            GraduationRequirement, {"framework_id": framework.id, "number": int(spec["number"])},
            {"title": spec["title"], "title_en": spec.get("title_en"), "description": spec.get("description")},
        ))
    ctx.up.flush()
    points: dict[str, IndicatorPoint] = {}
    for requirement, spec in zip(requirements, specs, strict=True):
        for position, point in enumerate(spec.get("points") or [], start=1):
            code = str(point["code"])
            if not code.startswith(f"{requirement.number}."):
                raise SeedError(f"{where}: indicator point {code} listed under requirement {requirement.number}")
            if code in points:
                raise SeedError(f"{where}: indicator point {code} appears twice")
            points[code] = ctx.up.upsert(
                IndicatorPoint, {"requirement_id": requirement.id, "code": code},
                {"position": position, "description": point["description"],
                 "description_en": point.get("description_en")},
            )
    ctx.up.flush()
    return points


def _load_modules(ctx: DemoContext, framework: FrameworkVersion, specs: list[dict],
                  where: str) -> dict[str, Module]:
    """The module tree, level by level (children are keyed on their parent's id)."""
    modules: dict[str, Module] = {}
    level: list[tuple[Module | None, list[dict]]] = [(None, specs)]
    while level:
        created: list[tuple[Module, list[dict]]] = []
        for parent, children in level:
            for position, spec in enumerate(children, start=1):
                name = spec["name_zh"]
                if name in modules:
                    raise SeedError(f"{where}: module {name!r} appears twice (courses name modules by name)")
                module = ctx.up.upsert(
                    Module,
                    {"framework_id": framework.id, "parent_id": parent.id if parent else None, "name_zh": name},
                    {
                        "name_en": spec.get("name_en"),
                        "kind": to_enum(ModuleKind, spec.get("kind", "other"), where),
                        "line": to_enum(ModuleLine, spec["line"], where) if spec.get("line") else None,
                        "credits": float(spec["credits"]) if spec.get("credits") is not None else None,
                        "term": str(spec["term"]) if spec.get("term") is not None else None,
                        "position": position,
                        "description": spec.get("description"),
                    },
                )
                modules[name] = module
                created.append((module, spec.get("children") or []))
        ctx.up.flush()
        level = [(module, children) for module, children in created if children]
    return modules


def _load_courses(ctx: DemoContext, framework: FrameworkVersion, specs: list[dict],
                  modules: dict[str, Module], where: str) -> dict[str, Course]:
    courses: dict[str, Course] = {}
    for spec in specs:
        code = str(spec["code"])
        module_name = spec.get("module")
        if module_name and module_name not in modules:
            raise SeedError(f"{where}: course {code} names an unknown module {module_name!r}")
        courses[code] = ctx.up.upsert(Course, {"framework_id": framework.id, "code": code}, {
            "name_zh": spec["name_zh"],
            "name_en": spec.get("name_en"),
            "credits": float(spec.get("credits", 0)),
            "term": int(spec["term"]) if spec.get("term") is not None else None,
            "is_required": bool(spec.get("required", True)),
            "module_id": modules[module_name].id if module_name else None,
            "category": CourseCategory(spec.get("category", CourseCategory.OTHER.value)),
        })
    ctx.up.flush()
    for spec in specs:
        course = courses[str(spec["code"])]
        for number, objective in enumerate(spec.get("objectives") or [], start=1):
            ctx.up.upsert(CourseObjective, {"course_id": course.id, "number": number},
                          {"description": objective["description"]})
    ctx.up.flush()
    return courses


def _load_support(ctx: DemoContext, program: Program, points: dict[str, IndicatorPoint],
                  courses: dict[str, Course], course_specs: list[dict], where: str) -> None:
    """The support matrix (``support_matrix.csv``) and the objective links, checked against each other.

    Every matrix cell must be served by at least one objective of its course, and an objective may only
    link to an indicator point its course supports: the achievement-degree calculation relies on both.
    """
    matrix_path = ctx.program_dir(program.code) / "support_matrix.csv"
    links_wanted: set[tuple[str, str]] = set()
    for spec in course_specs:
        for objective in spec.get("objectives") or []:
            for point in objective.get("indicators") or []:
                links_wanted.add((str(spec["code"]), str(point)))
    if not matrix_path.is_file():
        if links_wanted:
            raise SeedError(f"{where}: course objectives name indicator points but {matrix_path.name} is missing")
        return

    cells: dict[tuple[str, str], Any] = {}
    matrix_where = str(matrix_path.relative_to(ctx.seed_dir))
    for line, row in enumerate(read_csv(matrix_path), start=2):
        key = (row["course"], row["indicator"])
        if key[0] not in courses:
            raise SeedError(f"{matrix_where} line {line}: unknown course {key[0]!r}")
        if key[1] not in points:
            raise SeedError(f"{matrix_where} line {line}: unknown indicator point {key[1]!r}")
        if key in cells:
            raise SeedError(f"{matrix_where} line {line}: course {key[0]} and point {key[1]} appear twice")
        cells[key] = to_enum(SupportStrength, row["strength"], f"{matrix_where} line {line}")

    for course_code, point in sorted(links_wanted - set(cells)):
        raise SeedError(f"{where}: an objective of {course_code} supports {point}, "
                        f"but {matrix_path.name} has no {course_code}/{point} cell")
    for course_code, point in sorted(set(cells) - links_wanted):
        raise SeedError(f"{matrix_where}: {course_code} supports {point} but none of its objectives does")
    unsupported = sorted(set(points) - {p for _, p in cells}, key=lambda c: [int(x) for x in c.split(".")])
    if unsupported:
        raise SeedError(f"{matrix_where}: no course supports indicator point(s) {', '.join(unsupported)}")

    for (course_code, point), strength in cells.items():
        ctx.up.upsert(CourseSupport, {"course_id": courses[course_code].id,
                                      "indicator_point_id": points[point].id},
                      {"strength": strength, "weight": None})
    for spec in course_specs:
        course = courses[str(spec["code"])]
        for number, objective in enumerate(spec.get("objectives") or [], start=1):
            row = ctx.up.get(CourseObjective, course_id=course.id, number=number)
            for point in objective.get("indicators") or []:
                ctx.up.upsert(ObjectiveIndicatorLink,
                              {"objective_id": row.id, "indicator_point_id": points[str(point)].id})
    ctx.up.flush()
