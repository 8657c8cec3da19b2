"""Issue #12 (5): two directors editing the same evaluation model (settings, then one indicator node)."""

from __future__ import annotations

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.indicators import services
from eduinnov.indicators.models import EvaluationModel, IndicatorNode
from tests.core.test_optimistic_locking import _conflict
from tests.factories import make_user
from tests.indicators.conftest import simple_spec


def test_model_settings(login_as, data):
    model = services.import_model(simple_spec(), data.program, data.director)
    db.session.commit()
    url = f"/evaluation/models/{model.id}/settings"
    _conflict(login_as, data.director, make_user(Role.DIRECTOR, [data.program]), url, "name", "甲的模型", "乙的模型")
    assert db.session.get(EvaluationModel, model.id).name == "甲的模型"


def test_indicator_node(login_as, data):
    model = services.import_model(simple_spec(), data.program, data.director)
    db.session.commit()
    node = model.root.children[0]
    url = f"/evaluation/nodes/{node.id}"
    _conflict(login_as, data.director, make_user(Role.DIRECTOR, [data.program]), url, "name_zh", "甲的指标", "乙的指标")
    assert db.session.get(IndicatorNode, node.id).name_zh == "甲的指标"
