"""guard.check(): automatic mail is recognised and every reason is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.inbound.classify.corpus import as_rfc822, read_corpus
from mailflow.inbound.guard import check, is_own_address
from mailflow.inbound.parsing.parse import parse

OWN = frozenset({"sales@ningbo-homeware.example"})


def _verdict(
    headers: str, sender: str = "buyer@acme.example", subject: str = "Order"
) -> tuple[bool, tuple[str, ...]]:
    raw = f"From: {sender}\r\nSubject: {subject}\r\n{headers}\r\nhello\r\n".encode()
    verdict = check(parse(raw), OWN)
    return verdict.automatic, verdict.reasons


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied\r\n",
        "Auto-Submitted: auto-generated\r\n",
        "Precedence: bulk\r\n",
        "Precedence: junk\r\n",
        "Precedence: list\r\n",
        "Precedence: auto_reply\r\n",
        "List-Id: <buyers.lists.example>\r\n",
        "List-Unsubscribe: <mailto:u@x.example>\r\n",
        "X-Autoreply: yes\r\n",
        "X-Auto-Response-Suppress: All\r\n",
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
        "Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n",
        "Return-Path: <>\r\n",
    ],
)
def test_automatic_headers_are_recognised(headers: str) -> None:
    automatic, reasons = _verdict(headers)
    assert automatic and reasons


def test_auto_submitted_no_is_a_person() -> None:
    assert _verdict("Auto-Submitted: no\r\n") == (False, ())


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@mx.example",
        "postmaster@acme.example",
        "noreply@acme.example",
        "no-reply@acme.example",
        "do-not-reply@acme.example",
    ],
)
def test_robot_senders_are_automatic(sender: str) -> None:
    assert _verdict("", sender=sender)[0]


def test_our_own_address_coming_back_is_automatic() -> None:
    automatic, reasons = _verdict("", sender="sales@ningbo-homeware.example")
    assert automatic and reasons == ("our own address sales@ningbo-homeware.example",)


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Order",
        "Automatic reply: PO 123",
        "Abwesenheitsnotiz",
        "Réponse automatique : test",
        "Respuesta automática",
        "自动回复: 订单",
        "Автоответ: заказ",
        "Read: Invoice 12",
        "已读: 发票",
    ],
)
def test_out_of_office_and_read_receipt_subjects(subject: str) -> None:
    assert _verdict("", subject=subject)[0]


def test_an_ordinary_buyer_is_not_automatic() -> None:
    assert _verdict("", subject="Cracked mugs in PO 4500123") == (False, ())


# -- issue #17: hostile and broken mail cannot steer a reply ---------------------------------------

_ARF_PARTS = (
    "Content-Type: text/plain\r\n\r\n"
    "This is an email abuse report for an email message received from IP 203.0.113.7.\r\n",
    "Content-Type: {feedback}\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: AbuseDesk/1.0\r\nVersion: 1\r\n",
    "Content-Type: message/rfc822\r\n\r\n"
    "From: sales@ningbo-homeware.example\r\nSubject: Catalogue\r\n\r\nNew!\r\n",
)


def _multipart(content_type: str, parts: tuple[str, ...], boundary: str = "b") -> str:
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    return f'Content-Type: {content_type}; boundary="{boundary}"\r\n\r\n{body}'


def _raw_verdict(head: str, mime: str) -> tuple[bool, tuple[str, ...]]:
    verdict = check(parse((head + mime).encode()), OWN)
    return verdict.automatic, verdict.reasons


_ARF_HEAD = "From: staff@abuse-desk.example\r\nSubject: complaint about message from 203.0.113.7\r\n"


@pytest.mark.parametrize("feedback", ["message/feedback-report", "Message/Feedback-Report; charset=us-ascii"])
def test_an_abuse_report_sent_as_multipart_mixed_is_automatic(feedback: str) -> None:
    parts = (_ARF_PARTS[0], _ARF_PARTS[1].format(feedback=feedback), _ARF_PARTS[2])
    automatic, reasons = _raw_verdict(_ARF_HEAD, _multipart("multipart/mixed", parts))
    assert automatic and reasons == ("abuse feedback report (ARF)",)


def test_an_abuse_report_nested_deeper_in_the_mime_tree_is_automatic() -> None:
    parts = (_ARF_PARTS[0], _ARF_PARTS[1].format(feedback="message/feedback-report"), _ARF_PARTS[2])
    report = _multipart("multipart/report; report-type=feedback-report", parts, boundary="inner")
    mime = _multipart("multipart/mixed", ("Content-Type: text/plain\r\n\r\nFYI\r\n", report))
    automatic, reasons = _raw_verdict(_ARF_HEAD, mime)
    assert automatic and reasons == ("abuse feedback report (ARF)",)


def test_an_abuse_report_says_so_rather_than_delivery_report() -> None:
    parts = (_ARF_PARTS[0], _ARF_PARTS[1].format(feedback="message/feedback-report"))
    mime = _multipart("Multipart/Report; Report-Type=Feedback-Report", parts)
    assert _raw_verdict(_ARF_HEAD, mime) == (True, ("abuse feedback report (ARF)",))


@pytest.mark.parametrize(
    "sender",
    [
        "post_master@acme.example",
        "Post.Master@acme.example",
        "gmail-noreply@google.com",
        "shipping_noreply@carrier.example",
        "info-donotreply@acme.example",
        "do_not_reply@acme.example",
        "DoNotReply.Invoices@acme.example",
        "alerts.no-reply@bank.example",
        "buyers-request@lists.example",
        "buyers-admin@lists.example",
        "buyers-owner@lists.example",
        "owner-buyers@lists.example",
        "buyers-bounces+sales=ningbo-homeware.example@lists.example",
        "LISTSERV@listserv.example.edu",
        "majordomo@lists.example",
        "mailman@lists.example",
    ],
)
def test_robot_and_list_manager_senders_are_automatic(sender: str) -> None:
    automatic, reasons = _verdict("", sender=sender)
    assert automatic and len(reasons) == 1 and sender.lower() in reasons[0]


@pytest.mark.parametrize(
    "headers",
    [
        "Sender: owner-buyers@listserv.example.edu\r\n",
        'Sender: "Buyers list" <BUYERS-L@LISTSERV.EXAMPLE.EDU>\r\n',
        "Sender: Buyers <BUYERS-L@lists.example.edu>\r\n",
        'Sender: "dri-devel" <dri-devel-bounces@lists.example>\r\n',
        "Sender: linux-kernel-owner@vger.example\r\n",
        "Return-Path: <owner-buyers@lists.example>\r\n",
        "Return-Path: <buyers-request@lists.example>\r\n",
        "Return-Path: <MAILER-DAEMON@mx.example>\r\n",
        "X-Mailing-List: buyers@lists.example\r\n",
        "Mailing-List: list buyers@groups.example; contact buyers-owner@groups.example\r\n",
        "X-BeenThere: buyers@lists.example\r\n",
        "X-Mailman-Version: 2.1.39\r\n",
        "List-Help: <mailto:buyers-request@lists.example?subject=help>\r\n",
    ],
)
def test_mail_relayed_by_a_list_manager_is_automatic(headers: str) -> None:
    automatic, reasons = _verdict(headers, sender="maria@harbor-imports.example")
    assert automatic and reasons


@pytest.mark.parametrize(
    ("headers", "subject", "body"),
    [
        ("", "Please confirm your message", "hello"),
        ("", "Re: Cracked mugs [Please confirm your e-mail]", "hello"),
        ("", "Your message is awaiting verification", "hello"),
        ("", "Your email to Li Wei requires verification", "hello"),
        ("", "Bitte bestätigen Sie Ihre Nachricht", "hallo"),
        (
            "",
            "Re: Order",
            "To release your message for delivery, please send an empty message to the address",
        ),
        ("", "Re: Order", "Just this once, click the link below so I can receive your emails."),
        ("", "Re: Order", "Your message to li.wei@acme.example is awaiting verification."),
        ("", "Re: Order", "Please verify that you are a real person so that your email can be delivered."),
        ("", "Re: Commande", "Un clic pour délivrer votre email !"),
        ("", "Re: Commande", "Votre message est en attente de validation."),
        ("X-Boxbe-Verification: request\r\n", "Re: Order", "hello"),
        ("X-Challenge: 4f1e2d\r\n", "Re: Order", "hello"),
        ("X-Challenge-Response: request\r\n", "Re: Order", "hello"),
    ],
)
def test_a_challenge_response_robot_is_automatic(headers: str, subject: str, body: str) -> None:
    raw = f"From: li.wei@acme.example\r\nSubject: {subject}\r\n{headers}\r\n{body}\r\n"
    verdict = check(parse(raw.encode()), OWN)
    assert verdict.automatic and any("challenge" in reason for reason in verdict.reasons)


@pytest.mark.parametrize(
    "sender", ["notify@boxbe.com", "verify@spamarrest.com", "gegos@invitations.mailinblack.com"]
)
def test_a_challenge_service_sender_is_automatic(sender: str) -> None:
    automatic, reasons = _verdict("", sender=sender)
    assert automatic and reasons == (f"challenge-response robot {sender}",)


@pytest.mark.parametrize(
    "headers",
    [
        "X-Delivery-Agent: TMDA/1.1.12 (Macallan)\r\nX-TMDA-Fingerprint: 0Rf3Rt0Rk\r\n",
        "X-TMDA-Confirmed: Tue, 08 Jan 2008 10:11:42 +0100\r\n",
        "Sender: Li Wei <li.wei@acme.example>\r\n",  # Outlook's "on behalf of"
        "Return-Path: <bounce-4711-buyer=acme.example@crm-mailer.example>\r\n",  # a CRM sends a person's mail
    ],
)
def test_headers_that_people_send_too_are_not_automatic(headers: str) -> None:
    # TMDA users' own mail carries these (seen on LKML); a CRM's envelope is not its writer.
    assert _verdict(headers, subject="Cracked mugs in PO 4500123") == (False, ())


@pytest.mark.parametrize(
    "subject",
    [
        "Please confirm the shipment date for PO 4500123",
        "Complaint about message from your sales rep",
        "Payment is awaiting verification by our bank",
        "Re: Reply to our order request",
    ],
)
def test_buyer_subjects_near_the_robot_phrases_are_not_automatic(subject: str) -> None:
    assert _verdict("", subject=subject) == (False, ())


@pytest.mark.parametrize(
    "sender",
    [
        "noah.reply@acme.example",  # a person whose name merely looks like "no reply"
        "sales-dept@acme.example",
        "owner@acme.example",
        "request@acme.example",
        "li.wei@listserv-consulting.example",
    ],
)
def test_people_whose_address_resembles_a_robot_are_not_automatic(sender: str) -> None:
    assert _verdict("", sender=sender) == (False, ())


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Precedence: normal\r\n", "Precedence: BULK\r\n"),
        ("Auto-Submitted: no\r\n", "Auto-Submitted: Auto-Replied\r\n"),
        ("X-Auto-Response-Suppress: None\r\n", "X-Auto-Response-Suppress: OOF\r\n"),
        ("Return-Path: <maria@harbor-imports.example>\r\n", "Return-Path: <>\r\n"),
    ],
)
def test_a_robot_header_counts_in_any_order(first: str, second: str) -> None:
    assert _verdict(first + second)[0]
    assert _verdict(second + first)[0]
    assert _verdict(second + first) == _verdict(first + second)


@pytest.mark.parametrize(
    "headers",
    [
        "AUTO-SUBMITTED: AUTO-REPLIED\r\n",
        "precedence: Bulk\r\n",
        "LIST-ID: <buyers.lists.example>\r\n",
        "x-autoreply: YES\r\n",
        "x-auto-response-suppress: all\r\n",
        "CONTENT-TYPE: MULTIPART/REPORT; REPORT-TYPE=DELIVERY-STATUS; BOUNDARY=b\r\n",
    ],
)
def test_robot_headers_are_recognised_in_any_case(headers: str) -> None:
    assert _verdict(headers)[0]


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@MX.EXAMPLE",
        "NoReply@Acme.Example",
        "POST_MASTER@acme.example",
        "Owner-Buyers@Lists.Example",
    ],
)
def test_robot_senders_are_recognised_in_any_case(sender: str) -> None:
    assert _verdict("", sender=sender)[0]


@pytest.mark.parametrize(
    "sender",
    [
        '"noreply@robot.example" <maria@harbor-imports.example>',
        '"MAILER-DAEMON" <maria@harbor-imports.example>',
        '"Mail Delivery Subsystem" <maria@harbor-imports.example>',
        '"owner-buyers@lists.example via Buyers" <maria@harbor-imports.example>',
        '"sales@ningbo-homeware.example" <maria@harbor-imports.example>',
        "=?utf-8?q?=22noreply=40robot=2Eexample=22?= <maria@harbor-imports.example>",
        "maria@harbor-imports.example (noreply@robot.example)",
    ],
)
def test_a_display_name_cannot_make_a_person_look_automatic(sender: str) -> None:
    assert _verdict("", sender=sender, subject="Cracked mugs") == (False, ())


@pytest.mark.parametrize(
    "sender",
    [
        '"Maria Lopez" <noreply@harbor-imports.example>',
        '"Maria Lopez, Harbor Imports (a person, please answer)" <mailer-daemon@mx.example>',
        "=?utf-8?q?Maria_L=C3=B3pez?= <buyers-request@lists.example>",
    ],
)
def test_a_display_name_cannot_make_a_robot_look_human(sender: str) -> None:
    assert _verdict("", sender=sender)[0]


@pytest.mark.parametrize(
    ("sender", "automatic"),
    [
        ("=?utf-8?q?Maria_=3Cmaria=40harbor-imports=2Eexample=3E?= <noreply@robot.example>", True),
        ("=?utf-8?q?noreply=40robot=2Eexample?= <maria@harbor-imports.example>", False),
        ("noreply@robot.example <maria@harbor-imports.example>", False),
    ],
)
def test_an_address_smuggled_into_a_display_name_is_not_the_sender(sender: str, automatic: bool) -> None:
    # The guard judges the address the parser reads, which is the one a reply would go to.
    assert _verdict("", sender=sender)[0] is automatic


@pytest.mark.parametrize(
    "sender",
    [
        "SALES@NINGBO-HOMEWARE.EXAMPLE",
        "sales+loop@ningbo-homeware.example",
        '"sales"@ningbo-homeware.example',
    ],
)
def test_our_own_address_in_another_spelling_is_ours(sender: str) -> None:
    automatic, reasons = _verdict("", sender=sender)
    assert automatic and reasons and reasons[0].startswith("our own address")


@pytest.mark.parametrize(
    ("address", "own"),
    [
        ("sales@ningbo-homeware.example", True),
        ("Sales@Ningbo-Homeware.Example", True),
        ("<sales@ningbo-homeware.example>", True),
        ("sales+loop@ningbo-homeware.example", True),
        ("sales@ningbo-homeware.example.", True),
        ('"sales"@ningbo-homeware.example', True),
        ("sales@ningbo-homeware.example.cn", False),
        ("sales-li@ningbo-homeware.example", False),
        ("maria@harbor-imports.example", False),
        ("", False),
    ],
)
def test_is_own_address_sees_through_case_tags_and_quotes(address: str, own: bool) -> None:
    assert is_own_address(address, OWN) is own


def test_a_gmail_mailbox_is_ours_with_or_without_dots() -> None:
    own = frozenset({"ningbo.homeware@gmail.com"})
    assert is_own_address("ningbohomeware@googlemail.com", own)
    assert is_own_address("N.ingbo.Homeware+x@gmail.com", own)
    assert not is_own_address("ningbo.homeware@outlook.com", own)


def test_the_labelled_corpus_is_automatic_exactly_where_its_labels_say() -> None:
    # The buyer-mail corpus is the human fixture: no rule may call a person's message automatic.
    messages = read_corpus(Path(__file__).resolve().parents[2] / "corpus")
    own = frozenset({"sales@mailflow-team.example"})
    wrong = [m.id for m in messages if check(parse(as_rfc822(m)), own).automatic != ("automatic" in m.tags)]
    assert len(messages) > 1000 and wrong == []


def test_an_auto_submitted_hidden_past_the_header_limit_still_makes_the_mail_automatic() -> None:
    junk = "".join(f"X-Junk-{index}: {index}\r\n" for index in range(1_100))
    automatic, reasons = _verdict(junk + "Auto-Submitted: auto-generated\r\n")
    assert automatic and reasons == ("more header fields than the parser reads",)
    # A person's ordinary headers are far below the limit.
    assert _verdict("X-Mailer: Outlook 16.0\r\n") == (False, ())
