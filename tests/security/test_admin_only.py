"""Administrator-only pages: accounts and programs. A program's own director gets 403 and changes nothing."""

from __future__ import annotations

import pytest

from tests.clients import csrf_token
from tests.security.test_idor import _snapshot

ADMIN_PAGES = [
    ("GET", "/admin/users"), ("GET", "/admin/users/new"), ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{teacher}"), ("POST", "/admin/users/{teacher}"), ("GET", "/programs/new"),
    ("POST", "/programs/new"), ("GET", "/programs/{program}/edit"), ("POST", "/programs/{program}/edit"),
    ("POST", "/programs/{program}/delete"),
]


@pytest.mark.parametrize("method, url", ADMIN_PAGES)
@pytest.mark.parametrize("who", ["director", "teacher", "student_user"])
def test_only_administrators_reach_account_and_program_administration(login_as, world_a, method, url, who):
    browser = login_as(getattr(world_a, who))
    url = url.format(teacher=world_a.teacher.id, program=world_a.program.id)
    before = _snapshot()
    if method == "GET":
        response = browser.get(url)
    else:
        response = browser.client.post(url, data={
            "csrf_token": csrf_token(browser.client, "/account/password"), "email": "x@test.edu", "name": "x",
            "role": "admin", "password": "long enough password", "is_active": "y", "code": "X",
            "name_zh": "x", "degree_level": "bachelor", f"membership-{world_a.program.id}": "director"})
    # A student cannot even see the program (404, as for any id she has no access to).
    expected = {403, 404} if who == "student_user" and "/programs/" in url and "new" not in url else {403}
    assert response.status_code in expected
    assert _snapshot() == before
