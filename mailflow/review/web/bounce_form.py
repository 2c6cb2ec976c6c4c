"""POST /bounces/clear: a reviewer says a bounced address works again.

The same code path as `mailflow bounces clear EMAIL` (drafts/store.Outbox.clear_bounce: one conditional
change of the mark, the reviewer kept as who cleared it, an audit line); the CSRF token and the Origin
check are the app's, as for every form. A draft that failed on the address is not approved again by
this: the reviewer approves it again, as the sender's failure says.
"""

from __future__ import annotations

from flask import Flask, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from mailflow.drafts.store import Outbox
from mailflow.review.web.i18n import text
from mailflow.review.web.origin import local_path
from mailflow.store.engine import Store

_ADDRESS_LIMIT = 320  # the marks' column: a longer value is no marked address


def register_bounce_form(app: Flask, store: Store) -> None:
    outbox = Outbox(store)

    @app.post("/bounces/clear")
    def clear_bounce() -> ResponseReturnValue:
        address = request.form.get("email", "").strip()[: _ADDRESS_LIMIT + 1]
        if address and len(address) <= _ADDRESS_LIMIT and outbox.clear_bounce(address, g.user):
            flash(text(g.lang, "bn_cleared").format(email=address))
        else:  # cleared meanwhile (another tab, the CLI), or never marked
            flash(text(g.lang, "bn_not_marked").format(email=address))
        return redirect(local_path(request.form.get("back", "")) or url_for("bounces"))
