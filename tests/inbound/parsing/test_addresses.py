"""People are not robots: every From a person's client writes gives an address and a sensible name.

Issue #17, finding 2: these forms were read as "no sender", so the guard tagged
the message automatic and the buyer never got an answer.
"""

from __future__ import annotations

import pytest

from mailflow.inbound import guard
from mailflow.inbound.message import Address, InboundMail
from mailflow.inbound.parsing.addresses import clean_name, parse_addresses
from mailflow.inbound.parsing.parse import parse

HUMAN_FROMS = [
    (b"Big Bug bb@bug.com", "bb@bug.com", "Big Bug"),
    (b"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "pete@silly.test", "Pete"),
    (b'"Joe Q. Public" <john.q.public@example.com>', "john.q.public@example.com", "Joe Q. Public"),
    (b"Joe Q. Public <john.q.public@example.com>", "john.q.public@example.com", "Joe Q. Public"),
    (b"Mary Smith <@node.test:mary@example.net>", "mary@example.net", "Mary Smith"),
    (b"Mary Smith <@node.test,@relay.test:mary@example.net>", "mary@example.net", "Mary Smith"),
    (b"John Doe <jdoe@machine(comment).  example>", "jdoe@machine.example", "John Doe"),
    ("Jürgen Müller <jm@kuechen.example>".encode(), "jm@kuechen.example", "Jürgen Müller"),
    ("José Pérez <jp@casa.example>".encode("latin-1"), "jp@casa.example", "José Pérez"),
    ("Jürgen Müller jm@kuechen.example".encode(), "jm@kuechen.example", "Jürgen Müller"),
    (b"<pete@silly.test> (Pete)", "pete@silly.test", "Pete"),
]


def _from(header: bytes) -> InboundMail:
    return parse(b"From: " + header + b"\r\nTo: sales@ours.example\r\nSubject: order\r\n\r\nHello\r\n")


@pytest.mark.parametrize(
    ("header", "email", "name"), HUMAN_FROMS, ids=[h.decode("latin-1") for h, _, _ in HUMAN_FROMS]
)
def test_a_person_s_from_gives_the_address_and_name(header: bytes, email: str, name: str) -> None:
    assert _from(header).sender == Address(email=email, name=name)


@pytest.mark.parametrize(
    ("header", "email", "name"), HUMAN_FROMS, ids=[h.decode("latin-1") for h, _, _ in HUMAN_FROMS]
)
def test_the_guard_does_not_take_a_person_for_a_robot(header: bytes, email: str, name: str) -> None:
    verdict = guard.check(_from(header))
    assert not verdict.automatic, verdict.reasons


def test_a_list_with_groups_comments_and_an_empty_member_gives_each_address() -> None:
    value = (
        "A Group(Some people):Chris Jones <c@(Chris's host.)public.example>, , joe@example.org, "
        "John <jdoe@one.test> (my dear friend); (the end)"
    )
    assert [(a.email, a.name) for a in parse_addresses(value)] == [
        ("c@public.example", "Chris Jones"),
        ("joe@example.org", ""),
        ("jdoe@one.test", "John"),
    ]


def test_an_undisclosed_recipients_group_has_no_address() -> None:
    assert parse_addresses("undisclosed-recipients:;") == ()


def test_the_address_in_angle_brackets_wins_over_an_address_written_as_the_name() -> None:
    (address,) = parse_addresses("boss@big.example <attacker@evil.example>")
    assert address == Address(email="attacker@evil.example", name="boss@big.example")


def test_unreadable_angle_brackets_give_no_address_rather_than_a_guess_from_the_name() -> None:
    assert parse_addresses("boss@big.example <not an address>") == ()
    assert parse_addresses("boss@big.example <>") == ()


def test_an_unclosed_angle_bracket_or_quote_still_gives_the_address() -> None:
    assert [a.email for a in parse_addresses("Pete <pete@silly.test, ann@silly.test")] == [
        "pete@silly.test",
        "ann@silly.test",
    ]
    assert parse_addresses('"Pete <pete@silly.test>') == ()  # all of it is the unclosed quoted name


def test_a_japanese_carrier_address_with_odd_dots_is_kept() -> None:
    assert [a.email for a in parse_addresses("taro..yamada.@docomo.ne.jp")] == ["taro..yamada.@docomo.ne.jp"]


def test_addresses_that_cannot_be_answered_are_none() -> None:
    too_long = "a" * 250 + "@x.example"
    assert parse_addresses(f'"john doe"@x.example, {too_long}, a@b@c.example, <a\x01@x.example>') == ()


def test_clean_name_takes_out_controls_and_caps_the_length() -> None:
    assert clean_name("Li\r\nWei\x00\u202e") == "Li Wei"
    assert len(clean_name("x" * 1000)) == 256
