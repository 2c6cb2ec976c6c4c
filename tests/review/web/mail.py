"""Buyer messages for the review page: a Chinese complaint with a photo, a hostile HTML one."""

from __future__ import annotations

from email.message import EmailMessage

from mailflow.demo.messages import fake_jpeg


def chinese_complaint() -> bytes:
    msg = EmailMessage()
    msg["From"] = "李华 <lihua@huamei-home.example>"
    msg["To"] = "sales@ningbo-homeware.example"
    msg["Subject"] = "货物破损投诉 订单PO20261102"
    msg["Message-ID"] = "<zh-complaint@huamei-home.example>"
    msg.set_content(
        "你好，这批杯子有很多开裂，质量太差了，请尽快处理。\n\n> 2026-11-10 宁波家居 写道：\n> 货物已发出。\n"
    )
    msg.add_attachment(fake_jpeg(20_000, 1), maintype="image", subtype="jpeg", filename="裂纹.jpg")
    return msg.as_bytes()


def hostile_complaint() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Mallory <mallory@evil-imports.example>"
    msg["To"] = "sales@ningbo-homeware.example"
    msg["Subject"] = "Broken mugs <script>alert('subject')</script>"
    msg["Message-ID"] = "<hostile@evil-imports.example>"
    msg.set_content("The mugs arrived broken. <script>alert('text')</script> javascript:alert(1)")
    msg.add_alternative(
        "<p>The mugs arrived <b>broken</b>.</p><script>alert('html')</script>"
        '<a href="javascript:alert(1)">see photos</a><img src="https://tracker.example/pixel.gif">'
        '<p onclick="alert(2)">click</p>',
        subtype="html",
    )
    return msg.as_bytes()
