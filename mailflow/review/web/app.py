"""The review page's routes. Every page needs a login; every form carries a CSRF token and must
come from a page of this site (its Origin header says so).

Decisions go through Outbox.decide, the same conditional UPDATE the CLI uses,
so a draft approved twice (two tabs, two reviewers) is approved and sent once,
and a rejected draft cannot be approved. Buyer text is only ever escaped by
Jinja2; buyer HTML only after nh3, under a Content-Security-Policy that runs
no script and loads no remote image. Logins live in the database
(mailflow.review.sessions): logging out ends one at once, removing a reviewer all of theirs.
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from mailflow.config.settings import Settings
from mailflow.review.accounts import Accounts, TooManyFailures
from mailflow.review.sessions import LIFETIME, ReviewSessions
from mailflow.review.web.i18n import text
from mailflow.review.web.ids import RowId
from mailflow.review.web.layout import NAV, age
from mailflow.review.web.list_pages import register_lists
from mailflow.review.web.origin import local_path, posted_from_here
from mailflow.review.web.overview_page import register_overview
from mailflow.review.web.pages import register_pages
from mailflow.review.web.proxies import VIA_PROXY, TrustedProxies
from mailflow.store.engine import Store
from mailflow.store.private_files import make_private_folder

log = logging.getLogger(__name__)
audit = logging.getLogger("mailflow.audit")

_PUBLIC = {"login", "static"}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def create_app(settings: Settings, store: Store, secret_key: bytes | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or _secret_key(settings.data_dir),
        SESSION_COOKIE_NAME="mailflow_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.web.secure_cookies,
        PERMANENT_SESSION_LIFETIME=LIFETIME,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        # Flask-WTF's own check wants a Referer on HTTPS; refuse_other_sites checks Origin first.
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.wsgi_app = TrustedProxies(app.wsgi_app, settings.web.trusted_proxies)  # type: ignore[method-assign]
    app.url_map.converters["int"] = RowId  # before any route: no id beyond the columns' range
    accounts, logins = Accounts(store), ReviewSessions(store)

    @app.before_request
    def refuse_other_sites() -> ResponseReturnValue | None:
        """Before the CSRF check: a form another site posts is refused even with a token it got."""
        if request.method in _SAFE_METHODS:
            return None
        origin, referer = request.headers.get("Origin"), request.headers.get("Referer")
        if posted_from_here(origin, referer, request.scheme, request.host):
            return None
        log.warning(
            "%s %s refused: Origin %r, Referer %r, not %s://%s (behind a proxy? see web.trusted_proxies)",
            request.method, request.path, origin, referer, request.scheme, request.host,
        )  # fmt: skip
        return text(session.get("lang", "en"), "other_site"), 403

    CSRFProtect(app)

    @app.before_request
    def require_login() -> ResponseReturnValue | None:
        if request.args.get("lang") in ("en", "zh"):
            session["lang"] = request.args["lang"]
        g.lang = session.get("lang", "en")
        if request.endpoint in _PUBLIC:
            return None
        token = session.get("login")
        account = logins.reviewer(token) if isinstance(token, str) else None
        if account is None:  # logged out, removed, expired, or never logged in
            session.pop("login", None)
            return redirect(url_for("login", next=request.full_path))
        g.user = account.username
        return None

    @app.after_request
    def protect(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Not no-referrer: with it, browsers send `Origin: null` on the page's own forms.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.context_processor(_page_context)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> ResponseReturnValue:
        if request.method == "GET":
            return render_template("login.html")
        name, password = request.form.get("username", ""), request.form.get("password", "")
        # Behind the trusted proxy every reviewer shares its address: only the name is counted.
        direct_address = "" if request.environ.get(VIA_PROXY) else request.remote_addr or ""
        try:
            account = accounts.login(name, password, direct_address)
        except TooManyFailures as exc:
            audit.warning("login for %r from %s waits %d s", name, request.remote_addr, exc.seconds)
            page = render_template("login.html", error=text(g.lang, "too_many").format(seconds=exc.seconds))
            return page, 429, {"Retry-After": str(exc.seconds)}
        if account is None:
            audit.info("login refused for %r from %s", name, request.remote_addr)
            return render_template("login.html", error=text(g.lang, "bad_login")), 401
        session.clear()  # a fresh session: nothing carried over from before the login
        session.permanent = True
        session["login"], session["lang"] = logins.start(account.username), account.language
        audit.info("%s logged in from %s", account.username, request.remote_addr)
        # The overview is where a reviewer starts; a link they followed to the login page still wins.
        return redirect(local_path(request.args.get("next", "")) or url_for("overview"))

    @app.post("/logout")
    def logout() -> ResponseReturnValue:
        logins.end(session["login"])
        session.clear()
        audit.info("%s logged out", g.user)
        return redirect(url_for("login"))

    register_pages(app, settings, store)
    register_overview(app, settings, store)
    register_lists(app, settings, store)
    return app


def _page_context() -> dict[str, Any]:
    """What every template may use: the words in the reviewer's language, who is logged in, the
    header's links, ages."""

    def t(key: str, **values: object) -> str:
        return text(g.lang, key).format(**values)

    return {
        "t": t,
        "lang": g.lang,
        "user": g.get("user"),
        "nav": NAV,
        "age": lambda then: age(g.lang, then, datetime.now(UTC)),
    }


def _secret_key(data_dir: Path) -> bytes:
    """One key per installation, so every process (and a restart) accepts the same sessions."""
    path = data_dir / "web-secret"
    if not path.exists():
        make_private_folder(data_dir)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()
