"""The review page's routes. Every page needs a login; every form carries a CSRF token.

Decisions go through Outbox.decide, the same conditional UPDATE the CLI uses,
so a draft approved twice (two tabs, two reviewers) is approved and sent once,
and a rejected draft cannot be approved. Buyer text is only ever escaped by
Jinja2; buyer HTML only after nh3, under a Content-Security-Policy that runs
no script and loads no remote image.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from mailflow.config.settings import Settings
from mailflow.review.accounts import Accounts, TooManyFailures
from mailflow.review.web.i18n import text
from mailflow.review.web.pages import register_pages
from mailflow.store.engine import Store

_PUBLIC = {"login", "static"}
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
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    CSRFProtect(app)
    accounts = Accounts(store)

    @app.before_request
    def require_login() -> ResponseReturnValue | None:
        if request.args.get("lang") in ("en", "zh"):
            session["lang"] = request.args["lang"]
        g.lang = session.get("lang", "en")
        if request.endpoint in _PUBLIC:
            return None
        user = session.get("user")
        if not user or accounts.account(user) is None:  # a removed reviewer is out at once
            session.pop("user", None)
            return redirect(url_for("login", next=request.full_path))
        g.user = user
        return None

    @app.after_request
    def protect(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def words() -> dict[str, Any]:
        def t(key: str, **values: object) -> str:
            return text(g.lang, key).format(**values)

        return {"t": t, "lang": g.lang, "user": g.get("user")}

    @app.route("/login", methods=["GET", "POST"])
    def login() -> ResponseReturnValue:
        if request.method == "GET":
            return render_template("login.html")
        name, password = request.form.get("username", ""), request.form.get("password", "")
        try:
            account = accounts.login(name, password, request.remote_addr or "")
        except TooManyFailures:
            return render_template("login.html", error=text(g.lang, "too_many")), 429
        if account is None:
            return render_template("login.html", error=text(g.lang, "bad_login")), 401
        session.clear()  # a fresh session: nothing carried over from before the login
        session.permanent = True
        session["user"], session["lang"] = account.username, account.language
        return redirect(_local(request.args.get("next", "")) or url_for("queue"))

    @app.post("/logout")
    def logout() -> ResponseReturnValue:
        session.clear()
        return redirect(url_for("login"))

    register_pages(app, settings, store)
    return app


def _local(target: str) -> str:
    """Only a path on this site: a login link must not send the reviewer elsewhere."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return ""
    return target


def _secret_key(data_dir: Path) -> bytes:
    """One key per installation, so every process (and a restart) accepts the same sessions."""
    path = data_dir / "web-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()
