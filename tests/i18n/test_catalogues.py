"""The message catalogues: Chinese complete for the current source, placeholders intact, and the menu
rendered in the chosen language.

The template is extracted afresh (the command in the README: ``pybabel extract -F babel.cfg
-k _l -k lazy_gettext``), so a string added to the code or a template without a Chinese translation fails
here, with its msgid named.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from eduinnov.auth.models import Role
from eduinnov.navigation import NAV
from tests.clients import csrf_token
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
CATALOGUES = {lang: TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po" for lang in ("zh", "en")}

# %-placeholders (named or positional, with flags, width, precision; %% too) and {name}/{0} fields.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{\w*\}")

# Established terms (the menu, log-in): English source text and the Chinese it must read as.
TERMS = {
    "Programs": "专业",
    "Students": "学生",
    "Frameworks": "培养方案",
    "Partnerships": "产学研合作",
    "Achievements": "成果",
    "Evaluation": "评价",
    "OBE achievement": "OBE 达成度",
    "Users": "用户",
    "Log out": "退出登录",
    "Invalid email or password.": "邮箱或密码不正确。",
}
NAV_LINK = re.compile(r'<a class="nav-link[^"]*"[^>]*>([^<]+)</a>')


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A fresh extraction of every translatable string in the code and the templates."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    done = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, f"pybabel extract failed:\n{done.stderr[-3000:]}"
    return _read(pot)


@pytest.fixture(scope="module")
def zh():
    return _read(CATALOGUES["zh"])


def test_template_is_not_empty(template):
    ids = [m.id for m in template if m.id]
    assert len(ids) > 500
    assert "Log out" in template and "Invalid email or password." in template


def test_zh_catalogue_translates_every_extracted_string(template, zh):
    missing, untranslated, fuzzy = [], [], []
    for tm in template:
        if not tm.id:
            continue
        m = zh.get(tm.id, context=tm.context)
        if m is None:
            missing.append(_ids(tm)[0])
        elif m.fuzzy:
            fuzzy.append(_ids(tm)[0])
        elif not all(s.strip() for s in _strings(m)):
            untranslated.append(_ids(tm)[0])
    problems = [(f"{len(missing)} not in the zh catalogue (run pybabel update, then translate)", missing),
                (f"{len(untranslated)} untranslated", untranslated),
                (f"{len(fuzzy)} fuzzy (check the translation and clear the flag)", fuzzy)]
    report = "\n".join(f"{title}:\n" + "\n".join(f"  {mid!r}" for mid in ids) for title, ids in problems if ids)
    assert not report, "translations/zh/LC_MESSAGES/messages.po is incomplete:\n" + report


def test_no_fuzzy_entries_in_any_catalogue():
    for lang, path in CATALOGUES.items():
        fuzzy = [_ids(m)[0] for m in _read(path) if m.id and m.fuzzy]
        assert not fuzzy, f"{lang}: fuzzy entries are ignored at runtime: {fuzzy}"


def test_zh_plural_entries_have_their_one_form(zh):
    assert zh.num_plurals == 1
    for m in zh:
        if m.id and isinstance(m.id, (list, tuple)):
            assert len(_strings(m)) == 1 and _strings(m)[0], _ids(m)[0]


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_placeholders_of_each_translation_match_its_msgid(lang):
    wrong = []
    for m in _read(CATALOGUES[lang]):
        if not m.id:
            continue
        ids = _ids(m)
        for i, s in enumerate(_strings(m)):
            if not s:
                continue  # en: the source text is used
            # Plural forms: Chinese has one form, which follows the plural msgid.
            source = ids[min(i, len(ids) - 1)] if lang == "en" else ids[-1]
            if _placeholders(s) != _placeholders(source):
                wrong.append(f"{ids[0]!r}: {_placeholders(source)} → {s!r}")
    assert not wrong, f"{lang}: placeholders differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_catalogue_compiles_without_errors(lang):
    catalog = _read(CATALOGUES[lang])
    errors = [f"{_ids(m)[0]!r}: {[str(e) for e in errs]}" for m, errs in catalog.check() if errs]
    assert not errors, "\n".join(errors)
    write_mo(io.BytesIO(), catalog)


def test_established_terms_keep_their_translation(zh):
    for english, chinese in TERMS.items():
        message = zh.get(english)
        assert message is not None and message.string == chinese, (english, message and message.string)


def _menu_labels(app, lang: str) -> list[str]:
    """Every main-menu label, as the running app translates it into ``lang``."""
    with app.test_request_context(), force_locale(lang):
        return [str(item.label) for item in NAV]


def test_compiled_catalogue_is_up_to_date():
    mo = CATALOGUES["zh"].with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= CATALOGUES["zh"].stat().st_mtime, (
        "translations/zh/LC_MESSAGES/messages.mo is missing or older than the .po: run `make translations`")


def _menu(html: str) -> list[str]:
    labels = [label.strip() for label in NAV_LINK.findall(html)]
    assert labels, "no menu entries on the page"
    return labels


def _logout_label(html: str) -> str:
    match = re.search(r'action="/logout"[^>]*>.*?<button[^>]*>([^<]+)</button>', html, re.S)
    assert match, "no log-out button on the page"
    return match.group(1).strip()


def test_the_product_default_language_is_chinese(app):
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DIRECTOR, Role.TEACHER])
def test_menu_is_chinese_then_english_after_switching(app, login_as, program, role):
    english_labels, chinese_labels = _menu_labels(app, "en"), _menu_labels(app, "zh")
    assert not set(english_labels) & set(chinese_labels), "a menu label is not translated"
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in chinese_labels), chinese_labels
    browser = login_as(make_user(role, [program] if role != Role.ADMIN else [], locale="zh"))

    html = browser.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    menu = _menu(html)
    assert set(menu) <= set(chinese_labels), f"not Chinese: {set(menu) - set(chinese_labels)}"
    assert {"专业", "成果"} <= set(menu)
    assert _logout_label(html) == "退出登录"
    for label in [*english_labels, "Log out"]:
        assert f">{label}<" not in html, f"English {label!r} on the Chinese page"

    response = browser.client.post("/language", data={"lang": "en", "next": "/",
                                                      "csrf_token": csrf_token(browser.client, "/")})
    assert response.status_code == 302

    html = browser.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    english = _menu(html)
    assert set(english) <= set(english_labels), f"not English: {set(english) - set(english_labels)}"
    assert {"Programs", "Achievements"} <= set(english)
    assert [chinese_labels[english_labels.index(label)] for label in english] == menu
    assert _logout_label(html) == "Log out"
    for label in [*chinese_labels, "退出登录"]:
        assert f">{label}<" not in html, f"Chinese {label!r} on the English page"


def _switch(client, lang: str, page: str = "/login") -> None:
    response = client.post("/language", data={"lang": lang, "next": page, "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302


def test_login_page_follows_the_chosen_language(app):
    client = app.test_client()
    _switch(client, "zh")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "登录" in html and "邮箱" in html and "密码" in html
    _switch(client, "en")
    html = client.get("/login").get_data(as_text=True)
    assert "Log in" in html and "Email" in html and "Password" in html
    assert "邮箱" not in html


def test_failed_login_message_is_translated(app):
    client = app.test_client()
    _switch(client, "zh")
    response = client.post("/login", data={"email": "nobody@test.edu", "password": "wrong password",
                                           "csrf_token": csrf_token(client, "/login")})
    assert "邮箱或密码不正确。" in response.get_data(as_text=True)
