"""The review queue, one draft beside the buyer's message, decisions, customer pages, attachments."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Flask, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from mailflow.config.settings import Settings
from mailflow.drafts.states import ReviewError
from mailflow.drafts.store import Outbox
from mailflow.inbound.attachments import AttachmentStore
from mailflow.ledger.store import Ledger
from mailflow.review.queries import MANUAL_KINDS, ReviewQueries
from mailflow.review.retag import CORRECTABLE_TAGS, RetagRefused, retag
from mailflow.review.web.case_page import register_case_page
from mailflow.review.web.i18n import text
from mailflow.review.web.ids import form_id
from mailflow.review.web.origin import local_path
from mailflow.review.web.safety import quoted_history, sanitized_html
from mailflow.store.engine import Store

KINDS = ("ack", "followup", "update", "reminder", "digest")
_INLINE_IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def register_pages(app: Flask, settings: Settings, store: Store) -> None:
    queries, outbox, ledger = ReviewQueries(store), Outbox(store), Ledger(store)
    register_retag(app, store)
    register_case_page(app, settings, store)  # GET /cases/<id> and its forms
    attachments = AttachmentStore.of(settings)
    mailboxes = [box.name for box in settings.mailboxes]

    @app.get("/")
    def queue() -> ResponseReturnValue:
        kind, mailbox = request.args.get("kind", ""), request.args.get("mailbox", "")
        customer = request.args.get("customer", "")
        drafts = queries.queue(kind if kind in KINDS else "", mailbox, customer)
        return render_template(
            "queue.html", drafts=drafts, kinds=KINDS, mailboxes=mailboxes, kind=kind, mailbox=mailbox,
            customer=customer,
        )  # fmt: skip

    @app.post("/approve-batch")
    def approve_batch() -> ResponseReturnValue:
        raw_ids = request.form.getlist("draft")
        draft_ids = [draft_id for draft_id in map(form_id, raw_ids) if draft_id is not None]
        if len(draft_ids) != len(raw_ids):  # not the queue's form: decide none of it
            abort(404)
        for draft_id in draft_ids:
            _decide(draft_id, partial(outbox.decide, draft_id, "approved", g.user))
        return redirect(url_for("queue"))

    @app.get("/drafts/<int:draft_id>")
    def draft(draft_id: int) -> ResponseReturnValue:
        page = queries.draft_page(draft_id)
        if page is None:
            abort(404)
        message = page["message"]
        return render_template(
            "draft.html",
            **page,
            correctable=CORRECTABLE_TAGS,
            history_text=quoted_history(message["body"], message["full_text"]) if message else "",
            safe_html=sanitized_html(message["html"]) if message and message["html"] else "",
        )

    @app.post("/drafts/<int:draft_id>/approve")
    def approve(draft_id: int) -> ResponseReturnValue:
        subject, body = request.form.get("subject"), request.form.get("body")
        form = (subject, body) if subject is not None and body is not None else None
        if not _decide(draft_id, lambda: outbox.approve(draft_id, g.user, (lambda: form) if form else None)):
            return redirect(url_for("draft", draft_id=draft_id))  # the reason beside the draft
        return redirect(url_for("queue"))

    @app.post("/drafts/<int:draft_id>/reject")
    def reject(draft_id: int) -> ResponseReturnValue:
        reason = " ".join(request.form.get("reason", "").split())
        if not reason:
            flash(text(g.lang, "not_allowed").format(reason=text(g.lang, "reason") + "?"))
            return redirect(url_for("draft", draft_id=draft_id))
        _decide(draft_id, partial(outbox.decide, draft_id, "rejected", g.user, reason))
        return redirect(url_for("queue"))

    @app.get("/customers/<int:customer_id>")
    def customer(customer_id: int) -> ResponseReturnValue:
        page = queries.customer_page(customer_id)
        if page is None:
            abort(404)
        invoices = ledger.invoices(open_only=True, customer_id=customer_id)
        return render_template("customer.html", **page, invoices=invoices, manual_kinds=MANUAL_KINDS)

    @app.post("/customers/<int:customer_id>/contacts")
    def log_contact(customer_id: int) -> ResponseReturnValue:
        kind, note = request.form.get("kind", ""), request.form.get("text", "").strip()
        if (
            kind in MANUAL_KINDS
            and note
            and queries.log_manual_contact(customer_id, kind, note, g.user) is None
        ):
            abort(404)
        return redirect(url_for("customer", customer_id=customer_id))

    @app.get("/attachments/<int:attachment_id>")
    def attachment(attachment_id: int) -> ResponseReturnValue:
        found = queries.attachment(attachment_id)
        if found is None or not found["stored"]:
            abort(404)
        path = attachments.path_for(found["sha256"])
        if not path.exists():
            abort(404)
        inline = found["content_type"] in _INLINE_IMAGES
        return send_file(
            path,
            mimetype=found["content_type"] if inline else "application/octet-stream",
            as_attachment=not inline,
            download_name=found["filename"],
        )


def register_retag(app: Flask, store: Store) -> None:
    """A reviewer corrects a buyer message's tags (mailflow.review.retag)."""

    @app.post("/contacts/<int:contact_id>/retag")
    def retag_contact(contact_id: int) -> ResponseReturnValue:
        back = request.form.get("back", "")
        try:
            done = retag(
                store, contact_id, request.form.getlist("tag"), request.form.get("severity", ""), g.user
            )
        except RetagRefused as exc:
            flash(text(g.lang, "not_allowed").format(reason=exc))
        else:
            flash(text(g.lang, "retagged").format(id=contact_id))
            if done.case_opened:
                flash(text(g.lang, "case_opened").format(id=done.case_opened))
            if done.case_withdrawn:
                flash(
                    text(g.lang, "case_withdrawn").format(
                        id=done.case_withdrawn, drafts=done.drafts_cancelled
                    )
                )
        return redirect(local_path(back) or url_for("queue"))  # never an open redirect


def _decide(draft_id: int, apply: Callable[[], str]) -> bool:
    """Apply a decision (its new status) and say so; False (the reason flashed) when it was refused:
    by the draft's state, or by a reviewer's edit that cannot go in a header (ValueError)."""
    try:
        status = apply()
    except (ReviewError, ValueError) as exc:
        flash(text(g.lang, "not_allowed").format(reason=exc))
        return False
    flash(text(g.lang, "decided").format(id=draft_id, status=text(g.lang, status)))
    return True
