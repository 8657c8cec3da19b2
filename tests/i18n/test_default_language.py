"""Chinese is the default language of the site; each user may choose another."""

import re

from eduinnov import create_app
from eduinnov.config import Config, TestConfig
from eduinnov.extensions import db
from tests.clients import IsolatedClient


def test_the_production_default_is_chinese():
    assert Config.DEFAULT_LANGUAGE == "zh"


def test_a_visitor_without_a_choice_gets_chinese_and_can_switch(tmp_path):
    config = TestConfig()
    config.DEFAULT_LANGUAGE = "zh"
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'lang.sqlite3'}"
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        assert 'lang="zh-CN"' in page
        assert "登录" in page
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        switched = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
        assert switched.status_code == 302, switched.status_code
        english = client.get("/login").get_data(as_text=True)
        assert 'lang="en"' in english and "Log in" in english
        db.session.remove()
        db.engine.dispose()
