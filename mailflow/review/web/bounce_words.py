"""The bounced-addresses list's words in English and Chinese, merged into i18n's TEXT."""

from __future__ import annotations

BOUNCE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "list_bounces": "Bounced addresses",
        "bn_note": "No automatic mail goes to these addresses until a person says they work again. Reason: the delivery report's Message-ID, or the mail server's answer when it refused the address.",
        "bs_bounced": "bounced",
        "bs_cleared": "cleared",
        "f_address": "Address",
        "bn_address": "Address",
        "bn_marked_at": "Marked",
        "bn_reports": "Bounces",
        "bn_waiting": "Drafts waiting",
        "bn_cleared_at": "Cleared",
        "bn_cleared_by": "Cleared by",
        "bn_works_again": "It works again",
        "bn_cleared": "{email}: cleared; automatic mail may go there again. Approve again a draft that failed on it.",
        "bn_not_marked": "{email} is not marked as bouncing (already cleared?).",
    },
    "zh": {
        "list_bounces": "退信地址",
        "bn_note": "在有人确认这些地址恢复正常之前，不会向其自动发送邮件。原因：退信报告的 Message-ID，或邮件服务器拒收该地址时的答复。",
        "bs_bounced": "退信中",
        "bs_cleared": "已恢复",
        "f_address": "地址",
        "bn_address": "地址",
        "bn_marked_at": "标记时间",
        "bn_reports": "退信次数",
        "bn_waiting": "等待中的草稿",
        "bn_cleared_at": "恢复时间",
        "bn_cleared_by": "确认人",
        "bn_works_again": "已恢复正常",
        "bn_cleared": "{email}：已恢复，可以再次自动发信。因它失败的草稿请重新批准。",
        "bn_not_marked": "{email} 没有被标记为退信（已恢复？）。",
    },
}
