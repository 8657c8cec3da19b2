"""Enum labels live in the enum class; one lifecycle enum; the model's Direction maps 1:1 onto the engine's."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

import eduinnov.models  # noqa: F401 (every model module, so every LabelledEnum subclass exists)
from eduinnov import evaluation as ev
from eduinnov.achievements.models import Level
from eduinnov.core.i18n import enum_choices, enum_label
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.core.models import LabelledEnum
from eduinnov.evaluation.validation import parse_directions
from eduinnov.frameworks.models import FrameworkVersion
from eduinnov.indicators.models import Direction, EvaluationModel


def _all_enums() -> list[type[LabelledEnum]]:
    out, todo = [], list(LabelledEnum.__subclasses__())
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


def test_every_member_of_every_labelled_enum_has_its_own_label():
    enums = [cls for cls in _all_enums() if cls.__module__.startswith("eduinnov.")]
    assert len(enums) >= 30
    for cls in enums:
        for member in cls:
            assert str(member.label).strip(), f"{cls.__name__}.{member.name} has an empty label"
            assert enum_label(member) == str(member.label)
            assert cls(member.value) is member  # the stored value still finds the member


def test_a_member_without_label_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="needs a label"):
        class Broken(LabelledEnum):  # noqa: F841
            ONE = "one"


def test_labels_follow_the_language_in_choices_filters_and_enum_label(app):
    with app.test_request_context():
        with force_locale("zh"):
            assert enum_label(Lifecycle.DRAFT) == "草稿"
            assert dict(enum_choices(Direction))["benefit"] == "效益型（越大越好）"
            assert render_template_string("{{ v|label }}", v=Level.NATIONAL) == "国家级"
        with force_locale("en"):
            assert enum_label(Lifecycle.ARCHIVED) == "Archived"
            assert [str(label) for _v, label in enum_choices(Direction, blank=True)][1:] == [
                "Benefit (larger is better)", "Cost (smaller is better)"]
            assert render_template_string("{{ v|label }}", v=Level.NATIONAL) == "National"


def test_str_of_a_member_is_its_stored_value():
    assert str(Lifecycle.ACTIVE) == "active" and Lifecycle.ACTIVE == "active"
    labelled = LabelledEnum("Tmp", [("X", ("x", _l("X")))])
    assert labelled("x").value == "x"


def test_framework_versions_and_evaluation_models_share_one_lifecycle_and_keep_their_constraint_names():
    for model, constraint in ((FrameworkVersion, "frameworkstatus"), (EvaluationModel, "modelstatus")):
        column_type = model.__table__.c.status.type
        assert column_type.enum_class is Lifecycle
        assert column_type.name == constraint  # the database is unchanged: no migration needed
        assert list(column_type.enums) == ["draft", "active", "archived"]


def test_model_direction_maps_one_to_one_onto_the_engine_direction():
    assert [m.value for m in Direction] == [m.value for m in ev.Direction]
    for member in Direction:
        assert ev.Direction.parse(member, method="test", position=1) is ev.Direction(member.value)
    # the engine reads the model's members as they are stored: cost columns come out as cost
    is_cost = parse_directions([Direction.BENEFIT, Direction.COST], 2, method="test")
    assert is_cost.tolist() == [False, True]
