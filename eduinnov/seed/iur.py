"""Demo IUR partners (agreements, practice bases, joint supervisors, participations) and supervisor teams."""

from __future__ import annotations

from eduinnov.frameworks.models import (
    Agreement,
    AgreementStatus,
    JointSupervisor,
    Participation,
    ParticipationKind,
    PartnerKind,
    PartnerOrganisation,
    PracticeBase,
    Supervision,
    SupervisorRole,
)
from eduinnov.seed.context import DemoContext, SeedError, read_yaml, to_date, to_enum


def load_iur(ctx: DemoContext, code: str) -> None:
    """Partners and supervisions from ``seed/<code>/iur.yaml`` (absent file: nothing to load)."""
    path = ctx.program_dir(code) / "iur.yaml"
    if not path.is_file():
        return
    data = read_yaml(path)
    where = str(path.relative_to(ctx.seed_dir))
    program = ctx.programs[code]
    specs = data.get("partners") or []

    partners = []
    for spec in specs:
        partners.append(ctx.up.upsert(PartnerOrganisation, {"program_id": program.id, "name_zh": spec["name_zh"]}, {
            "name_en": spec.get("name_en"),
            "kind": to_enum(PartnerKind, spec["kind"], where),
            "city": spec.get("city"),
            "contact_name": spec.get("contact_name"),
            "contact_email": spec.get("contact_email"),
            "description": spec.get("description"),
        }))
    ctx.up.flush()

    bases: dict[str, PracticeBase] = {}
    supervisors: dict[str, JointSupervisor] = {}
    for partner, spec in zip(partners, specs, strict=True):
        for agreement in spec.get("agreements") or []:
            ctx.up.upsert(Agreement, {"partner_id": partner.id, "title": agreement["title"]}, {
                "scope": agreement.get("scope"),
                "start_date": to_date(agreement.get("start_date"), where),
                "end_date": to_date(agreement.get("end_date"), where),
                "status": to_enum(AgreementStatus, agreement.get("status", "active"), where),
            })
        for base in spec.get("practice_bases") or []:
            bases[base["name"]] = ctx.up.upsert(PracticeBase, {"partner_id": partner.id, "name": base["name"]}, {
                "address": base.get("address"),
                "capacity": base.get("capacity"),
                "established_on": to_date(base.get("established_on"), where),
            })
        for person in spec.get("joint_supervisors") or []:
            if person["name"] in supervisors:
                raise SeedError(f"{where}: joint supervisor {person['name']!r} appears twice")
            supervisors[person["name"]] = ctx.up.upsert(
                JointSupervisor, {"partner_id": partner.id, "name": person["name"]},
                {"title": person.get("title"), "email": person.get("email"), "expertise": person.get("expertise")},
            )
    ctx.up.flush()

    for partner, spec in zip(partners, specs, strict=True):
        own = [s for s in supervisors.values() if s.partner_id == partner.id]
        for item in spec.get("participations") or []:
            _load_participations(ctx, code, partner, item, bases, supervisors, own, where)
    for item in data.get("supervisions") or []:
        _load_supervisions(ctx, code, item, supervisors, where)
    ctx.up.flush()


def _named(names: list[str] | None, table: dict, what: str, where: str) -> list:
    try:
        return [table[name] for name in names or []]
    except KeyError as exc:
        raise SeedError(f"{where}: unknown {what} {exc.args[0]!r}") from None


def _load_participations(ctx: DemoContext, code: str, partner: PartnerOrganisation, item: dict,
                         bases: dict[str, PracticeBase], supervisors: dict[str, JointSupervisor],
                         own: list[JointSupervisor], where: str) -> None:
    kind = to_enum(ParticipationKind, item["kind"], where)
    base = _named([item["practice_base"]], bases, "practice base", where)[0] if item.get("practice_base") else None
    mentors = _named(item.get("joint_supervisors"), supervisors, "joint supervisor", where) or own
    start, end = to_date(item.get("start_date"), where), to_date(item.get("end_date"), where)
    for i, student in enumerate(ctx.select_students(code, item, where)):
        ctx.up.upsert(
            Participation,
            {"partner_id": partner.id, "student_id": student.id, "kind": kind, "title": item["title"]},
            {
                "practice_base_id": base.id if base else None,
                "joint_supervisor_id": mentors[i % len(mentors)].id if mentors else None,
                "start_date": start,
                "end_date": end,
            },
        )


def _load_supervisions(ctx: DemoContext, code: str, item: dict, supervisors: dict[str, JointSupervisor],
                       where: str) -> None:
    """Each chosen student gets a primary teacher, optional co-supervisors and an industry supervisor."""
    teachers = [ctx.user(email, where) for email in item.get("teachers") or []]
    co_supervisors = [ctx.user(email, where) for email in item.get("co_supervisors") or []]
    mentors = _named(item.get("joint_supervisors"), supervisors, "joint supervisor", where)
    member_ids = {t.id for t in ctx.teachers.get(code, [])} | {ctx.directors[code].id}
    for teacher in teachers + co_supervisors:
        if teacher.id not in member_ids:
            raise SeedError(f"{where}: {teacher.email} supervises {code} students but is not a member of {code}")
    discipline = item.get("discipline")
    for i, student in enumerate(ctx.select_students(code, item, where)):
        team: list[tuple[dict, SupervisorRole]] = []
        if teachers:
            team.append(({"teacher_id": teachers[i % len(teachers)].id, "joint_supervisor_id": None},
                         SupervisorRole.PRIMARY))
        team += [({"teacher_id": t.id, "joint_supervisor_id": None}, SupervisorRole.CO_SUPERVISOR)
                 for t in co_supervisors]
        if mentors:
            team.append(({"teacher_id": None, "joint_supervisor_id": mentors[i % len(mentors)].id},
                         SupervisorRole.INDUSTRY))
        for who, role in team:
            ctx.up.upsert(Supervision, {"student_id": student.id, **who}, {"role": role, "discipline": discipline})
