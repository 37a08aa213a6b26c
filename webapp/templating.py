"""Template helpers: permission checks, local times, readable audit actions."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_login import current_user

from webapp.auth.permissions import can

ACTION_LABELS = {
    "auth.login": "登录",
    "auth.password_changed": "修改密码",
    "token.created": "新建API令牌",
    "token.revoked": "吊销API令牌",
    "branch.created": "新建支部",
    "branch.updated": "修改支部",
    "branch.deleted": "删除支部",
    "member.created": "登记党员",
    "member.updated": "修改党员信息",
    "member.revealed": "查看完整身份证号/手机号",
    "report.requested": "申请生成报表",
    "township.settings_changed": "修改乡镇设置",
    "departure.registered": "外出登记",
    "departure.moved": "去向变更",
    "departure.returned": "返回登记",
    "report.rendered": "报表已生成",
    "report.downloaded": "下载报表",
}


FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "ethnicity": "民族",
    "branch_id": "支部",
    "email": "电子邮箱",
    "join_date": "入党日期",
    "status": "状态",
    "id_number": "身份证号",
    "phone": "手机号",
    "address": "去向",
    "flow_category": "类别",
    "occupation": "职业",
    "employer": "单位",
    "departed_on": "外出日期",
    "returned_on": "返回日期",
    "valid_from": "自",
    "kind": "类型",
    "location": "所在地",
    "secretary_name": "支部书记",
    "long_term_days": "长期在外天数",
    "notes": "说明",
}
SUMMARY_KEYS = ("departed_on", "valid_from", "address", "returned_on", "notes")


def audit_summary(entry: Any) -> str:
    """What changed, in a line: before → after for updates, the key facts otherwise."""
    before, after = entry.before or {}, entry.after or {}
    if before and after:
        changes = [
            f"{FIELD_LABELS.get(k, k)}：{before.get(k) or '—'} → {v or '—'}"
            for k, v in after.items()
            if before.get(k) != v
        ]
        return "；".join(changes)
    facts = [f"{FIELD_LABELS.get(k, k)}：{after[k]}" for k in SUMMARY_KEYS if after.get(k)]
    return "；".join(facts)


def _localtime(value: datetime | None) -> str:
    if value is None:
        return ""
    township = getattr(g, "township", None)
    zone = ZoneInfo(township.timezone if township else "Asia/Shanghai")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def init_app(app: Flask) -> None:
    """Register globals and filters."""
    app.jinja_env.globals["can"] = lambda action, branch_id=None: (
        current_user.is_authenticated and can(current_user, action, branch_id)
    )
    app.jinja_env.filters["localtime"] = _localtime
    app.jinja_env.filters["action_label"] = lambda action: ACTION_LABELS.get(action, action)
    app.jinja_env.filters["audit_summary"] = audit_summary
