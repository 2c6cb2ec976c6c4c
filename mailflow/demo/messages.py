"""A dozen realistic buyer messages for the demo (and as fixtures for tests).

Built in code rather than shipped as files so the photos are real JPEG-sized
payloads and the GB2312 message is encoded exactly as Chinese clients send it.
"""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid

OUR_ADDRESS = "sales@ningbo-homeware.example"
# Recent, so the demo's complaints fall inside the window in which they are acknowledged.
_START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=14)


def fake_jpeg(size: int, seed: int) -> bytes:
    """Bytes that start like a JPEG and weigh like a phone photo."""
    rng = random.Random(seed)  # noqa: S311 - filler bytes, not a secret
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(size - 13) + b"\xff\xd9"


def _message(sender: str, subject: str, body: str, hour: int, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = OUR_ADDRESS
    msg["Subject"] = subject
    msg["Date"] = format_datetime(_START + timedelta(hours=hour))
    msg["Message-ID"] = headers.pop("message_id", None) or make_msgid(
        domain=sender.rsplit("@", 1)[1].rstrip(">")
    )
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def _with_photos(msg: EmailMessage, count: int, seed: int) -> EmailMessage:
    for index in range(count):
        msg.add_attachment(
            fake_jpeg(60_000 + index * 1000, seed + index),
            maintype="image",
            subtype="jpeg",
            filename=f"IMG_20261115_{index + 1:03d}.jpg",
        )
    return msg


def _gb2312_word(text: str) -> str:
    return "=?gb2312?B?" + base64.b64encode(text.encode("gb2312")).decode() + "?="


def _gb2312_complaint() -> bytes:
    body = (
        "王经理您好：\n\n"
        "我们收到了订单号PO20261102的货物，但是有十二个纸箱破损，里面的玻璃杯开裂了。\n"
        "这批货的质量问题很严重，请尽快给我们一个解决方案。\n\n"
        "谢谢\n李华\n深圳市华美家居有限公司\n"
    )
    msg = MIMEMultipart()
    # Written by hand: Python would label these "eucgb2312_cn", Chinese clients write "gb2312".
    msg["From"] = _gb2312_word("李华") + " <lihua@huamei-home.example>"
    msg["To"] = OUR_ADDRESS
    msg["Subject"] = _gb2312_word("货物破损投诉 订单PO20261102")
    msg["Date"] = format_datetime(_START + timedelta(hours=5))
    msg["Message-ID"] = "<20261116130501.GB2312@huamei-home.example>"
    msg.attach(MIMEText(body, "plain", "gb2312"))
    return msg.as_bytes()


FIRST_COMPLAINT_ID = "<crushed-cartons-1@harbor-imports.example>"


def demo_messages() -> list[bytes]:
    messages: list[EmailMessage] = [
        _with_photos(
            _message(
                "Maria Lopez <maria@harbor-imports.example>",
                "Crushed cartons on PO 4500123",
                "Hello,\n\nContainer CSQU3054383 arrived today. 14 cartons were crushed and the mugs "
                "inside are broken. Photos attached.\nPlease advise how you will solve this.\n\n"
                "Best regards\nMaria Lopez\nHarbor Imports Ltd.\n",
                0,
                message_id=FIRST_COMPLAINT_ID,
            ),
            2,
            seed=1,
        ),
        _message(
            "Tom Becker <tom@becker-haushalt.example>",
            "Cracked glass jars - PI NB-2026-118",
            "Dear team,\n\nAbout 200 of the 1,000 glass jars from PI NB-2026-118 have cracked lids and "
            "the quality is poor compared with the approved sample.\n\nRegards,\nTom\n",
            1,
        ),
        _message(
            "Carlos Ruiz <carlos@casa-ruiz.example>",
            "Productos rotos - pedido 7781",
            "Buenos días,\n\nLos platos del pedido 7781 llegaron rotos y las cajas mojadas. Si no tenemos "
            "una solución esta semana vamos a cancelar el pedido y pedir una indemnización.\n\n"
            "Saludos\nCarlos\n",
            2,
        ),
        _message(
            "Accounts <accounts@harbor-imports.example>",
            "Payment for invoice INV-2041",
            "Dear Sirs,\n\nWe have paid invoice INV-2041 (USD 18,400.00) today. The TT copy is "
            "attached.\n\nThank you\nAccounts Payable\n",
            3,
        ),
        _message(
            "Jean Martin <jean@maison-martin.example>",
            "Réponse automatique : Commande",
            "Je suis absent du bureau jusqu'au 30 novembre.\n",
            4,
            auto_submitted="auto-replied",
            x_autoreply="yes",
        ),
        _message(
            "Anna Schmidt <anna@schmidt-kuechen.example>",
            "Rechnung 2026-881 entspricht nicht dem Vertrag",
            "Guten Tag,\n\nder Preis auf der Rechnung 2026-881 ist höher als vereinbart: das entspricht "
            "nicht dem Vertrag HT-2026-55. Bitte senden Sie eine korrigierte Rechnung.\n\n"
            "Mit freundlichen Grüßen\nAnna Schmidt\n",
            6,
        ),
        _message(
            "Ivan Petrov <ivan@petrov-trade.example>",
            "Нет ответа уже неделю",
            "Здравствуйте!\n\nМы писали вам три раза и до сих пор нет ответа. Очень плохой сервис.\n\n"
            "С уважением,\nИван\n",
            7,
        ),
        _message(
            "Sarah Green <sarah@greenhome.example>",
            "Re-order for spring",
            "Hi,\n\nThe last shipment arrived in perfect condition, no damage at all. Our previous "
            "supplier had quality problems, so we are glad we switched. Please quote 2,000 sets "
            "for March.\n\nThanks,\nSarah\n",
            8,
        ),
        _with_photos(
            _message(
                "Maria Lopez <maria@harbor-imports.example>",
                "Re: Crushed cartons on PO 4500123",
                "Here are more photos of the shipping marks and the container seal.\n\nMaria\n\n"
                "On Mon, 16 Nov 2026 at 09:00, Ningbo Homeware <sales@ningbo-homeware.example> wrote:\n"
                "> We are sorry to hear that. Could you send photos of the shipping marks?\n",
                9,
                in_reply_to=FIRST_COMPLAINT_ID,
                references=FIRST_COMPLAINT_ID,
            ),
            3,
            seed=10,
        ),
        _message(
            "João Silva <joao@silva-utilidades.example>",
            "Fatura FT-3302 - prazo",
            "Olá,\n\nPodemos ter uma prorrogação de 30 dias para a fatura FT-3302? As vendas estão "
            "lentas este mês.\n\nObrigado\nJoão\n",
            10,
        ),
        _message(
            "Mail Delivery Subsystem <MAILER-DAEMON@mx.harbor-imports.example>",
            "Undelivered Mail Returned to Sender",
            "This is the mail system. Your message could not be delivered to old-buyer@harbor-imports.example.\n",
            11,
        ),
        _message(
            "Trade Fair News <news@fair-news.example>",
            "Canton Fair: spring exhibitor list",
            "See the exhibitors for the spring session.\n",
            12,
            list_unsubscribe="<mailto:unsubscribe@fair-news.example>",
            precedence="bulk",
        ),
    ]
    return (
        [msg.as_bytes() for msg in messages[:2]]
        + [_gb2312_complaint()]
        + [msg.as_bytes() for msg in messages[2:]]
    )
