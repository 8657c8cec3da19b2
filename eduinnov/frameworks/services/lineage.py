"""Carrying a requirement's history over to a newer framework version (requirement successions)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.auth.access import Action
from eduinnov.auth.models import User
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks import queries
from eduinnov.frameworks.models import FrameworkVersion, GraduationRequirement, RequirementSuccession
from eduinnov.frameworks.services._common import ensure_allowed, ensure_editable


def map_requirements(framework: FrameworkVersion, source: FrameworkVersion, mapping: Mapping[int, int | None],
                     *, user: User) -> list[RequirementSuccession]:
    """Say which requirement of ``framework`` continues each requirement of the earlier version ``source``.

    Replaces the links from ``source`` into ``framework``. Records stay attached to the version they were
    made under; the links only let ``framework``'s pages show them as the earlier cycles of its requirements.

    Parameters
    ----------
    framework : FrameworkVersion
        The newer version (draft or active; the links are part of it).
    source : FrameworkVersion
        An earlier version of the same program.
    mapping : mapping of int to int or None
        Requirement id of ``source`` → requirement id of ``framework`` that continues it, or None (not
        carried over). Every requirement of ``source`` must be given, so nothing is dropped unawares.
    user : User
        Must be allowed to manage the program.

    Returns
    -------
    list of RequirementSuccession
        The links now in place, flushed.

    Raises
    ------
    LockedError
        If ``framework`` is archived.
    ValidationError
        If ``source`` is ``framework`` or another program's, if an id is not one of the two versions'
        requirements, if a requirement of ``source`` is missing, or if the links would make a loop.
    """
    ensure_allowed(user, Action.MANAGE, framework)
    ensure_editable(framework)
    if source.id == framework.id:
        raise ValidationError(_("A version cannot continue itself."))
    if source.program_id != framework.program_id:
        raise ValidationError(_("The earlier version belongs to another program."))
    old = {r.id: r for r in source.requirements}
    new = {r.id: r for r in framework.requirements}
    if set(mapping) != set(old):
        raise ValidationError(_("Say for every requirement of version %(v)s where it continues (or that it "
                                "is not carried over).", v=source.version))
    for target in mapping.values():
        if target is not None and target not in new:
            raise ValidationError(_("Choose a requirement of version %(v)s.", v=framework.version))
    later = queries.walk_successions(set(new), backwards=False)
    if later.keys() & old.keys():
        raise ValidationError(_("Version %(v)s continues this version: the links would make a loop.",
                                v=source.version))
    old_ids = select(GraduationRequirement.id).where(GraduationRequirement.framework_id == source.id)
    new_ids = select(GraduationRequirement.id).where(GraduationRequirement.framework_id == framework.id)
    existing = db.session.scalars(select(RequirementSuccession).where(
        RequirementSuccession.predecessor_id.in_(old_ids), RequirementSuccession.successor_id.in_(new_ids))).all()
    keep = {(s.predecessor_id, s.successor_id): s for s in existing}
    wanted = {(o, n) for o, n in mapping.items() if n is not None}
    for pair, link in keep.items():
        if pair not in wanted:
            db.session.delete(link)  # audited row by row, unlike a bulk delete
    links = []
    for o, n in sorted(wanted):
        link = keep.get((o, n)) or RequirementSuccession(predecessor=old[o], successor=new[n])
        db.session.add(link)
        links.append(link)
    db.session.flush()
    return links

