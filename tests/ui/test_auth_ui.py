"""Signing in, sessions, CSRF and roles in the browser UI (Flask test client)."""
from __future__ import annotations

import stat

from engine.services import work
from tests.ui.conftest import PASSWORD, UiClient, open_claim
from webapp import create_app


def test_login_page_has_a_labelled_form_with_a_csrf_token(ui: UiClient) -> None:
    page = ui.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<label for="username">' in html and '<label for="password">' in html
    assert 'name="csrf_token"' in html
    assert "Sign out" not in html  # nobody is signed in: no navigation


def test_each_role_lands_where_it_works(ui: UiClient, browser_ui) -> None:
    for username, home in (("agent", "/work"), ("desk", "/desk"), ("designer", "/designer"), ("admin", "/work")):
        person = browser_ui()
        response = person.login(username)
        assert response.status_code == 303, username
        assert response.headers["Location"] == home, username


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(ui: UiClient) -> None:
    response = ui.login("agent", "not the password")
    assert response.status_code == 401
    assert "Unknown user or wrong password." in response.get_data(as_text=True)
    assert ui.login("nobody", PASSWORD).status_code == 401
    assert ui.get("/work").status_code == 302


def test_pages_need_a_session_and_come_back_after_signing_in(ui: UiClient) -> None:
    response = ui.get("/work?view=mine")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/work")
    page = ui.get(response.headers["Location"])
    back = ui.client.post("/login", data={"username": "agent", "password": PASSWORD, "next": "/work?view=mine",
                                          "csrf_token": ui.csrf(page)})
    assert back.headers["Location"] == "/work?view=mine"


def test_next_never_leads_to_another_site(ui: UiClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        page = ui.get("/login")
        response = ui.client.post("/login", data={"username": "agent", "password": PASSWORD, "next": target,
                                                  "csrf_token": ui.csrf(page)})
        assert response.headers["Location"] == "/work", target
        ui.post("/logout")


def test_a_post_without_the_csrf_token_is_rejected(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx)
    page = ui.get("/login")
    assert ui.client.post("/login", data={"username": "agent", "password": PASSWORD}).status_code == 400
    assert ui.get("/work").status_code == 302  # not signed in by the forged form
    ui.client.post("/login", data={"username": "agent", "password": PASSWORD, "csrf_token": ui.csrf(page)})
    refused = ui.post("/work/next", csrf=False)
    assert refused.status_code == 400
    assert "did not come from Caseworks" in refused.get_data(as_text=True)
    assert ui.post("/work/next", {"csrf_token": "forged"}, csrf=False).status_code == 400
    assert ui.client.post("/work/next", headers={"X-CSRF-Token": "forged"}).status_code == 400
    assert ui.post("/logout", csrf=False).status_code == 400
    item = work.list_work_items(ctx, work.WorkFilter(case_reference=reference))[0]
    assert item["state"] == "ready" and item["assignee"] is None  # nothing was claimed
    assert ui.post("/work/next").status_code == 303  # with the token it works


def test_the_csrf_token_also_comes_as_a_header(ui: UiClient, ctx) -> None:
    open_claim(ctx)
    ui.login("agent")
    token = ui.csrf(ui.get("/work"))
    response = ui.client.post("/work/next", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert response.status_code == 303


def test_sign_out_ends_the_session(ui: UiClient) -> None:
    ui.login("agent")
    assert ui.get("/work").status_code == 200
    assert ui.post("/logout").status_code == 303
    assert ui.get("/work").status_code == 302


def test_front_office_cannot_claim_or_complete_back_office_work(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx)
    item = work.list_work_items(ctx, work.WorkFilter(case_reference=reference))[0]
    ui.login("desk")
    page = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Assess claim" in page and "Complete" not in page and "Claim and work on it" not in page
    data = {"decision": "approve", "approved_amount": "500"}
    refused = ui.post(f"/work/items/{item['id']}/complete", data)
    assert refused.status_code == 403
    assert "may not do this" in refused.get_data(as_text=True)
    assert refused.mimetype == "text/html"
    assert ui.post(f"/work/items/{item['id']}/claim").status_code == 403
    assert ui.post("/work/next").status_code == 403
    assert ui.get("/work").status_code == 403
    assert work.get_work_item(ctx, item["id"])["state"] == "ready"


def test_designer_page_is_for_designers_and_admins(ui: UiClient, browser_ui) -> None:
    for username, status in (("agent", 403), ("desk", 403), ("designer", 200), ("admin", 200)):
        person = browser_ui()
        person.login(username)
        response = person.get("/designer")
        assert response.status_code == status, username
        assert response.mimetype == "text/html"


def test_navigation_shows_what_the_role_may_use(browser_ui) -> None:
    expected = {"agent": {"Worklist", "Desk"}, "desk": {"Desk"}, "designer": {"Designer"},
                "admin": {"Worklist", "Desk", "Designer"}}
    for username, links in expected.items():
        person = browser_ui()
        person.login(username)
        html = person.get("/desk").get_data(as_text=True)
        nav = html.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
        shown = {label for label in ("Worklist", "Desk", "Designer") if f">{label}</a>" in nav}
        assert shown == links, username


def test_session_cookie_and_security_headers(ui: UiClient) -> None:
    response = ui.login("agent")
    cookie = response.headers["Set-Cookie"]
    assert "caseworks_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = ui.get("/work")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"


def test_session_key_is_kept_in_the_home_folder_so_restarts_keep_sessions(ctx, ui: UiClient) -> None:
    ui.login("agent")
    cookie = ui.client.get_cookie("caseworks_session")
    assert cookie is not None
    again = create_app(context=ctx).test_client()  # a restarted server on the same home
    again.set_cookie("caseworks_session", cookie.value)
    assert again.get("/work").status_code == 200
    key_file = ctx.settings.home / "ui-secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_api_keeps_its_json_errors(ui: UiClient) -> None:
    ui.login("agent")
    response = ui.get("/api/v1/cases/CLM-2026-999999")  # a session cookie is no API token
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_unknown_case_is_an_html_404(ui: UiClient) -> None:
    ui.login("agent")
    response = ui.get("/cases/CLM-2026-999999")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "No case with reference &#39;CLM-2026-999999&#39;" in response.get_data(as_text=True)
