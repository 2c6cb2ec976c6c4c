"""GET /cases/<id>: one complaint case, its workflow forms, its timeline and its messages.

The forms post to /cases/<id>/<move> and go through review/case_moves, the same
conditional UPDATEs the CLI uses, with the logged-in reviewer as the actor; the
origin check and the CSRF token (app.py) guard them like every other form. The page
offers only the moves the case's state allows (inbound/case_states.may).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from mailflow.config.settings import Settings
from mailflow.drafts.solutions import SolutionNotDrafted
from mailflow.drafts.templates import Templates
from mailflow.inbound.case_states import (
    ACTIONS,
    RESPONSIBILITIES,
    SOLUTION_KINDS,
    CaseMoveError,
    CaseNotFound,
    may,
    solution_from,
)
from mailflow.review.accounts import Accounts
from mailflow.review.case_moves import CaseDesk, Moved
from mailflow.review.case_views import CaseViews
from mailflow.review.web.i18n import text
from mailflow.store.engine import Store

# The moves a person makes on the page; "acknowledge" and "withdraw" are mailflow's and retag's.
MOVES = tuple(action for action in ACTIONS if action not in ("acknowledge", "withdraw"))


def register_case_page(app: Flask, settings: Settings, store: Store) -> None:
    views = CaseViews(store, settings.schedule.default_timezone)
    desk = CaseDesk(store, settings, Templates(settings.replies.templates_dir))
    accounts = Accounts(store)

    @app.get("/cases/<int:case_id>")
    def case(case_id: int) -> ResponseReturnValue:
        found = views.case(case_id, datetime.now(UTC))
        if found is None:
            abort(404)
        offered = [move for move in MOVES if may(found["status"], move)]
        return render_template(
            "case.html",
            case=found,
            moves=offered,
            reviewers=accounts.names() if "assign" in offered else [],
            responsibilities=RESPONSIBILITIES,
            solution_kinds=SOLUTION_KINDS,
        )

    @app.post("/cases/<int:case_id>/<move>")
    def move_case(case_id: int, move: str) -> ResponseReturnValue:
        if move not in MOVES:
            abort(404)
        try:
            moved = _move(desk, case_id, move, request.form, g.user)
        except CaseNotFound:
            abort(404)
        except (CaseMoveError, SolutionNotDrafted) as exc:
            flash(text(g.lang, "not_allowed").format(reason=exc))
        else:
            _said(moved, move)
        return redirect(url_for("case", case_id=case_id))


def _move(desk: CaseDesk, case_id: int, move: str, form: Any, actor: str) -> Moved:
    now = datetime.now(UTC)
    if move == "agree":
        chosen = solution_from(
            form.get("solution", ""), form.get("amount", ""), form.get("currency", ""), form.get("due", "")
        )
        return desk.agree(case_id, chosen, actor, now)
    given = {"assign": "owner", "assess": "responsibility", "note": "note"}
    if move in given:
        return getattr(desk, move)(case_id, form.get(given[move], ""), actor, now)  # type: ignore[no-any-return]
    return getattr(desk, move)(case_id, actor, now)  # type: ignore[no-any-return]


def _said(moved: Moved, move: str) -> None:
    if move == "agree" and not moved.changed:
        flash(text(g.lang, "case_unchanged").format(id=moved.case_id))
        return
    status = text(g.lang, f"cs_{moved.status}")
    flash(text(g.lang, "case_moved").format(id=moved.case_id, status=status))
    if moved.draft_id:
        flash(text(g.lang, "solution_drafted").format(id=moved.draft_id))
