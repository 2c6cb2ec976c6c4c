"""The kind of complaint within its category (classify/details), on buyer mail in eleven languages.

EXAMPLES were written with the patterns. The other lists were each written afterwards, as buyers
write, and measured once before any pattern was changed for them (then the misses were fixed, so
all of them now pin the behaviour):
- HELD_OUT: 40 of 44 right (91%); 3 without a kind, 1 the wrong kind ("make sure nothing gets
  damaged" before a delay was taken for damage);
- PARAPHRASED (indirect wording: "still at your factory", "only show 1,800 sets"): 8 of 22 (36%);
- LATER (a last batch, more indirect still): 8 of 24 (33%), plus the one message with no kind.
In the two later batches every miss was "no kind" (the neutral acknowledgement of the category),
none a wrong kind: the patterns are precise and their recall on unfamiliar wording is low.
"""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage

import pytest

from mailflow.config.rules import default_ruleset
from mailflow.inbound.classify.classifier import classify
from mailflow.inbound.classify.corpus import LabelledMessage
from mailflow.inbound.classify.details import detail_hits
from mailflow.inbound.classify.evaluation import evaluate
from mailflow.inbound.parsing.parse import parse

RULES = replace(default_ruleset(), model="off")

# (language, category, expected detail or "" for none, the buyer's words)
EXAMPLES = [
    (
        "en",
        "shipping",
        "damage",
        "The container was opened today: 14 cartons are crushed and the bottom row is wet.",
    ),
    ("en", "shipping", "damage", "Several pallets collapsed during transport and the stretch film is torn."),
    ("en", "shipping", "damage", "The seal on container MSKU was broken when it reached our warehouse."),
    ("zh", "shipping", "damage", "今天拆柜，发现有20箱外箱破损，部分受潮。"),
    ("zh", "shipping", "damage", "货物到了，纸箱被压扁了，里面的杯子也碎了几个。"),
    ("es", "shipping", "damage", "Al abrir el contenedor encontramos 12 cajas aplastadas y mojadas."),
    ("de", "shipping", "damage", "Beim Entladen waren 8 Kartons stark beschädigt und durchnässt."),
    ("fr", "shipping", "damage", "Plusieurs cartons sont arrivés écrasés et mouillés."),
    ("pt", "shipping", "damage", "Recebemos a carga com várias caixas amassadas e molhadas."),
    ("ru", "shipping", "damage", "При разгрузке обнаружили, что 10 коробок помяты и намокли."),
    ("it", "shipping", "damage", "Alla consegna 6 cartoni erano schiacciati e bagnati."),
    ("tr", "shipping", "damage", "Konteyner açıldığında 15 koli ezilmiş ve ıslanmıştı."),
    ("ar", "shipping", "damage", "وصلت الشحنة وكانت عدة كراتين تالفة ومبللة."),
    ("vi", "shipping", "damage", "Khi dỡ hàng, nhiều thùng carton bị móp và bị ướt."),
    ("en", "shipping", "short", "We received 18 cartons instead of 20 as per the packing list."),
    ("en", "shipping", "short", "Two pallets are missing from the delivery."),
    ("en", "shipping", "short", "You sent us the wrong items: model A-12 instead of B-12."),
    ("zh", "shipping", "short", "我们只收到38箱，装箱单上是40箱，少了2箱。"),
    ("zh", "shipping", "short", "你们发错货了，这不是我们订的型号。"),
    ("es", "shipping", "short", "Faltan 3 cajas según el packing list."),
    ("es", "shipping", "short", "Hemos recibido 45 cajas en lugar de 50."),
    ("de", "shipping", "short", "Es fehlen 4 Kartons, laut Packliste sollten es 30 sein."),
    ("fr", "shipping", "short", "Il manque 2 cartons par rapport à la liste de colisage."),
    ("pt", "shipping", "short", "Estão faltando 5 caixas, recebemos 95 em vez de 100."),
    ("ru", "shipping", "short", "Недостача 3 коробок по упаковочному листу."),
    ("it", "shipping", "short", "Mancano 4 cartoni rispetto alla packing list."),
    ("tr", "shipping", "short", "Çeki listesine göre 3 koli eksik geldi."),
    ("ar", "shipping", "short", "هناك نقص في 4 كراتين مقارنة بقائمة التعبئة."),
    ("vi", "shipping", "short", "Chúng tôi nhận thiếu 3 thùng so với packing list."),
    (
        "en",
        "shipping",
        "delay",
        "The vessel was supposed to leave on 3 December but the goods have not been shipped yet.",
    ),
    ("en", "shipping", "delay", "Our container was discharged at Hamburg instead of Rotterdam: wrong port."),
    ("en", "shipping", "delay", "What is the new ETA? The shipment is already two weeks behind schedule."),
    ("zh", "shipping", "delay", "货物至今未发，请告诉我们最新船期。"),
    ("zh", "shipping", "delay", "集装箱还没到港，已经延误一周了。"),
    (
        "es",
        "shipping",
        "delay",
        "La mercancía todavía no ha llegado y el pedido lleva dos semanas de retraso.",
    ),
    (
        "es",
        "shipping",
        "delay",
        "El contenedor debía salir el 5 de noviembre y aún no hemos recibido el B/L.",
    ),
    (
        "de",
        "shipping",
        "delay",
        "Die Ware ist noch nicht angekommen, die Lieferung ist zwei Wochen verspätet.",
    ),
    (
        "fr",
        "shipping",
        "delay",
        "La marchandise n'est toujours pas arrivée, nous avons trois semaines de retard.",
    ),
    ("pt", "shipping", "delay", "A mercadoria ainda não chegou e o navio está atrasado."),
    ("ru", "shipping", "delay", "Товар до сих пор не отгружен, задержка уже две недели."),
    ("it", "shipping", "delay", "La merce non è ancora arrivata, siamo in ritardo di tre settimane."),
    ("tr", "shipping", "delay", "Mallar henüz gelmedi, sevkiyat iki hafta gecikti."),
    ("ar", "shipping", "delay", "لم تصل البضاعة حتى الآن وهناك تأخير في الشحن."),
    ("vi", "shipping", "delay", "Hàng vẫn chưa đến, lô hàng đã bị chậm trễ hai tuần."),
    (
        "en",
        "shipping",
        "delay",
        "Please pack the goods carefully to avoid damage. However the container has not even left the factory.",
    ),
    (
        "en",
        "shipping",
        "delay",
        "If the cartons arrive damaged we will claim, but right now the goods have not been shipped at all.",
    ),
    (
        "en",
        "shipping",
        "delay",
        "There is no damage, the problem is that the shipment arrived one month late.",
    ),
    ("zh", "shipping", "delay", "为了避免破损请加固包装。另外，货物到现在还没发。"),
    (
        "es",
        "shipping",
        "delay",
        "Para evitar daños, refuercen el embalaje. La mercancía aún no ha salido de fábrica.",
    ),
    (
        "en",
        "shipping",
        "delay",
        "Last time the cartons were crushed; this time the container has not arrived at all.",
    ),
    ("en", "quality", "spec", "The colour is different from the approved sample."),
    ("en", "quality", "spec", "The mugs are 350 ml instead of 400 ml as stated in the PI."),
    ("en", "quality", "spec", "The thickness of the glass is wrong: 2 mm instead of 3 mm."),
    ("zh", "quality", "spec", "尺寸不对，比确认样小了2厘米。"),
    ("zh", "quality", "spec", "颜色和样品不一样，有明显色差。"),
    ("es", "quality", "spec", "El color es distinto de la muestra aprobada."),
    ("de", "quality", "spec", "Die Farbe weicht vom freigegebenen Muster ab."),
    ("fr", "quality", "spec", "La couleur ne correspond pas à l'échantillon validé."),
    ("pt", "quality", "spec", "A cor é diferente da amostra aprovada."),
    ("ru", "quality", "spec", "Цвет не соответствует утверждённому образцу."),
    ("it", "quality", "spec", "Il colore è diverso dal campione approvato."),
    ("tr", "quality", "spec", "Renk onaylanan numuneden farklı."),
    ("ar", "quality", "spec", "اللون مختلف عن العينة المعتمدة."),
    ("vi", "quality", "spec", "Màu sắc khác với mẫu đã duyệt."),
    ("en", "quality", "breakage", "Many plates are cracked and some handles broke off when washed."),
    ("en", "quality", "breakage", "About 30 kettles do not work, they stopped working after one day."),
    ("zh", "quality", "breakage", "很多杯子开裂了，还有一些把手断了。"),
    ("es", "quality", "breakage", "Muchos platos llegaron rotos y otros están agrietados."),
    ("de", "quality", "breakage", "Viele Teller sind zerbrochen, einige Griffe abgebrochen."),
    ("fr", "quality", "breakage", "Plusieurs assiettes sont fêlées et certaines tasses cassées."),
    ("pt", "quality", "breakage", "Vários pratos chegaram quebrados e outros rachados."),
    ("ru", "quality", "breakage", "Много тарелок разбиты, у кружек трещины."),
    ("it", "quality", "breakage", "Molti piatti sono rotti e alcune tazze crepate."),
    ("tr", "quality", "breakage", "Tabakların çoğu kırık, bazı fincanlarda çatlak var."),
    ("ar", "quality", "breakage", "العديد من الأطباق مكسورة وبعض الأكواب متشققة."),
    ("vi", "quality", "breakage", "Nhiều đĩa bị vỡ và một số cốc bị nứt."),
    (
        "en",
        "quality",
        "spec",
        "The product works fine, to avoid breakage you packed well, but the size is wrong: 20 cm instead of 25 cm.",
    ),
    ("en", "quality", "", "We would like to discuss the quality of the next order."),
    ("en", "shipping", "", "Please confirm the shipping schedule for the next order."),
]
HELD_OUT = [
    (
        "en",
        "shipping",
        "damage",
        "Dear Li, unfortunately when we devanned the container yesterday we found water damage on the top layer, the cartons are soaked through.",
    ),
    (
        "en",
        "shipping",
        "damage",
        "Goods received but a lot of the outer cartons are dented and some have holes, see attached.",
    ),
    ("en", "shipping", "short", "Our warehouse counted only 312 pcs against 360 pcs on the invoice."),
    (
        "en",
        "shipping",
        "short",
        "The container has arrived but it contains someone else's goods, not our order.",
    ),
    (
        "en",
        "shipping",
        "delay",
        "Could you please tell us where our shipment is? It should have arrived in Felixstowe last Monday.",
    ),
    (
        "en",
        "shipping",
        "delay",
        "The forwarder informs us that the container missed the vessel and was rolled to the next sailing.",
    ),
    ("en", "shipping", "delay", "We are still waiting for the goods, our customers are asking every day."),
    (
        "en",
        "shipping",
        "delay",
        "The B/L shows Jebel Ali as port of discharge, but we asked for Dammam. The goods were sent to the wrong port.",
    ),
    (
        "en",
        "shipping",
        "delay",
        "Please make sure nothing gets damaged this time. The order was due to ship on 15 Nov and we have heard nothing.",
    ),
    ("zh", "shipping", "damage", "拆柜时发现底层纸箱全部泡水了，货物也有损坏。"),
    ("zh", "shipping", "short", "清点后发现少发了3托，请核实装箱单。"),
    ("zh", "shipping", "delay", "说好的11月20日出运，现在还没装船，客户一直在催。"),
    ("zh", "shipping", "delay", "船期一再推迟，请给一个准确的到港时间。"),
    (
        "es",
        "shipping",
        "damage",
        "El transportista nos entregó varias cajas abiertas y con la mercancía dañada.",
    ),
    ("es", "shipping", "short", "Nos han enviado un modelo equivocado y además faltan 2 palés."),
    (
        "es",
        "shipping",
        "delay",
        "El buque tenía que zarpar el día 10 y seguimos sin noticias; el pedido sigue sin salir.",
    ),
    ("es", "shipping", "delay", "¿Cuándo llega el contenedor? Ya vamos con retraso para la campaña."),
    ("de", "shipping", "damage", "Leider ist die Sendung mit einem Transportschaden angekommen."),
    ("de", "shipping", "short", "Statt 50 Kartons haben wir nur 46 erhalten."),
    (
        "de",
        "shipping",
        "delay",
        "Die Lieferung hat sich um drei Wochen verzögert, bitte teilen Sie uns den neuen Termin mit.",
    ),
    ("fr", "shipping", "damage", "La palette est arrivée abîmée, les cartons déchirés."),
    ("fr", "shipping", "delay", "Le conteneur devait partir le 3 décembre, il n'a toujours pas été chargé."),
    ("pt", "shipping", "short", "Recebemos 80 caixas ao invés de 90."),
    ("pt", "shipping", "delay", "A mercadoria deveria ter saído dia 5, até agora nada."),
    ("ru", "shipping", "damage", "Груз пришёл повреждённым, коробки порваны."),
    ("ru", "shipping", "delay", "Контейнер должен был прибыть 1 декабря, но до сих пор не пришёл."),
    ("it", "shipping", "short", "Abbiamo ricevuto 20 cartoni invece di 24."),
    ("tr", "shipping", "delay", "Konteyner hâlâ limana ulaşmadı, teslimat gecikti."),
    ("vi", "shipping", "damage", "Hàng đến nơi bị hư hỏng nhiều, thùng bị rách."),
    ("ar", "shipping", "delay", "الشحنة متأخرة أسبوعين ولم نستلم بوليصة الشحن."),
    ("en", "quality", "spec", "The print on the gift box does not match the approved artwork."),
    ("en", "quality", "spec", "The handles are plastic, but the PI says stainless steel."),
    ("en", "quality", "spec", "The towels weigh 450 gsm instead of 500 gsm."),
    (
        "en",
        "quality",
        "breakage",
        "Customers are returning the lamps because they flicker and then stop working.",
    ),
    ("en", "quality", "breakage", "The glaze is chipped on many pieces and a few mugs leak."),
    ("zh", "quality", "spec", "这批货的材质不对，合同写的是304不锈钢。"),
    ("zh", "quality", "breakage", "客户反映水壶用了两天就坏了，不能加热。"),
    ("es", "quality", "spec", "Las medidas no coinciden con la ficha técnica: son 2 cm más pequeñas."),
    ("es", "quality", "breakage", "Las lámparas no funcionan y algunas tienen el cristal roto."),
    ("de", "quality", "spec", "Die Größe stimmt nicht, die Teller sind 2 cm kleiner als bestellt."),
    ("fr", "quality", "breakage", "Les bouilloires ne fonctionnent plus après une semaine."),
    ("ru", "quality", "spec", "Размер не тот, что в спецификации."),
    ("it", "quality", "breakage", "Le lampade non funzionano."),
    ("pt", "quality", "spec", "O tamanho está errado, são menores que a amostra."),
]

PARAPHRASED = [
    (
        "en",
        "shipping",
        "delay",
        "Hi Lily, any news on the booking? Our customer opens the store on 15 Jan and the goods are still at your factory.",
    ),
    (
        "en",
        "shipping",
        "delay",
        "The shipping line changed the vessel twice, now the container will arrive 10 days after the agreed date.",
    ),
    (
        "en",
        "shipping",
        "damage",
        "Pallets were wrapped poorly, and when unloaded three of them fell over and the boxes burst open.",
    ),
    (
        "en",
        "shipping",
        "short",
        "We ordered 2,000 sets but the packing list and the goods only show 1,800 sets.",
    ),
    (
        "en",
        "shipping",
        "delay",
        "Please avoid any damage to the cartons. When will the goods finally be shipped? We paid the deposit six weeks ago.",
    ),
    ("zh", "shipping", "damage", "收到货后发现外包装有明显挤压痕迹，部分纸箱破了。"),
    ("zh", "shipping", "short", "装箱单上写的是500件，我们点了只有460件。"),
    ("zh", "shipping", "delay", "这个柜子说好上周开船，到现在还没有船期。"),
    ("es", "shipping", "damage", "La mitad de los palés llegaron con el film roto y las cajas hundidas."),
    (
        "es",
        "shipping",
        "delay",
        "El pedido tenía que estar en Algeciras el 1 de diciembre y seguimos esperando.",
    ),
    ("de", "shipping", "short", "Wir haben 3 Paletten zu wenig bekommen."),
    ("fr", "shipping", "delay", "Nous attendons toujours la marchandise, prévue pour le 20 novembre."),
    ("pt", "shipping", "damage", "Os cartões chegaram rasgados e a mercadoria molhada."),
    ("ru", "shipping", "delay", "Отгрузка задерживается уже на три недели."),
    ("en", "quality", "spec", "The bottles hold 480 ml, not 500 ml as agreed."),
    ("en", "quality", "spec", "The carton marking and the barcode labels are not according to our artwork."),
    ("en", "quality", "breakage", "Several chairs wobble and two legs snapped under normal use."),
    ("zh", "quality", "spec", "杯子的颜色偏黄，不是我们确认的潘通色。"),
    ("zh", "quality", "breakage", "灯通电后不亮，有十几个是坏的。"),
    ("es", "quality", "spec", "Las toallas pesan menos de lo acordado: 420 g en lugar de 500 g."),
    ("de", "quality", "breakage", "Bei vielen Tassen ist der Henkel abgebrochen."),
    ("fr", "quality", "spec", "Les dimensions ne correspondent pas au bon de commande."),
]
LATER = [
    (
        "en",
        "shipping",
        "delay",
        "We were promised loading by the end of November, it is now 10 December and we have no B/L.",
    ),
    (
        "en",
        "shipping",
        "delay",
        "The container is stuck in transshipment in Singapore for two weeks already.",
    ),
    (
        "en",
        "shipping",
        "damage",
        "About a third of the cartons were badly deformed and several were leaking glaze dust.",
    ),
    ("en", "shipping", "short", "Carton numbers 45 to 52 are not in the container."),
    ("en", "shipping", "short", "Instead of the blue version, you loaded the grey one for the whole order."),
    ("en", "shipping", "", "Please send us the shipping documents and the final invoice."),
    ("en", "shipping", "delay", "Goods are late again. This is the third time this year."),
    ("zh", "shipping", "damage", "卸货时发现集装箱顶部漏水，下面几层的纸箱都湿透了。"),
    ("zh", "shipping", "delay", "货代说船舶延期，到港时间推迟到下个月。"),
    ("zh", "shipping", "short", "我们订的是蓝色，你们发来的是灰色。"),
    ("es", "shipping", "delay", "Llevamos tres semanas esperando el contenedor y nadie nos da una fecha."),
    ("es", "shipping", "short", "Nos llegaron 10 palés, el pedido era de 12."),
    ("de", "shipping", "damage", "Die Ware kam völlig durchweicht an, die Kartons waren aufgeplatzt."),
    ("it", "shipping", "delay", "La spedizione è in ritardo di due settimane rispetto alla data confermata."),
    ("ru", "shipping", "short", "Пришло 18 коробок вместо 20."),
    ("vi", "shipping", "delay", "Lô hàng đã trễ hẹn hơn 10 ngày."),
    ("en", "quality", "spec", "The lids do not fit the jars, the thread is a different size."),
    ("en", "quality", "breakage", "Half of the glasses arrived in pieces."),
    ("en", "quality", "spec", "The fabric is polyester, we ordered 100% cotton."),
    ("zh", "quality", "breakage", "好几个锅的手柄松动脱落。"),
    ("zh", "quality", "spec", "包装盒上的印刷和我们确认的稿件不一致。"),
    ("es", "quality", "spec", "Las piezas son más pequeñas que la muestra."),
    ("fr", "quality", "breakage", "Beaucoup de verres sont arrivés brisés."),
    ("de", "quality", "spec", "Die Teller sind dünner als das Muster."),
]
# Written by the lead after the detector was done: 9 of 13 delays found before the four patterns
# these last ones needed (交期, fecha de embarque, immer noch nicht, a rolled container).
REVIEWED = [
    ("en", "shipping", "delay", "Any news on the shipment? It was supposed to be loaded last week."),
    ("en", "shipping", "delay", "The goods are still at your warehouse, please ship ASAP."),
    ("en", "shipping", "delay", "Where is our container? Tracking shows no movement since 3 days."),
    ("zh", "shipping", "delay", "我们的货什么时候能发？已经超过交期两周了。"),
    ("es", "shipping", "delay", "¿Nos puede confirmar la fecha de embarque? Ya pasó la fecha acordada."),
    ("de", "shipping", "delay", "Die Ware ist immer noch nicht bei uns."),
    ("en", "shipping", "delay", "The vessel left without our container, it was rolled to next week."),
]


def _detail(category: str, text: str) -> str:
    hits = detail_hits(text, [category])
    return hits[0].tag.removeprefix("detail:") if hits else ""


@pytest.mark.parametrize(
    ("language", "category", "detail", "text"), EXAMPLES + HELD_OUT + PARAPHRASED + LATER + REVIEWED
)
def test_a_buyers_words_give_the_kind_of_complaint(
    language: str, category: str, detail: str, text: str
) -> None:
    assert _detail(category, text) == detail, language


@pytest.mark.parametrize(
    "text",
    [
        "Please pack the cartons well to avoid damage. The vessel was supposed to leave on 3 December.",
        "If anything arrives damaged we will tell you. Right now the container has not even been loaded.",
        'Your forwarder wrote "cargo damaged in the yard", but our container has not left Ningbo.',
        "No damage at all this time, but the goods arrived three weeks late.",
        "为了避免破损，请加固包装。货物到现在还没发。",
        "Para evitar daños, refuercen el embalaje; la mercancía todavía no ha salido.",
    ],
)
def test_damage_that_is_prevented_denied_or_quoted_does_not_hide_a_delay(text: str) -> None:
    assert _detail("shipping", text) == "delay"


def test_when_several_kinds_are_stated_the_one_whose_evidence_is_lost_first_wins() -> None:
    late_and_crushed = "The container arrived two weeks late and 12 cartons were crushed."
    assert _detail("shipping", late_and_crushed) == "damage"
    assert _detail("shipping", "The ETA was 1 May and we received 18 cartons instead of 20.") == "short"
    assert (
        _detail("quality", "The colour is different from the sample and many plates are cracked.")
        == "breakage"
    )


def test_only_shipping_and_quality_have_kinds() -> None:
    assert (
        detail_hits("The price is not as agreed and the goods arrived late.", ["contract", "service"]) == []
    )


def test_each_category_gets_its_own_kind() -> None:
    hits = detail_hits(
        "The goods arrived late and the colour is different from the sample.", ["quality", "shipping"]
    )
    assert [(hit.tag, hit.rule) for hit in hits] == [
        ("detail:spec", "quality detail"),
        ("detail:delay", "shipping detail"),
    ]


def _mail(subject: str, text: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Buyer <buyer@acme-trading.example>"
    msg["To"] = "sales@ningbo-homeware.example"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(text)
    return msg.as_bytes()


def test_the_classifier_adds_the_kind_with_the_words_that_said_it() -> None:
    mail = parse(
        _mail("Order 4500123", "Our shipment is delayed: the vessel was supposed to leave on 3 December.")
    )
    result = classify(mail, RULES)
    assert "complaint:shipping" in result.tags and "detail:delay" in result.tags
    assert "shipping detail: delayed" in [hit.reason for hit in result.hits]


def test_a_category_the_model_found_gets_its_kind_too() -> None:
    model_only = replace(default_ruleset(), rules=(), model="builtin")
    text = "Hello, the container was supposed to leave Ningbo on 3 December. Nobody tells us when it will arrive."
    result = classify(parse(_mail("PO 4500123", text)), model_only, thorough=True)
    assert "complaint:shipping" in result.tags
    assert "detail:delay" in result.tags


def test_a_message_without_a_complaint_gets_no_kind() -> None:
    result = classify(
        parse(_mail("Shipping schedule", "The vessel was supposed to leave on 3 December.")), RULES
    )
    assert not any(tag.startswith("detail:") for tag in result.tags)


def test_automatic_mail_gets_no_kind() -> None:
    mail = parse(_mail("Auto: delayed", "Your shipment is delayed.", **{"Auto-Submitted": "auto-generated"}))
    assert classify(mail, RULES, automatic=True).tags == ("automatic",)


def test_the_tagging_figures_leave_the_kinds_out() -> None:
    # Labelled as not a complaint, tagged as one: the miss lists what the corpus labels, not the kinds.
    message = LabelledMessage(
        id="x-1", language="en", sender="Buyer <buyer@acme-trading.example>", subject="Shipment",
        headers=(), body="The container is delayed again.", tags=(), severity="low", evidence=(),
    )  # fmt: skip
    figures = evaluate([message], RULES)
    assert figures.misses == ["x-1 (en): false alarm; labelled [], got ['complaint:shipping']"]
