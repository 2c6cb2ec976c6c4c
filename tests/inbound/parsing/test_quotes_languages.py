"""Quote headers and sign-offs of real clients in our buyers' other languages.

Each history case is new text, then the client's quote header, then the quoted old text
(unprefixed where the client quotes with HTML rather than '>').
"""

from __future__ import annotations

import pytest

from mailflow.inbound.parsing.quotes import strip_quotes, without_history

NEW = "Prosimy o korektę faktury."
OLD = "Towar wysłany zgodnie z planem."

HISTORY = {
    "pl outlook": (
        "Od: Anna Nowak <anna@x.example>\n"
        "Wysłano: czwartek, 12 listopada 2026 09:41\n"
        "Do: Jan Kowalski <jan@x.example>\n"
        "Temat: Dostawa PO 4471\n"
    ),
    "pl gmail napisał(a)": ("W dniu 12.11.2026 o 09:41 Jan Kowalski <jan@x.example> napisał(a):\n"),
    "pl gmail pisze": "W dniu 12.11.2026 o 09:41, Jan Kowalski pisze:\n",
    "pl gmail wrapped": ("W dniu czw., 12 lis 2026 o 09:41 Jan Kowalski\n<jan@x.example> napisał(a):\n"),
    "ru gmail": "чт, 12 нояб. 2026 г. в 09:41, Иван Петров <ivan@x.example>:\n",
    "ru gmail wrapped": "чт, 12 нояб. 2026 г. в 09:41, Иван Петров <\nivan@x.example>:\n",
    "ru mail.ru": "Четверг, 12 ноября 2026, 9:41 +03:00 от Иван Петров <ivan@x.example>:\n",
    "ru yandex": '14.09.2026, 11:08, "Иван Петров" <ivan@x.example>:\n',
    "tr gmail": ("12 Kas 2026 Per, 09:41 tarihinde Ahmet Yılmaz <ahmet@x.example> şunu yazdı:\n"),
    "tr outlook": (
        "Kimden: Ahmet Yılmaz <ahmet@x.example>\n"
        "Gönderildi: 12 Kasım 2026 Perşembe 09:41\n"
        "Kime: Satış <sales@x.example>\n"
        "Konu: Sipariş 4471\n"
    ),
    "ar original message": "-----الرسالة الأصلية-----\nمن: سامي <sami@x.example>\n",
    "ar outlook": (
        "من: سامي حداد <sami@x.example>\n"
        "تم الإرسال: الخميس، 12 نوفمبر 2026 09:41 ص\n"
        "إلى: المبيعات <sales@x.example>\n"
        "الموضوع: الطلب 4471\n"
    ),
    "nl outlook": (
        "Van: Jan de Vries <jan@x.example>\n"
        "Verzonden: donderdag 12 november 2026 09:41\n"
        "Aan: Verkoop <sales@x.example>\n"
        "Onderwerp: Bestelling 4471\n"
    ),
    "nl gmail": "Op do 12 nov 2026 om 09:41 schreef Jan de Vries <jan@x.example>:\n",
    "ja gmail": "2026年11月28日(土) 9:05 山田太郎 <yamada@x.example>:\n",
    "ko gmail": "2026년 11월 28일 (토) 오전 9:05, 김민수 <kim@x.example>님이 작성:\n",
    "ko outlook": (
        "보낸 사람: 김민수 <kim@x.example>\n"
        "보낸 날짜: 2026년 11월 28일 토요일 오전 9:05\n"
        "받는 사람: 영업부 <sales@x.example>\n"
        "제목: 주문 4471\n"
    ),
    "it outlook": (
        "Da: Marco Bianchi <marco@x.example>\n"
        "Inviato: giovedì 12 novembre 2026 09:41\n"
        "A: Vendite <sales@x.example>\n"
        "Oggetto: Ordine 4471\n"
    ),
    "id outlook": (
        "Dari: Budi Santoso <budi@x.example>\n"
        "Dikirim: Kamis, 12 November 2026 09.41\n"
        "Kepada: Penjualan <sales@x.example>\n"
        "Perihal: Pesanan 4471\n"
    ),
    "id gmail": "Pada tanggal Kam, 12 Nov 2026 09.41, Budi Santoso <budi@x.example> menulis:\n",
    "vi gmail": "Vào Th 5, 12 thg 11, 2026 lúc 09:41 Nguyễn Văn An <an@x.example> đã viết:\n",
}


@pytest.mark.parametrize("header", HISTORY.values(), ids=HISTORY.keys())
@pytest.mark.parametrize("quote", ["", "> "], ids=["html quote", "angle quote"])
def test_the_quote_header_starts_the_history(header: str, quote: str) -> None:
    text = f"{NEW}\n\n{header}\n{quote}{OLD}\n"
    for cut in (strip_quotes, without_history):
        assert cut(text) == NEW


SIGN_OFFS = [
    "Freundliche Grüsse",
    "Freundliche Grüße",
    "Liebe Grüsse",
    "Beste Grüsse",
    "Pozdrawiam",
    "Pozdrawiam serdecznie",
    "Z poważaniem",
    "Saygılarımla,",
    "İyi çalışmalar,",
    "Met vriendelijke groet,",
    "Met vriendelijke groeten",
    "Groeten,",
    "Cordiali saluti",
    "Distinti saluti,",
]


@pytest.mark.parametrize("sign_off", SIGN_OFFS)
def test_the_sign_off_starts_the_signature(sign_off: str) -> None:
    text = f"{NEW}\n\n{sign_off}\nMaria Rossi\nUfficio Acquisti\nTel. +39 02 0000 0000"
    assert strip_quotes(text) == NEW
    assert "Maria Rossi" in without_history(text)


def test_the_turkish_iphone_line_is_a_signature() -> None:
    text = "Numuneler hâlâ gelmedi.\n\niPhone'umdan gönderildi"
    assert strip_quotes(text) == "Numuneler hâlâ gelmedi."


NOT_HISTORY = {
    "address mid-sentence": "Please send it to <ops@x.example>: they handle customs.",
    "address colon without a date": "Questions go to our forwarder <ops@x.example>:\nthey handle customs.",
    "date, time and address mid-sentence": (
        "On 12.11.2026 at 09:41 I wrote to <ops@x.example>: no answer since."
    ),
    "pl route": "Trasa kontenera:\nOd: Szanghaj\nDo: Gdańsk\nKontener stoi w porcie od tygodnia.",
    "ar route": "مسار الشحنة:\nمن: شنغهاي\nإلى: جدة\nالحاوية متأخرة أسبوعين.",
    "nl route": "Route:\nVan: Shanghai\nAan: Rotterdam\nDe container staat al een week vast.",
    "tr route": "Sevkiyat:\nKimden: Ningbo fabrikası\nKime: Mersin deposu\nHâlâ yolda.",
    "pl narrative": "W dniu dostawy kierowca napisał:\npaleta uszkodzona.\nProszę o zwrot.",
    "tr narrative": "Teslim tarihinde şoför şunu yazdı:\nkoli hasarlı.\nİade istiyoruz.",
    "tr shipped from": "Numuneler İstanbul'dan gönderildi\nama hâlâ gelmedi.",
    "it route": "Percorso:\nDa: Shanghai\nA: Genova\nIl container è fermo da una settimana.",
    "id narrative": "Pada hari pengiriman sopir menulis:\npalet rusak.\nMohon diganti.",
}


@pytest.mark.parametrize("text", NOT_HISTORY.values(), ids=NOT_HISTORY.keys())
def test_ordinary_text_is_not_taken_for_history(text: str) -> None:
    assert without_history(text) == text
    assert strip_quotes(text) == text
