"""Sessions and sign-in under attack: copied cookies after sign-out, password change and deactivation; the
sign-in throttle per user and per address (database and Redis storage, shared across processes); equal cost
for known and unknown users; Secure cookies and HSTS over HTTPS, proxies believed only when configured."""
from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import redis

from engine.bootstrap import build
from engine.services import auth
from tests.conftest import IN_CI
from tests.ui.conftest import PASSWORD, UiClient
from webapp import create_app


REDIS = "redis://127.0.0.1:6379/15"


def _require_redis() -> None:
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.ConnectionError:
        if IN_CI:
            pytest.fail("Redis is not reachable at 127.0.0.1:6379 and CI=true")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    finally:
        client.close()


def _other_process(ctx: Any, **changes: Any) -> Any:
    """Another serving process on the same database: its own engine context, pools and app (nothing shared
    in memory with the first)."""
    other = build(ctx.settings.with_(**changes), clock=ctx.clock)
    return create_app(context=other), other


def _copy_cookie(ui: UiClient, app: Any) -> Any:
    cookie = ui.client.get_cookie("caseworks_session")
    thief = app.test_client()
    thief.set_cookie("caseworks_session", cookie.value)
    return thief


def test_a_cookie_copied_before_sign_out_is_refused_after_it(ui: UiClient, app: Any, ctx: Any) -> None:
    ui.login("agent")
    thief = _copy_cookie(ui, app)
    other_app, other = _other_process(ctx)
    thief_elsewhere = _copy_cookie(ui, other_app)
    assert thief.get("/work").status_code == 200 and thief_elsewhere.get("/work").status_code == 200
    assert ui.post("/logout").status_code == 303
    assert thief.get("/work").status_code == 302  # back to the login page
    assert thief_elsewhere.get("/work").status_code == 302  # on the other process too
    assert ui.login("agent").status_code == 303 and ui.get("/work").status_code == 200  # a new sign-in works
    other.db.dispose()


def test_a_new_password_and_deactivation_end_every_session(ui: UiClient, browser_ui: Any, ctx: Any) -> None:
    ui.login("agent")
    second_browser = browser_ui()
    second_browser.login("agent")
    auth.set_password(ctx, "agent", "a brand new passphrase")
    assert ui.get("/work").status_code == 302 and second_browser.get("/work").status_code == 302
    assert ui.login("agent").status_code == 401  # the old password is gone
    assert ui.login("agent", "a brand new passphrase").status_code == 303
    auth.deactivate_user(ctx, "agent")
    assert ui.get("/work").status_code == 302
    assert ui.login("agent", "a brand new passphrase").status_code == 401


def test_a_deactivated_users_token_is_refused_on_the_next_request_by_every_process(ctx: Any, app: Any) -> None:
    token = auth.create_token(ctx, "robot", "integration")
    other_app, other = _other_process(ctx)
    clients = [app.test_client(), other_app.test_client()]
    headers = {"Authorization": f"Bearer {token}"}
    assert [c.get("/api/v1/cases", headers=headers).status_code for c in clients] == [200, 200]
    auth.deactivate_user(ctx, "robot")
    refused = [c.get("/api/v1/cases", headers=headers) for c in clients]
    assert [r.status_code for r in refused] == [401, 401]
    assert refused[1].json["error"]["code"] == "unauthorized"
    other.db.dispose()


def _wrong(ui: UiClient, username: str, address: str = "192.0.2.10") -> Any:
    return ui.client.post("/login", data={"username": username, "password": "guess", "csrf_token": ui.csrf()},
                          environ_base={"REMOTE_ADDR": address})


def test_the_sixth_wrong_password_within_a_minute_is_refused_and_others_still_sign_in(ui: UiClient,
                                                                                     browser_ui: Any) -> None:
    assert [_wrong(ui, "agent").status_code for _ in range(5)] == [401] * 5
    sixth = _wrong(ui, "agent")
    assert sixth.status_code == 429
    assert 1 <= int(sixth.headers["Retry-After"]) <= 60
    assert "too many failed sign-ins" in sixth.get_data(as_text=True).lower()
    assert ui.login("agent").status_code == 429  # even the right password waits: the attacker learns nothing
    colleague = browser_ui()
    assert colleague.login("manager").status_code == 303  # someone else, same office address
    assert colleague.get("/work").status_code == 200


def test_many_user_names_from_one_address_are_throttled_per_address(ctx: Any, people: Any) -> None:
    app, other = _other_process(ctx, login_limit_address="8/minute")
    ui = UiClient(app.test_client())
    names = [f"nobody-{uuid.uuid4().hex[:6]}" for _ in range(9)]
    assert [_wrong(ui, name, "198.51.100.7").status_code for name in names] == [401] * 8 + [429]
    assert _wrong(ui, "someone-else", "198.51.100.8").status_code == 401  # another address is not affected
    spoofed = ui.client.post("/login", data={"username": "x", "password": "y", "csrf_token": ui.csrf()},
                             environ_base={"REMOTE_ADDR": "198.51.100.7"},
                             headers={"X-Forwarded-For": "203.0.113.99"})
    assert spoofed.status_code == 429  # no trusted proxy configured: the forwarded address is ignored
    other.db.dispose()


@pytest.mark.parametrize("storage", ["database", "redis"])
def test_the_throttle_counts_across_processes(ctx: Any, people: Any, storage: str) -> None:
    changes = {"rate_limit_storage": REDIS} if storage == "redis" else {}
    if storage == "redis":
        _require_redis()
    first_app, first = _other_process(ctx, **changes)
    second_app, second = _other_process(ctx, **changes)
    name = f"user-{uuid.uuid4().hex[:8]}"  # unique: Redis outlives the test
    first_ui, second_ui = UiClient(first_app.test_client()), UiClient(second_app.test_client())
    statuses = [_wrong(first_ui if i % 2 else second_ui, name).status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    first.db.dispose()
    second.db.dispose()


def test_known_and_unknown_users_cost_the_same(ctx: Any, people: Any) -> None:
    """CPU time of the sign-in thread (the full scrypt hash dominates it), compared over interleaved trials:
    thread CPU time, unlike wall time, does not depend on what else the machine is doing."""
    known, unknown = [], []
    for i in range(6):
        for name, into in (("agent", known), (f"ghost-{i}", unknown)):
            start = time.thread_time()
            with pytest.raises(auth.AuthenticationRequired):
                auth.authenticate_password(ctx, name, "wrong password")
            into.append(time.thread_time() - start)
    known_median, unknown_median = sorted(known)[3], sorted(unknown)[3]
    assert abs(known_median - unknown_median) <= 0.2 * max(known_median, unknown_median), (known, unknown)


def test_cookies_are_secure_over_https_and_proxies_are_believed_only_when_configured(ctx: Any, people: Any) -> None:
    plain = create_app(context=ctx)
    over_https = UiClient(plain.test_client())
    page = over_https.client.get("/login", base_url="https://cases.example")
    response = over_https.client.post("/login", base_url="https://cases.example", data={
        "username": "agent", "password": PASSWORD, "csrf_token": over_https.csrf(page)})
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    over_http = UiClient(plain.test_client())
    response = over_http.login("agent")
    assert "Secure" not in response.headers["Set-Cookie"] and "Strict-Transport-Security" not in response.headers
    claims_https = over_http.client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in claims_https.headers  # an untrusted client says so: ignored

    behind_proxy, other = _other_process(ctx, trusted_proxies=1)
    proxied = UiClient(behind_proxy.test_client())
    page = proxied.client.get("/login", headers={"X-Forwarded-Proto": "https"})
    response = proxied.client.post("/login", headers={"X-Forwarded-Proto": "https"}, data={
        "username": "agent", "password": PASSWORD, "csrf_token": proxied.csrf(page)})
    assert "Secure" in response.headers["Set-Cookie"] and "Strict-Transport-Security" in response.headers
    other.db.dispose()

    forced, forced_ctx = _other_process(ctx, secure_cookies=True)
    response = UiClient(forced.test_client()).login("agent")
    assert "Secure" in response.headers["Set-Cookie"] and "Strict-Transport-Security" in response.headers
    forced_ctx.db.dispose()
