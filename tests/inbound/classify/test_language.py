"""detect(): the buyer's language, by script for Chinese, Japanese and Korean, else by fastText's lid.176."""

from __future__ import annotations

import pytest

from mailflow.inbound.classify.language import detect

BY_SCRIPT = {
    "zh": "您好，我们已经收到货物了，谢谢。",
    "ja": "ご注文ありがとうございます。",
    "ko": "안녕하세요, 주문 감사합니다",
    "ru": "Здравствуйте, мы получили заказ",
    "ar": "مرحبا، لقد استلمنا الطلب",
}
BY_WORDS = {
    "en": "We have received the goods, thank you",
    "es": "Hemos recibido el pedido, muchas gracias",
    "pt": "Recebemos o pedido, obrigado, não está completo",
    "de": "Wir haben die Ware nicht erhalten, bitte prüfen",
    "fr": "Nous avons reçu la commande, merci",
    "it": "Abbiamo ricevuto l'ordine, grazie",
}


@pytest.mark.parametrize(("language", "text"), BY_SCRIPT.items(), ids=BY_SCRIPT.keys())
def test_a_non_latin_script_names_its_language(language: str, text: str) -> None:
    assert detect(text) == language


@pytest.mark.parametrize(("language", "text"), BY_WORDS.items(), ids=BY_WORDS.keys())
def test_latin_script_text_is_told_apart(language: str, text: str) -> None:
    assert detect(text) == language


def test_japanese_with_more_kanji_than_kana_is_still_japanese() -> None:
    assert detect("注文確認書の件") == "ja"


def test_kanji_alone_is_taken_for_chinese() -> None:
    assert detect("注文確認") == "zh"


def test_a_few_han_characters_outweigh_latin_order_numbers() -> None:
    assert detect("请确认 PO 4500012345 thanks") == "zh"


def test_a_short_chinese_name_in_an_english_mail_does_not_make_it_chinese() -> None:
    assert detect("Dear Mr. 王, we have received the goods and will pay the invoice next week.") == "en"


@pytest.mark.parametrize("text", ["", "12345 67890", "😡😡 🙏", "--- ***"])
def test_text_without_words_is_undetermined(text: str) -> None:
    assert detect(text) == "und"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pt", "Bom dia, a carga chegou ontem mas faltam duas caixas"),
        ("es", "Buenos días, la carga llegó ayer pero faltan dos cajas"),
        ("tr", "Merhaba, siparişimiz dün geldi ama iki koli eksik"),
        ("pl", "Dzień dobry, towar dotarł wczoraj, ale brakuje dwóch kartonów"),
        ("nl", "Goedemorgen, de lading is gisteren aangekomen maar er ontbreken twee dozen"),
        ("vi", "Chào anh, hàng đã về hôm qua nhưng thiếu hai thùng"),
        ("zh", "貨櫃昨天到了，但是少了兩箱"),
        ("zh", "订单确认"),
    ],
)
def test_languages_the_stop_word_lists_could_not_tell(language: str, text: str) -> None:
    assert detect(text) == language


def test_only_the_first_4000_characters_are_read() -> None:
    assert detect("The goods arrived. " * 300 + " Здравствуйте, мы получили заказ") == "en"
