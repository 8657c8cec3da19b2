"""Evaluation models and their trees: create, edit, copy, version, activate, archive, delete; YAML import."""

from __future__ import annotations

import copy
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from eduinnov.auth.access import Action
from eduinnov.auth.models import User
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.indicators.models import (
    MAX_DEPTH,
    AggregationMethod,
    Direction,
    EvaluationModel,
    EvaluationRun,
    EvaluationUnit,
    IndicatorNode,
    WeightingMethod,
)
from eduinnov.indicators.services._common import clean_text, ensure_allowed, ensure_editable, require_text
from eduinnov.indicators.spec import (
    CODE_RE,
    SpecError,
    _Validator,
    judgment_text,
    model_to_spec,
    parse_judgment,
    validate_grade_scale,
    validate_spec,
)
from eduinnov.programs.models import Program

__all__ = [
    "DEFAULT_GRADE_SCALE", "activate_model", "add_node", "archive_model", "copy_model", "create_model",
    "delete_model", "delete_node", "import_model", "judgment_report", "model_problems", "move_node", "new_version",
    "set_judgments", "update_model", "update_node",
]

DEFAULT_GRADE_SCALE = [
    {"name_zh": "优秀", "name_en": "Excellent", "min": 0.85, "max": 1.0, "value": 0.925},
    {"name_zh": "良好", "name_en": "Good", "min": 0.70, "max": 0.85, "value": 0.775},
    {"name_zh": "中等", "name_en": "Fair", "min": 0.55, "max": 0.70, "value": 0.625},
    {"name_zh": "较差", "name_en": "Poor", "min": 0.0, "max": 0.55, "value": 0.40},
]


def _scope(program: Program | None, user: User) -> None:
    if program is None:
        ensure_allowed(user, Action.MANAGE, _Institution())
    else:
        ensure_allowed(user, Action.MANAGE, program)


class _Institution:
    program_id = None


def _next_version(program_id: int | None, name: str) -> int:
    stmt = select(func.max(EvaluationModel.version)).where(EvaluationModel.name == name)
    stmt = stmt.where(EvaluationModel.program_id.is_(None) if program_id is None
                      else EvaluationModel.program_id == program_id)
    return (db.session.scalar(stmt) or 0) + 1


def _grade_scale(scale: Any) -> list[dict[str, Any]]:
    try:
        return validate_grade_scale(scale)
    except SpecError as exc:
        raise ValidationError(str(exc)) from exc


def create_model(program: Program | None, *, name: str, unit: EvaluationUnit, user: User,
                 description: str | None = None, grade_scale: list[dict[str, Any]] | None = None,
                 include_unverified: bool = False) -> EvaluationModel:
    """Create a draft model with its goal node (version 1, or the next version of an existing name).

    Parameters
    ----------
    program : Program or None
        The owning program; None makes an institution-wide model (administrators only).
    name, description : str
        Title and notes of the model.
    unit : EvaluationUnit
        What is evaluated: students, cohorts, programs or IUR partners.
    user : User
        A director of ``program`` or an administrator.
    grade_scale : list of dict, optional
        Bands best -> worst (default: excellent / good / fair / poor).

    Raises
    ------
    ValidationError
        Empty name, bad grade scale, or a program-level model inside a program.
    """
    _scope(program, user)
    name = require_text(name, _("Name"))
    unit = EvaluationUnit(unit)
    if unit == EvaluationUnit.PROGRAM and program is not None:
        raise ValidationError(_("A model that compares programs is institution-wide; choose no program."))
    model = EvaluationModel(
        program=program, name=name[:200], description=clean_text(description), unit=unit,
        grade_scale=_grade_scale(grade_scale or DEFAULT_GRADE_SCALE), version=_next_version(
            program.id if program else None, name), status=Lifecycle.DRAFT,
        include_unverified=bool(include_unverified), settings={}, created_by_id=user.id,
    )
    model.nodes.append(IndicatorNode(code="G", name_zh=name[:200], position=1, weighting=WeightingMethod.AHP,
                                     aggregation=AggregationMethod.WEIGHTED_SUM))
    db.session.add(model)
    db.session.flush()
    return model


def update_model(model: EvaluationModel, *, name: str, description: str | None, grade_scale: Any,
                 include_unverified: bool, user: User) -> EvaluationModel:
    """Change a model's name, description, grade scale and whether claimed achievements count.

    Raises
    ------
    LockedError
        The version is archived.
    ValidationError
        Empty name or bad grade scale (the message names the grade).
    """
    ensure_allowed(user, Action.MANAGE, model)
    ensure_editable(model)
    model.name = require_text(name, _("Name"))[:200]
    model.description = clean_text(description)
    scale = _grade_scale(grade_scale)
    if len(scale) != len(model.grade_scale or []):
        # fuzzy and unascertained anchors have one entry per grade: reset them to the new grade values
        for node in model.nodes:
            if node.aggregation in (AggregationMethod.FUZZY, AggregationMethod.UNASCERTAINED):
                params = dict(node.aggregation_params or {})
                params.pop("anchors", None)
                node.aggregation_params = params
    model.grade_scale = scale
    model.include_unverified = bool(include_unverified)
    db.session.flush()
    return model


def _build_nodes(model: EvaluationModel, raw: dict[str, Any], parent: IndicatorNode | None, position: int) -> None:
    node = IndicatorNode(
        model=model, parent=parent, code=raw["code"], name_zh=raw["name_zh"], name_en=raw.get("name_en"),
        description=raw.get("description"), position=position,
    )
    db.session.add(node)  # a backref append does not cascade into the session (SQLAlchemy 2)
    if raw.get("children"):
        node.weighting = WeightingMethod(raw["weighting"])
        node.judgments = copy.deepcopy(raw.get("judgments") or {})
        node.weights = dict(raw.get("weights") or {})
        node.weighting_params = dict(raw.get("weighting_params") or {})
        node.aggregation = AggregationMethod(raw["aggregation"])
        node.aggregation_params = copy.deepcopy(raw.get("aggregation_params") or {})
        for i, child in enumerate(raw["children"], start=1):
            _build_nodes(model, child, node, i)
    else:
        node.metric_key = raw["metric"]
        node.metric_params = copy.deepcopy(raw.get("params") or {})
        node.direction = Direction(raw.get("direction", "benefit"))
        node.scaling = dict(raw.get("scaling") or {"method": "minmax"})


def import_model(spec: dict[str, Any], program: Program | None, user: User, *, name: str | None = None,
                 template_key: str | None = None, derived_from: EvaluationModel | None = None) -> EvaluationModel:
    """Create a draft model from a model description (a YAML file, a template or another model).

    The description is validated completely first; nothing is created when it is invalid.

    Raises
    ------
    ValidationError
        The description is invalid (the message names the node and the field), or a program-level model
        is imported into a program.
    """
    _scope(program, user)
    raw = dict(spec)
    if name:
        raw["name"] = name
    try:
        clean = validate_spec(raw)
    except SpecError as exc:
        raise ValidationError(str(exc)) from exc
    unit = EvaluationUnit(clean["unit"])
    if unit == EvaluationUnit.PROGRAM and program is not None:
        raise ValidationError(_("A model that compares programs is institution-wide; it cannot belong to one "
                                "program."))
    model = EvaluationModel(
        program=program, name=clean["name"], description=clean["description"], unit=unit,
        grade_scale=clean["grade_scale"], version=_next_version(program.id if program else None, clean["name"]),
        status=Lifecycle.DRAFT, include_unverified=clean["include_unverified"], settings=clean["settings"],
        template_key=template_key, derived_from_id=derived_from.id if derived_from else None,
        created_by_id=user.id,
    )
    db.session.add(model)
    _build_nodes(model, clean["tree"], None, 1)
    db.session.flush()
    return model


def copy_model(model: EvaluationModel, program: Program | None, user: User, *, name: str | None = None) -> EvaluationModel:
    """Copy a model (any status, e.g. an archived one or another scope's) into ``program`` as a new draft."""
    ensure_allowed(user, Action.VIEW, model)
    return import_model(model_to_spec(model), program, user, name=name or model.name,
                        template_key=model.template_key, derived_from=model)


def new_version(model: EvaluationModel, user: User) -> EvaluationModel:
    """A new draft version of the same model (same name and program, version + 1)."""
    ensure_allowed(user, Action.MANAGE, model)
    return import_model(model_to_spec(model), model.program, user, template_key=model.template_key,
                        derived_from=model)


def model_problems(model: EvaluationModel) -> list[str]:
    """What keeps the model from running (empty when it can run): the first validation error, if any."""
    try:
        validate_spec(model_to_spec(model))
    except SpecError as exc:
        return [str(exc)]
    return []


def activate_model(model: EvaluationModel, user: User) -> EvaluationModel:
    """Make a version active; the previously active version of the same model is archived.

    Raises
    ------
    ValidationError
        The model cannot run yet (the message says why).
    """
    ensure_allowed(user, Action.MANAGE, model)
    ensure_editable(model)
    problems = model_problems(model)
    if problems:
        raise ValidationError(problems[0])
    stmt = select(EvaluationModel).where(
        EvaluationModel.name == model.name, EvaluationModel.status == Lifecycle.ACTIVE,
        EvaluationModel.id != model.id,
        EvaluationModel.program_id.is_(None) if model.program_id is None
        else EvaluationModel.program_id == model.program_id)
    for other in db.session.scalars(stmt):
        other.status = Lifecycle.ARCHIVED
        other.archived_at = utcnow()
    model.status = Lifecycle.ACTIVE
    model.activated_at = utcnow()
    db.session.flush()
    return model


def archive_model(model: EvaluationModel, user: User) -> EvaluationModel:
    """Archive a version: it becomes read-only for good; its runs stay viewable."""
    ensure_allowed(user, Action.MANAGE, model)
    ensure_editable(model)
    model.status = Lifecycle.ARCHIVED
    model.archived_at = utcnow()
    db.session.flush()
    return model


def delete_model(model: EvaluationModel, user: User) -> None:
    """Delete a draft that has never been run.

    Raises
    ------
    DomainError
        The model is not a draft or has runs (archive it instead).
    """
    ensure_allowed(user, Action.MANAGE, model)
    ensure_editable(model)
    if model.status != Lifecycle.DRAFT:
        raise DomainError(_("Only drafts can be deleted; archive this version instead."))
    if db.session.scalar(select(func.count(EvaluationRun.id)).where(EvaluationRun.model_id == model.id)):
        raise DomainError(_("This model has stored runs; archive it instead of deleting it."))
    db.session.delete(model)
    db.session.flush()


# ---------------------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------------------


def _check_code(model: EvaluationModel, code: str, exclude: IndicatorNode | None = None) -> str:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationError(_("Code: use 1–32 letters, digits, '.', '_' or '-'."))
    if any(n.code == code and n is not exclude for n in model.nodes):
        raise ValidationError(_("Code: %(code)s is already used in this model.", code=code))
    return code


def _check_leaf(model: EvaluationModel, code: str, metric_key: str | None, params: Any, direction: Any,
                scaling: Any) -> dict[str, Any]:
    raw = {"metric": metric_key, "params": params or {}, "direction": direction or "benefit",
           "scaling": scaling or {"method": "minmax"}}
    try:
        return _Validator(model.unit, model.grade_scale).leaf(code, raw)
    except SpecError as exc:
        raise ValidationError(str(exc)) from exc


def add_node(parent: IndicatorNode, *, code: str, name_zh: str, user: User, name_en: str | None = None,
             description: str | None = None, metric_key: str | None = None, metric_params: dict | None = None,
             direction: str = "benefit", scaling: dict | None = None) -> IndicatorNode:
    """Add a child indicator under ``parent`` (a leaf when ``metric_key`` is given, else a group to fill).

    Raises
    ------
    ValidationError
        Depth beyond four levels, a parent bound to a metric, a code in use, an unknown metric.
    """
    model = parent.model
    ensure_allowed(user, Action.MANAGE, model)
    ensure_editable(model)
    if parent.depth + 1 > MAX_DEPTH:
        raise ValidationError(_("Indicators can be nested at most %(n)d levels below the goal.", n=MAX_DEPTH))
    if parent.metric_key:
        raise ValidationError(_("%(code)s is a leaf bound to a metric; remove its metric before adding indicators "
                                "under it.", code=parent.code))
    code = _check_code(model, code)
    node = IndicatorNode(model=model, parent=parent, code=code, name_zh=require_text(name_zh, _("Name (Chinese)")),
                         name_en=clean_text(name_en), description=clean_text(description),
                         position=max((c.position for c in parent.children), default=0) + 1)
    if metric_key:
        leaf = _check_leaf(model, code, metric_key, metric_params, direction, scaling)
        node.metric_key, node.metric_params = leaf["metric"], leaf["params"]
        node.direction, node.scaling = Direction(leaf["direction"]), leaf["scaling"]
    if parent.weighting is None:
        parent.weighting = WeightingMethod.EQUAL
    if parent.aggregation is None:
        parent.aggregation = AggregationMethod.WEIGHTED_SUM
    if parent.weighting == WeightingMethod.EXPERT:
        parent.weights = {}  # the given weights no longer cover the children: enter them again
    db.session.add(node)
    db.session.flush()
    return node


def update_node(node: IndicatorNode, *, user: User, code: str, name_zh: str, name_en: str | None = None,
                description: str | None = None, metric_key: str | None = None, metric_params: Any = None,
                direction: str = "benefit", scaling: Any = None, weighting: str | None = None,
                weighting_params: Any = None, weights: Any = None, aggregation: str | None = None,
                aggregation_params: Any = None) -> IndicatorNode:
    """Change a node: names and code; for a leaf its metric; for a group its weighting and aggregation.

    A changed code is renamed in the parent's judgments and weights too.

    Raises
    ------
    ValidationError
        The message names the node and the field (unknown metric, parameter of the wrong kind, weights
        not adding up to 1, anchors not decreasing ...).
    """
    model = node.model
    ensure_allowed(user, Action.MANAGE, model)
    ensure_editable(model)
    new_code = _check_code(model, code, exclude=node)
    name_zh = require_text(name_zh, _("Name (Chinese)"))
    if node.children or node.is_root:
        child_codes = [c.code for c in node.children]
        raw = {"weighting": weighting or "equal", "judgments": node.judgments or {},
               "weights": weights if weights is not None else (node.weights or {}),
               "weighting_params": weighting_params or {}, "aggregation": aggregation or "weighted_sum",
               "aggregation_params": aggregation_params or {}}
        if WeightingMethod(raw["weighting"]) != WeightingMethod.EXPERT:
            raw["weights"] = {}
        try:
            validator = _Validator(model.unit, model.grade_scale)
            if child_codes:
                clean = validator.inner(new_code, raw, child_codes, [{"code": c} for c in child_codes])
            else:
                clean = {**raw, **validator.aggregation(new_code, raw, [], [], 0)}
        except SpecError as exc:
            raise ValidationError(str(exc)) from exc
        node.weighting = WeightingMethod(clean["weighting"])
        node.weighting_params = clean["weighting_params"]
        node.weights = clean["weights"]
        node.aggregation = AggregationMethod(clean["aggregation"])
        node.aggregation_params = clean["aggregation_params"]
    elif metric_key:
        leaf = _check_leaf(model, new_code, metric_key, metric_params, direction, scaling)
        node.metric_key, node.metric_params = leaf["metric"], leaf["params"]
        node.direction, node.scaling = Direction(leaf["direction"]), leaf["scaling"]
    else:
        node.metric_key, node.metric_params = None, {}
    if new_code != node.code and node.parent is not None:
        _rename_in_parent(node.parent, node.code, new_code)
    node.code = new_code
    node.name_zh = name_zh
    node.name_en = clean_text(name_en)
    node.description = clean_text(description)
    db.session.flush()
    return node


def _rename_in_parent(parent: IndicatorNode, old: str, new: str) -> None:
    judgments = {}
    for a, row in (parent.judgments or {}).items():
        judgments[new if a == old else a] = {(new if b == old else b): v for b, v in row.items()}
    parent.judgments = judgments
    if parent.weights and old in parent.weights:
        parent.weights = {(new if k == old else k): v for k, v in parent.weights.items()}


def delete_node(node: IndicatorNode, user: User) -> None:
    """Delete a node and everything under it; its judgments and weight in the parent go too.

    Raises
    ------
    DomainError
        The node is the goal (root) of the model.
    """
    model = node.model
    ensure_allowed(user, Action.MANAGE, model)
    ensure_editable(model)
    if node.is_root:
        raise DomainError(_("The goal of a model cannot be deleted."))
    parent = node.parent
    code = node.code
    parent.judgments = {a: {b: v for b, v in row.items() if b != code}
                        for a, row in (parent.judgments or {}).items() if a != code}
    if parent.weights:
        parent.weights = {}
    db.session.delete(node)  # children go with it (ON DELETE CASCADE and the ORM cascade)
    db.session.flush()
    db.session.expire(parent, ["children"])
    db.session.expire(model, ["nodes"])


def move_node(node: IndicatorNode, offset: int, user: User) -> None:
    """Move a node one place up (``offset=-1``) or down (``+1``) among its siblings."""
    ensure_allowed(user, Action.MANAGE, node.model)
    ensure_editable(node.model)
    if node.parent is None:
        return
    siblings = list(node.parent.children)
    i = siblings.index(node)
    j = i + offset
    if not 0 <= j < len(siblings):
        return
    siblings[i], siblings[j] = siblings[j], siblings[i]
    for pos, sib in enumerate(siblings, start=1):
        sib.position = pos
    db.session.flush()


def set_judgments(node: IndicatorNode, judgments: dict[tuple[str, str], Any], user: User) -> IndicatorNode:
    """Store a node's pairwise judgments, given for the upper triangle as ``{(row code, col code): value}``.

    Values are on Saaty's scale 1/9 … 9 (numbers or fractions such as "1/3"); the reciprocal is implied.

    Raises
    ------
    ValidationError
        A value off the scale or a code that is not a child (the message names the pair).
    """
    ensure_allowed(user, Action.MANAGE, node.model)
    ensure_editable(node.model)
    codes = [c.code for c in node.children]
    clean: dict[str, dict[str, str]] = {}
    for (a, b), value in judgments.items():
        if a not in codes or b not in codes or a == b:
            raise ValidationError(_("%(a)s vs %(b)s: not two children of %(node)s.", a=a, b=b, node=node.code))
        if value in (None, ""):
            continue
        try:
            v = parse_judgment(value)
        except ValueError as exc:
            raise ValidationError(_("%(a)s vs %(b)s: %(error)s", a=a, b=b, error=str(exc))) from exc
        if codes.index(a) > codes.index(b):
            a, b, v = b, a, 1 / v
        clean.setdefault(a, {})[b] = judgment_text(v)
    node.judgments = clean
    db.session.flush()
    return node


def judgment_report(node: IndicatorNode, judgments: dict[tuple[str, str], Any] | None = None) -> dict[str, Any]:
    """Weights and consistency of a node's judgments (stored ones, or ``judgments`` given as in
    :func:`set_judgments` for a live check that stores nothing).

    Returns
    -------
    dict
        ``codes``, ``matrix`` (full, reciprocal filled, as display text), ``weights`` by code, ``CR``, ``CI``,
        ``lambda_max``, ``consistent`` and ``most_inconsistent`` (``{"row", "col", "value", "suggested"}``
        when CR ≥ 0.10), or ``error`` with a message naming the pair.
    """
    from eduinnov.indicators.services.compute import consistency
    from eduinnov.indicators.spec import judgment_text as text

    codes = [c.code for c in node.children]
    stored = node.judgments or {}
    if judgments is not None:
        stored = {}
        for (a, b), value in judgments.items():
            if a in codes and b in codes and a != b and value not in (None, ""):
                try:
                    v = parse_judgment(value)
                except ValueError as exc:
                    return {"codes": codes, "error": _("%(a)s vs %(b)s: %(error)s", a=a, b=b, error=str(exc))}
                stored.setdefault(a, {})[b] = text(v)
    mode = "geometric" if node.weighting == WeightingMethod.AHP_GEOMETRIC else "eigen"
    try:
        report = consistency(codes, stored, mode)
    except ValueError as exc:
        return {"codes": codes, "error": str(exc)}
    report["codes"] = codes
    report["matrix"] = [[text(v) for v in row] for row in report["matrix"]]
    return report
