"""What kind of complaint it is within its category: the facts a buyer states. Pure.

Shipping: `damage` (damaged in transport), `short` (short or wrong shipment),
`delay` (not shipped, not arrived, late, wrong port). Quality: `breakage`
(broken, cracked, defective in use), `spec` (not as specified: size, material,
colour, model, packaging). The acknowledgement is chosen by it: a delay asks for
nothing, damage asks for photos of the cartons (drafts/acknowledgements).

The patterns are facts in the buyer's words (en, zh, es, de, fr, pt, ru, it, tr,
ar, vi), not complaint words, and count only where they are stated as facts
(classify/facts: not denied, imagined or prevented; nor quoted). When several kinds are stated, the first in
`DETAILS`' order wins: the kind whose evidence is lost first (crushed cartons
are thrown away and a carrier claim has a deadline; broken pieces are
discarded) before counts, and counts before time, since a delay's
acknowledgement asks for nothing and would lose that evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mailflow.inbound.classify.facts import QUOTED, stated_as_fact
from mailflow.inbound.message import TagHit

# Per category, its kinds in order of precedence.
DETAILS: dict[str, tuple[str, ...]] = {
    "shipping": ("damage", "short", "delay"),
    "quality": ("breakage", "spec"),
}

_N = r"\d+(?:[.,]\d+)?"
_COUNT = r"(?:cartons?|ctns?|boxes|cases|packages?|pallets?|pcs|pieces|units|sets|bags|rolls|bales)"
# fmt: off
_PATTERNS: dict[str, list[str]] = {
    "damage": [
        r"\bdamaged\b", r"\b(?:transit|transport|water|cargo|handling|forklift)\s+damage", r"\bcrushed\b", r"\bdented\b", r"\bsoaked\b", r"\bwet\b",
        r"\bmouldy\s+cartons?", r"\bcollapsed\b", r"\bpunctured\b", r"\b(?:torn|broken|open(?:ed)?)\s+(?:cartons?|boxes|packaging|pallets?)\b",
        rf"\b{_COUNT}\s+(?:\w+\s+){{0,3}}(?:torn|broken|opened|crushed|wet)\b", r"\bseal\s+(?:\w+\s+){0,4}(?:broken|missing|tampered)",
        r"\bdamage\s+(?:to|on|in)\s+(?:the\s+)?(?:goods|cartons?|cargo|transit)", r"\bburst\s+open\b", r"\bcaved\s+in\b", r"\bsquashed\b",
        r"\bdeformed\b", r"\b(?:wet|soaked)\s+through\b", r"\bleak(?:ing|ed)\b",
        r"\bpallets?\s+(?:\w+\s+){0,3}(?:fell\s+over|collapsed|tipped\s+over)",
        r"破损|压坏|压扁|压烂|受潮|湿了|浸水|进水|泡水|外箱破|纸箱破|箱子破|箱子烂|被压|变形|塌了|铅封(?:破|断|被)|货损|湿透|漏水|渗水|运输途中(?:损坏|损毁)",
        r"\bdañad[oa]s?\b", r"\bdaños?\s+(?:en\s+el\s+)?(?:transporte|tránsito)", r"\baplastad[oa]s?\b", r"\bmojad[oa]s?\b", r"\babollad[oa]s?\b",
        r"\bcajas\s+(?:\w+\s+){0,2}(?:rotas|abiertas|rasgadas|hundidas)\b", r"\b(?:precinto|film|plástico)\s+(?:\w+\s+)?roto\b",
        r"\bbeschädigt\w*", r"\bdurchweicht\b", r"\baufgeplatzt\b", r"\btransportschaden", r"\bzerdrückt\b", r"\beingedrückt\b", r"\bdurchnässt\b", r"\bnass\b",
        r"\bkartons?\s+(?:\w+\s+){0,2}(?:kaputt|aufgerissen|offen)\b", r"\bplombe\s+(?:\w+\s+)?(?:gebrochen|beschädigt)",
        r"\bendommagé(?:e|s|es)?\b", r"\bécrasé(?:e|s|es)?\b", r"\bmouillé(?:e|s|es)?\b", r"\btrempé(?:e|s|es)?\b", r"\babîmé(?:e|s|es)?\b",
        r"\bcartons?\s+(?:\w+\s+){0,2}(?:déchirés|ouverts|enfoncés)\b", r"\bavarie\b",
        r"\bdanificad[oa]s?\b", r"\bamassad[oa]s?\b", r"\bmolhad[oa]s?\b", r"\bavariad[oa]s?\b", r"\bcaixas\s+(?:\w+\s+){0,2}(?:rasgadas|abertas)\b",
        r"\bповрежд\w*", r"\bпомят\w*", r"\bраздавлен\w*", r"\bпромок\w*|\bнамок\w*|\bмокры\w*", r"\bпорван\w*",
        r"\bпломб\w*\s+(?:\w+\s+)?(?:сорван|поврежд|нарушен)\w*",
        r"\bdanneggiat[oaie]\b", r"\bschiacciat[oaie]\b", r"\bbagnat[oaie]\b", r"\bammaccat[oaie]\b",
        r"\bcartoni\s+(?:\w+\s+){0,2}(?:rotti|strappati|aperti)\b",
        r"\bhasarl[ıi]\b", r"\bhasar\s+g[öo]r", r"\bezilmi[şs]\b", r"\bezik\b", r"\b[ıi]slak\b", r"\b[ıi]slanm[ıi][şs]\b", r"\byırtık\b",
        r"تالف|تالفة|متضرر|متضررة|تلف|مبلل|مبللة|ممزق|مسحوق|مهروس",
        r"hư\s+hỏng|bị\s+móp|móp\s+méo|bị\s+ướt|\bướt\b|bị\s+rách|bị\s+bẹp|thùng\s+(?:\w+\s+)?bị\s+(?:vỡ|rách|móp)",
    ],
    "short": [
        r"\bmissing\b", r"\bshort[\s-]?(?:shipped|shipment|delivery|delivered|landed)\b", r"\bshortage\b", r"\bshort\s+by\s+\d+",
        rf"\b\d+\s+{_COUNT}\s+(?:are\s+|were\s+)?(?:short|missing|less)\b", rf"\b{_COUNT}\s+instead\s+of\s+\d+", r"\binstead\s+of\s+\d+\s+" + _COUNT,
        rf"\bonly\s+(?:received\s+|got\s+|arrived\s+with\s+|shows?\s+|counted\s+|ha(?:ve|s)\s+)?\d[\d,.]*\s+(?:of\s+(?:the\s+)?\d[\d,.]*\s+)?{_COUNT}",
        rf"\b\d+\s+{_COUNT}\s+too\s+(?:few|little)\b",
        r"\b(?:cartons?|boxes|pallets?|cases)\s+(?:numbers?|nos?\.?)\s+[\d\s,/-]+(?:to\s+\d+\s+)?(?:are|is|were|was)\s+(?:not|missing)",
        r"\binstead\s+of\s+the\s+\w+\s+(?:version|model|item|colou?r|size)\b",
        rf"\b{_COUNT}\s+(?:\w+\s+){{0,2}}(?:not|never)\s+(?:in|on)\s+the\s+container",
        r"\bwrong\s+(?:items?|goods|products?|models?|articles?|quantity|container|cargo|shipment|sku)\b",
        r"\b(?:sent|shipped|loaded|delivered)\s+(?:us\s+)?the\s+wrong\b",
        r"\b(?:doesn.?t|does\s+not|don.?t|do\s+not)\s+match\s+(?:the\s+)?packing\s+list", r"\bnot\s+what\s+we\s+ordered\b",
        r"\bsomeone\s+else.?s\s+(?:goods|order|cargo)",
        r"订的是.{1,12}(?:发来|收到|送来|到)的(?:却)?是|短少|少发|漏发|短装|短缺|只有\s*\d+\s*(?:箱|件|个|托|套)|少了\s*\d*\s*(?:箱|件|个|托|套)|缺了?\s*\d+\s*(?:箱|件|个|托|套)|只收到\s*\d+|数量不对|数量不符|发错|错发|装错|货不对|不是我们订的|与装箱单不符|和装箱单不(?:一致|符)|柜子?不对",
        r"\bfalta(?:n)?\s+\d+", r"\bfaltan(?:tes?)?\b", r"\ben\s+(?:lugar|vez)\s+de\s+(?:las?\s+|los?\s+)?\d+",
        r"\bsolo\s+(?:hemos\s+)?recibi(?:do|mos)\s+\d+", r"\bel\s+pedido\s+era\s+de\s+\d+",
        r"\b(?:mercancía|artículos?|productos?|modelos?|contenedor|referencias?|cantidad)\s+(?:equivocad|incorrect)[oa]s?\b",
        r"\bno\s+coincide\s+con\s+(?:el\s+)?packing",
        r"\bfehlen\s+\d+", r"\bzu\s+wenig\b", r"\bfehlende\b", r"\bfehlmenge\b", r"\bunterlieferung\b", r"\bmindermenge\b", r"\bstatt\s+\d+",
        r"\bnur\s+\d+\s+(?:von\s+\d+\s+)?(?:kartons?|stück|paletten|kisten)", r"\bfalsche(?:n)?\s+(?:ware|artikel|menge|container|modelle?)\b",
        r"\bmanquant(?:e|s|es)?\b", r"\bil\s+manque\b", r"\bau\s+lieu\s+(?:de|des)\s+\d+",
        r"\bmauvais(?:e)?\s+(?:articles?|produits?|marchandises?|conteneur|quantité|références?)\b",
        r"\bfaltando\b", r"\bfaltam\s+\d+", r"\bem\s+vez\s+de\s+\d+|\bao\s+invés\s+de\s+\d+",
        r"\b(?:produtos?|itens|mercadorias?|contêiner|modelos?)\s+errad[oa]s?\b", r"\bquantidade\s+(?:errada|incorreta)\b",
        r"\bнедостач\w*", r"\bне\s+хватает\b", r"\bнедопоставк\w*", r"\bнедовложен\w*", r"\bвместо\s+\d+", r"\bпересорт\w*",
        r"\bне\s+т(?:от|е)\s+(?:товар|модел|коробк)\w*",
        r"\bmancan(?:o|ti|te)\b", r"\binvece\s+di\s+\d+", r"\b(?:merce|articoli|prodotti|modello|quantità)\s+sbagliat[oaie]\b",
        r"\beksik\b", r"\byerine\s+\d+", r"\byanl[ıi][şs]\s+(?:ürün|mal|model|konteyner|miktar)",
        r"نقص|ناقص|ناقصة|مفقود|مفقودة|بدلا\s+من\s+\d+|بدلاً\s+من\s+\d+|بضاعة\s+خاطئة|(?:منتجات|حاوية|كمية)\s+خاطئة",
        r"\bthiếu\b|giao\s+thiếu|thay\s+vì\s+\d+|giao\s+nhầm|gửi\s+nhầm|sai\s+(?:hàng|mã\s+hàng|số\s+lượng|container)",
    ],
    "delay": [
        r"\bnot\s+(?:yet\s+)?(?:been\s+)?(?:shipped|dispatched|loaded|delivered|arrived|received|left|sailed)\b",
        r"\b(?:hasn.?t|haven.?t|has\s+not|have\s+not|didn.?t|did\s+not|wasn.?t|weren.?t)\s+(?:yet\s+|even\s+)?(?:been\s+)?(?:shipped|dispatched|loaded|arrived|arrive|left|leave|sailed|departed|received|delivered)\b",
        r"\bstill\s+(?:not|waiting|in\s+transit|at\s+(?:the\s+|your\s+|our\s+)?(?:port|factory|warehouse|origin))",
        r"\bwhen\s+will\s+(?:the\s+|our\s+)?(?:goods|shipment|container|order|cargo)\s+(?:finally\s+)?(?:be\s+(?:shipped|loaded|ready)|arrive|leave|ship)",
        r"\b(?:promised|planned|scheduled|agreed)\s+(?:\w+\s+){0,3}?(?:loading|shipment|delivery|departure|arrival)\s+(?:by|for|on)\b",
        r"\bstuck\b", r"\b(?:is|are|was|were)\s+late\b", r"\blate\s+again\b", r"\bhave\s+no\s+(?:b/l|bill\s+of\s+lading|tracking|booking|eta)\b",
        r"\b(?:any\s+)?news\s+(?:on|about)\s+(?:the\s+|our\s+)?(?:booking|shipment|vessel|container|eta)",
        r"\b\d+\s+(?:days?|weeks?)\s+(?:after|later\s+than)\s+(?:the\s+)?(?:agreed|planned|promised|confirmed)",
        r"\b(?:arrived|delivered|shipped|sailed)\s+(?:\w+\s+){0,2}late\b", r"\blate\s+(?:delivery|shipment|arrival|departure)",
        r"\bdelay(?:s|ed)?\b", r"\bbehind\s+schedule\b", r"\b(?:new|updated|revised|latest)\s+eta\b", r"\beta\b",
        r"\bwhere\s+is\s+(?:our|the)\s+(?:shipment|container|order|goods|cargo)",
        r"\b(?:was|were|is|are)\s+(?:supposed|due)\s+to\s+(?:leave|sail|ship|arrive|depart|load|be\s+(?:shipped|loaded|delivered))",
        r"\bshould\s+have\s+(?:been\s+)?(?:shipped|arrived|left|sailed|loaded|delivered)",
        r"\bmissed\s+(?:the\s+)?(?:vessel|sailing|cut[\s-]?off|connection)", r"\brolled\s+(?:over|to\s+(?:the\s+)?next)", r"\bleft\s+without\s+(?:our|the)\s+(?:container|cargo|goods)",
        r"\bwrong\s+(?:port|destination|pod)\b", r"\b(?:sent|shipped|discharged)\s+to\s+(?:the\s+)?wrong\s+port",
        r"说好.{0,8}(?:开船|出运|发货|装船|到港)|还没有?(?:开船|出运|发货|船期)|没有船期|未发|还没发|没发货|尚未发|未出运|没有?出运|未装船|还没(?:有)?装船|还没(?:有)?到|还没(?:有)?收到|没(?:有)?收到货|尚未(?:到|收到|抵达)|至今未(?:到|收到)|延误|延迟|推迟|晚到|迟到|迟迟|船期|甩柜|没赶上船|错过(?:船期|截关)|到错港|发错港|目的港(?:错|不对)|什么时候(?:到|发|出运)|超过交期|过了交期|交期(?:已过|已经过|延误)|逾期(?:发货|交货)|还在(?:工厂|仓库)",
        r"\b(?:todavía|aún)\s+no\s+(?:ha|han|hemos)\b", r"\bno\s+(?:ha|han)\s+(?:llegado|salido|sido\s+enviad[oa]s?|zarpado)",
        r"\bno\s+hemos\s+recibido\b", r"\bsigue\s+sin\s+(?:llegar|salir|enviarse)", r"\bretras(?:o|ad[oa]s?)\b", r"\bdemora(?:d[oa]s?)?\b",
        r"\bllegó\s+tarde\b", r"\b(?:debía|tenía\s+que)\s+(?:salir|llegar|zarpar|embarcarse|estar)", r"\bseguimos\s+esperando\b",
        r"\bllevamos\s+(?:\w+\s+){1,2}(?:esperando|sin\s+noticias)", r"\bnadie\s+nos\s+da\s+(?:una\s+)?fecha", r"\bya\s+pas[óo]\s+la\s+fecha\b", r"\bfecha\s+(?:de\s+)?(?:embarque|llegada)\b", r"\bpuerto\s+equivocado\b", r"\bdestino\s+equivocado\b",
        r"\bnoch\s+nicht\s+(?:\w+\s+)?(?:versandt|verschickt|geliefert|angekommen|eingetroffen|erhalten|verladen)", r"\bnicht\s+erhalten\b", r"\bimmer\s+noch\s+nicht\b",
        r"\bverspät\w*", r"\bverzöger\w*", r"\blieferverzug\b", r"\bzu\s+spät\b", r"\bfalschen\s+hafen\b",
        r"\bpas\s+(?:encore\s+)?(?:été\s+)?(?:expédié|livré|arrivé|reçu|chargé)(?:e|s|es)?\b", r"\btoujours\s+pas\b", r"\bretard(?:ée?s?)?\b",
        r"\bdevait\s+(?:partir|arriver|être\s+expédi)", r"\battendons\s+toujours\b", r"\bmauvais\s+port\b",
        r"\bainda\s+não\s+(?:foi|foram|chegou|chegaram|recebemos|embarcou|saiu)", r"\bnão\s+(?:chegou|chegaram|recebemos)\b",
        r"\batras(?:o|ad[oa]s?)\b", r"\bdeveria\s+ter\s+(?:saído|chegado|embarcado)", r"\bporto\s+errado\b",
        r"\b(?:ещё|еще|до\s+сих\s+пор)\s+не\b", r"\bне\s+(?:отгружен|отправлен|пришл|прибыл|получил|доставлен)\w*", r"\bзадерж\w*",
        r"\bопозд\w*|\bопаздыва\w*", r"\bдолж\w+\s+был\w*\s+(?:уйти|прийти|отгруз|отправ|прибыть)\w*", r"\bне\s+в\s+тот\s+порт",
        r"\bnon\s+(?:è|sono)\s+ancora\s+(?:arrivat|partit|stat[oaie]\s+spedit)\w*", r"\bancora\s+non\b",
        r"\bnon\s+abbiamo\s+(?:ancora\s+)?ricevuto\b", r"\britard(?:o|at[oaie])\b", r"\bdoveva\s+(?:partire|arrivare)", r"\bporto\s+sbagliato\b",
        r"\bhenüz\s+(?:\w+\s+)?(?:gelmedi|ulaşmadı|yüklenmedi|gönderilmedi|edilmedi)", r"\bhala\s+(?:\w+\s+)?(?:gelmedi|ulaşmadı)", r"\bgecik\w*",
        r"\bgeç\s+(?:kaldı|geldi|teslim)", r"\byanl[ıi][şs]\s+liman",
        r"لم\s+(?:تصل|يصل|نستلم|يتم\s+شحن|تشحن|يشحن)|تأخير|تأخر|متأخر|متأخرة|ميناء\s+خاطئ|الميناء\s+الخطأ",
        r"chưa\s+(?:nhận\s+được|giao|gửi|xuất|đến|tới|về|được\s+giao)|vẫn\s+chưa|\btrễ\b|chậm\s+trễ|giao\s+muộn|sai\s+cảng|nhầm\s+cảng",
    ],
    "breakage": [
        r"\bbroken\b", r"\bin\s+pieces\b", r"\bcrack(?:ed|s)?\b", r"\bchipped\b", r"\bshattered\b", r"\bdefective\b", r"\bfaulty\b", r"\bmalfunction\w*",
        r"\b(?:doesn.?t|does\s+not|don.?t|do\s+not|stop(?:s|ped)?|won.?t)\s+work(?:ing)?\b", r"\bnot\s+working\b", r"\bleak(?:s|ing|ed)?\b",
        r"\bfell\s+apart\b", r"\bcame\s+(?:apart|off|loose)\b", r"\bsnapped\b", r"\bburn(?:t|ed)\s+out\b", r"\bshort[\s-]circuit",
        r"\bpeel(?:s|ing|ed)\b", r"\brust(?:y|ed|ing)\b",
        r"破了|碎了|打碎|破碎|裂纹|开裂|裂了|断了|断裂|坏了|损坏|不能用|无法使用|用不了|不工作|不亮|漏水|漏气|掉漆|生锈|脱落|次品|瑕疵|有缺陷|故障|失灵",
        r"\brot[oa]s?\b", r"\bquebrad[oa]s?\b", r"\bagrietad[oa]s?\b", r"\brajad[oa]s?\b", r"\bno\s+funcionan?\b",
        r"\bdej(?:ó|aron)\s+de\s+funcionar", r"\bdefectuos[oa]s?\b", r"\bgotea", r"\boxidad[oa]s?\b",
        r"\bgebrochen\b", r"\bzerbrochen\b", r"\bkaputt\b", r"\brisse?\b", r"\bgerissen\b", r"\bdefekt\w*", r"\bfunktionier\w*\s+nicht\b",
        r"\bundicht\b", r"\babgebrochen\b", r"\brostig\b",
        r"\bcassé(?:e|s|es)?\b", r"\bbrisé(?:e|s|es)?\b", r"\bfissuré(?:e|s|es)?\b", r"\bfêlé(?:e|s|es)?\b", r"\bébréché(?:e|s|es)?\b",
        r"\bdéfectueu(?:x|se|ses)\b", r"\bne\s+fonctionne(?:nt)?\s+(?:pas|plus)\b", r"\brouillé(?:e|s|es)?\b",
        r"\bquebrad[oa]s?\b", r"\brachad[oa]s?\b", r"\btrincad[oa]s?\b", r"\bdefeituos[oa]s?\b", r"\bnão\s+funciona(?:m)?\b", r"\bvazando\b",
        r"\benferrujad[oa]s?\b",
        r"\bсломан\w*", r"\bразбит\w*", r"\bтреснут\w*|\bтрещин\w*", r"\bбракован\w*", r"\bне\s+работа\w*", r"\bнеисправн\w*", r"\bпротека\w*",
        r"\bржав\w*",
        r"\brott[oaie]\b", r"\bspezzat[oaie]\b", r"\bcrepat[oaie]\b|\bcrepe\b", r"\bincrinat[oaie]\b", r"\bscheggiat[oaie]\b", r"\bdifettos[oaie]\b",
        r"\bnon\s+funziona(?:no)?\b", r"\barrugginit[oaie]\b",
        r"\bk[ıi]r[ıi]k\b|\bk[ıi]r[ıi]lm[ıi][şs]\b|\bk[ıi]r[ıi]ld[ıi]\b", r"\bçatla\w*", r"\bar[ıi]zal[ıi]\b", r"\bbozuk\b",
        r"\bçal[ıi][şs]m[ıi]yor\b", r"\bs[ıi]zd[ıi]r\w*", r"\bpasl[ıi]\b",
        r"مكسور|مكسورة|محطم|محطمة|متشقق|شقوق|معيب|معيبة|لا\s+يعمل|لا\s+تعمل|تسرب|صدأ",
        r"bị\s+vỡ|\bvỡ\b|\bnứt\b|\bgãy\b|bị\s+lỗi|hàng\s+lỗi|không\s+hoạt\s+động|rò\s+rỉ|gỉ\s+sét|\bhỏng\b",
    ],
}
_SPEC_ASPECTS = (
    r"size|sizes|dimensions?|measurements?|length|width|height|diameter|thickness|weight|capacity|volume|material|"
    r"colou?rs?|shade|finish|model|logo|printing|artwork|packaging|gift\s+box|inner\s+box|barcode|labels?|specs?|specifications?"
)
_PATTERNS["spec"] = [
    rf"\b(?:{_SPEC_ASPECTS})\b[^.;!?\n]{{0,40}}?\b(?:wrong|different|differs?|incorrect|not\s+(?:as|what|the\s+same|according|correct)|" r"(?:doesn.?t|does\s+not|don.?t|do\s+not)\s+match|smaller|larger|bigger|thinner|thicker|lighter|heavier|shorter|longer|too\s+(?:small|big|thin|thick|light|dark))\b",
    rf"\b(?:wrong|different|incorrect)\s+(?:{_SPEC_ASPECTS})\b",
    r"\b(?:different|differs?)\s+from\s+(?:the\s+|our\s+)?(?:approved\s+|confirmed\s+|golden\s+|signed\s+)?(?:samples?|specifications?|specs?|pi|drawings?|artwork|order)",
    r"\b(?:doesn.?t|does\s+not|don.?t|do\s+not)\s+match\s+(?:the\s+|our\s+)?(?:approved\s+|confirmed\s+)?(?:samples?|specifications?|specs?|pi|drawings?|artwork)",
    r"\b(?:the\s+)?(?:pi|contract|specification|drawing|approved\s+sample)\s+(?:says|states|specifies|calls\s+for)\b",
    r"\bnot\s+(?:as|according\s+to|per)\s+(?:the\s+)?(?:approved\s+)?(?:specifications?|specs?|samples?|pi|order|drawing)",
    r"\bcolou?r\s+(?:difference|deviation|variation)", rf"\b{_N}\s*(?:mm|cm|m|g|kg|ml|l|gsm|inch(?:es)?|\")\s*(?:instead\s+of|,?\s+not)\s+{_N}",
    r"\b(?:less|more|smaller|bigger|larger|lighter|heavier|thinner|thicker|shorter|longer)\s+than\s+(?:agreed|specified|ordered|the\s+(?:approved\s+)?(?:pi|sample|order|specification|drawing))",
    r"\bwe\s+(?:had\s+)?(?:ordered|asked\s+for|specified)\s+(?:\d+\s*%\s*)?[a-z]+",
    r"\bout\s+of\s+(?:tolerance|spec(?:ification)?)\b",
    r"(?:和|与|跟).{0,12}确认.{0,6}不(?:一致|符)|不是(?:我们)?确认的|(?:颜色|色)偏(?:黄|红|蓝|绿|白|黑|深|浅|暗|亮)|尺寸(?:不对|不符|有误|偏大|偏小|太大|太小)|大小不对|规格(?:不对|不符)|材质(?:不对|不符)|材料(?:不对|不符)|颜色(?:不对|不一样|不符)|色差|厚度不(?:对|够)|偏薄|偏厚|太薄|型号(?:不对|不符)|款式不对|包装(?:不对|不符)|印刷不对|logo不对|与样品不符|和样品不一样|跟样品不一样|与确认样不符|不符合(?:要求|规格|合同)|重量不(?:对|够|足)",
    r"\b(?:tamaño|medidas?|dimensiones|material|colou?r|grosor|espesor|modelo|embalaje|empaque|etiquetas?|peso)\s+(?:\w+\s+){0,3}?(?:no\s+(?:es|son|coinciden?|corresponden?)|incorrect[oa]s?|equivocad[oa]s?|distint[oa]s?|diferentes?)\b",
    r"\b(?:menos|más)\s+de\s+lo\s+(?:acordado|pedido|especificado)",
    r"\bmás\s+(?:pequeñ|grande|fin|delgad|grues|liger|pesad)\w*\s+que\s+(?:la\s+muestra|lo\s+pedido|lo\s+acordado)", r"\b(?:distint[oa]s?|diferentes?)\s+(?:a|de)\s+la\s+muestra",
    r"\bno\s+(?:coincide|corresponde)n?\s+con\s+(?:la\s+muestra|las\s+especificaciones|la\s+pi|lo\s+pedido)",
    r"\bno\s+cumple\s+(?:con\s+)?(?:las\s+)?especificaciones",
    r"\b(?:größe|maße|abmessungen|material|farbe|dicke|stärke|modell|verpackung|etikett|gewicht)\s+(?:\w+\s+){0,3}?(?:falsch|stimm\w*\s+nicht|weich\w*\s+ab|anders)",
    r"\bfalsche\s+(?:größe|farbe|maße|material|modell|verpackung)",
    r"\b(?:dünner|dicker|kleiner|größer|leichter|schwerer|kürzer|länger)\s+als\s+(?:das\s+muster|bestellt|vereinbart|die\s+spezifikation)", r"\b(?:weicht|abweichend)\s+vom\s+(?:\w+\s+)?muster",
    r"\bentspricht\s+nicht\s+(?:dem\s+muster|der\s+spezifikation|den\s+vorgaben)", r"\b(?:farb|maß)abweichung",
    r"\b(?:taille|dimensions?|matière|matériau|couleur|épaisseur|modèle|emballage|étiquette|poids)\s+(?:\w+\s+){0,3}?(?:ne\s+correspond|incorrect|différent|pas\s+conforme|n'est\s+pas)",
    r"\bmauvaise?\s+(?:taille|couleur|matière|modèle|emballage|dimension)",
    r"\bnon\s+conformes?\s+(?:à|aux)\s+(?:l'échantillon|la\s+commande|spécifications)", r"\bdifférente?s?\s+de\s+l'échantillon",
    r"\b(?:tamanho|medidas?|dimensões|material|cor|espessura|modelo|embalagem|etiqueta|peso)\s+(?:\w+\s+){0,3}?(?:errad|incorret|diferente|não\s+(?:é|são|corresponde|confere))",
    r"\bdiferentes?\s+d[ao]\s+amostra", r"\bnão\s+(?:corresponde|confere)m?\s+com\s+a\s+amostra",
    r"\b(?:размер|габарит|материал|цвет|толщин|модел|упаковк|этикетк|вес)\w*\s+(?:\w+\s+){0,3}?(?:не\s+(?:соответству|совпада|тот|та|те)|неправильн|друг|отлича)",
    r"\bне\s+соответству\w+\s+(?:образц|спецификац|заказ)\w*", r"\bотлича\w+\s+от\s+(?:образца|согласованного)",
    r"\b(?:misur[ae]|dimensioni|taglia|materiale|colore|spessore|modello|imballo|imballaggio|etichetta|peso)\s+(?:\w+\s+){0,3}?(?:sbagliat|divers|non\s+(?:è|sono|corrisponde|conforme)|errat)",
    r"\bdivers[oaie]\s+dal(?:la)?\s+campione|\bdivers[oaie]\s+dall'?campione",
    r"\bnon\s+conform[ei]\s+(?:al\s+campione|alle\s+specifiche|all'ordine)",
    r"\b(?:ölçü|boyut|ebat|malzeme|renk|kal[ıi]nl[ıi]k|model|ambalaj|etiket|ağırlık)\w*\s+(?:\w+\s+){0,3}?(?:yanl[ıi][şs]|farkl[ıi]|uymuyor|tutmuyor|hatal[ıi])",
    r"\bnumuneden\s+farkl[ıi]|\bnumuneye\s+uymuyor",
    r"(?:المقاس|المقاسات|الحجم|الأبعاد|المادة|الخامة|اللون|السماكة|الموديل|التغليف|الملصق|الوزن)\s+(?:\S+\s+){0,3}?(?:خاطئ|خطأ|مختلف|غير\s+مطابق|لا\s+يطابق)",
    r"مختلف\S*\s+عن\s+العينة|غير\s+مطابق\S*\s+للعينة|لا\s+تطابق\s+(?:العينة|المواصفات)",
    r"(?:kích\s+thước|kích\s+cỡ|chất\s+liệu|vật\s+liệu|màu(?:\s+sắc)?|độ\s+dày|mẫu\s+mã|bao\s+bì|nhãn|trọng\s+lượng)\s+(?:\S+\s+){0,3}?(?:sai|không\s+đúng|khác|không\s+giống)",
    r"khác\s+(?:với\s+)?mẫu|không\s+giống\s+mẫu|không\s+đúng\s+(?:quy\s+cách|mẫu)",
]
# fmt: on
_COMPILED = {
    kind: re.compile("|".join(f"(?:{p})" for p in patterns), re.I) for kind, patterns in _PATTERNS.items()
}

_WORDS_SHOWN = 80
# The facts are told at the top of a complaint; reading 20,000 characters would cost ~0.14 s.
_READ_CHARS = 5_000


def detail_hits(text: str, categories: Iterable[str]) -> list[TagHit]:
    """One `detail:<kind>` per category that has kinds, with the words that said it; none when unsure."""
    text = QUOTED.sub(lambda match: " " * len(match.group(0)), text[:_READ_CHARS])
    hits = []
    for category in dict.fromkeys(categories):
        for kind in DETAILS.get(category, ()):
            words = _stated(_COMPILED[kind], text)
            if words:
                hits.append(TagHit(f"detail:{kind}", f"{category} detail", words[:_WORDS_SHOWN]))
                break
    return hits


def _stated(pattern: re.Pattern[str], text: str) -> str:
    """The first match that the buyer states as a fact, or ""."""
    for match in pattern.finditer(text):
        if stated_as_fact(text, match.start()):
            return match.group(0).strip()
    return ""
