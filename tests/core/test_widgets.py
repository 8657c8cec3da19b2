"""The quicker Select widget renders exactly what WTForms' own renders."""

from __future__ import annotations

import random

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, widgets

from eduinnov.core.widgets import Select


def _form(choices, data, widget):
    class F(Form):
        field = SelectField("F", choices=choices, coerce=lambda v: None if v in ("", "None", None) else str(v),
                            validate_choice=False, widget=widget)

    form = F()
    form.field.data = data
    return form.field


def test_select_options_are_the_same_html_as_wtforms_on_random_choices(app):
    rng = random.Random(7)
    labels = ["专业01（计算机学院）", "A & B", '"quoted"', "<script>", "it's", "", "全部", _l("All programs")]
    for _ in range(200):
        choices = []
        for _ in range(rng.randint(0, 12)):
            value = rng.choice([None, "", rng.randint(1, 300), f"v{rng.randint(0, 9)}", 'a"b', "x&y", True])
            choices.append((value, rng.choice(labels)))
        data = rng.choice([None, *(str(v) for v, _label in choices)]) if choices else None
        ours = _form(choices, data, Select())
        theirs = _form(choices, data, widgets.Select())
        kwargs = rng.choice([{}, {"class_": "form-select"}, {"class_": "x", "disabled": True}])
        assert str(ours(**kwargs)) == str(theirs(**kwargs))


def test_options_with_their_own_attributes_still_render_through_wtforms(app):
    from wtforms.fields.choices import SelectChoice

    choices = [SelectChoice(1, "One", render_kw={"data_x": "1"}), SelectChoice(2, "Two")]
    ours = _form(choices, "1", Select())
    assert str(ours()) == str(_form(choices, "1", widgets.Select())())
    assert 'data-x="1"' in str(ours())
