"""What every response and session needs against a hostile client: proxy trust, Secure cookies, security headers,
and the sign-in throttle.

- Proxies: ``X-Forwarded-For``/``-Proto`` are believed only when ``CASEWORKS_TRUSTED_PROXIES`` says how many
  proxies stand in front (werkzeug's ``ProxyFix``); otherwise any client could claim another address (and
  escape the per-address throttle) or claim HTTPS.
- Cookies are ``Secure`` when the request came over HTTPS (directly, or through a trusted proxy that says so),
  and always when ``CASEWORKS_SECURE_COOKIES`` is set.
- Headers: ``nosniff`` everywhere; ``no-store`` on the API (it answers with personal data); HSTS over HTTPS.
"""
from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.context import Context
from engine.ratelimit import login_throttle

HSTS = "max-age=31536000"
API_CSP = "default-src 'none'; frame-ancestors 'none'"
THROTTLE = "caseworks.login_throttle"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookie ``Secure`` whenever this request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def install(app: Flask, ctx: Context) -> None:
    settings = ctx.settings
    if settings.trusted_proxies > 0:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config["SESSION_COOKIE_SECURE"] = settings.secure_cookies
    app.session_interface = SessionInterface()
    app.extensions[THROTTLE] = login_throttle(settings, ctx.db)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.path.startswith("/api/") and request.path != "/api/openapi.json":
            response.headers["Cache-Control"] = "no-store"  # personal data: never kept by a browser or proxy
            response.headers.setdefault("Content-Security-Policy", API_CSP)
        if request.is_secure or settings.secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
