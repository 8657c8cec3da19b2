"""Issue #12 (5): two directors editing the same evaluation model (settings, then one indicator node)."""

from __future__ import annotations

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.indicators import services
from eduinnov.indicators.models import EvaluationModel, IndicatorNode
from tests.clients import save_conflict
from tests.factories import make_user, simple_spec


def test_model_settings(login_as, data):
    model = services.import_model(simple_spec(), data.program, data.director)
    db.session.commit()
    url = f"/evaluation/models/{model.id}/settings"
    save_conflict(login_as, data.director, make_user(Role.DIRECTOR, [data.program]), url, "name", "甲的模型", "乙的模型")
    assert db.session.get(EvaluationModel, model.id).name == "甲的模型"


def test_indicator_node(login_as, data):
    model = services.import_model(simple_spec(), data.program, data.director)
    db.session.commit()
    node = model.root.children[0]
    url = f"/evaluation/nodes/{node.id}"
    save_conflict(login_as, data.director, make_user(Role.DIRECTOR, [data.program]), url, "name_zh", "甲的指标", "乙的指标")
    assert db.session.get(IndicatorNode, node.id).name_zh == "甲的指标"
