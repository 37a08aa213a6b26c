"""Template helpers: permission checks, local times, readable audit actions."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_login import current_user

from webapp.auth.permissions import can

ACTION_LABELS = {
    "scorecard.targets_set": "设置支部目标",
    "activity.scheduled": "安排组织生活",
    "activity.cancelled": "取消组织生活",
    "attendance.recorded": "登记参加情况",
    "dues.rate_set": "设置党费月缴额",
    "dues.paid": "登记党费缴纳",
    "dues.payment_deleted": "删除党费缴纳记录",
    "contribution.recorded": "登记三个一、四带头",
    "contribution.confirmed": "确认三个一、四带头",
    "contribution.rejected": "退回三个一、四带头",
    "support.opened": "登记家庭帮扶需求",
    "support.served": "登记帮扶服务",
    "support.status_changed": "变更帮扶状态",
    "auth.login": "登录",
    "directory.added": "添加平台外组织",
    "placement.created": "安排到流入地组织",
    "inflow.confirmed": "确认流入党员报到",
    "inflow.refused": "拒收流入党员",
    "placement.refused": "流入地拒收",
    "placement.reported": "登记流入地报到",
    "placement.ended": "结束流入地安排",
    "placement.recorded": "登记流入地记录",
    "inflow.recorded": "为流入党员登记组织生活等记录",
    "member.viewed_by_inflow": "流入地支部查看手机号与证件状态",
    "transfer.created": "发起组织关系转接",
    "transfer.updated": "修改组织关系转接",
    "transfer.submitted": "提交组织关系转接审批",
    "transfer.withdrawn": "撤回组织关系转接",
    "transfer.approved": "审批通过组织关系转接",
    "transfer.returned": "退回修改组织关系转接",
    "transfer.issued": "开具介绍信",
    "transfer.reissued": "重新开具介绍信",
    "transfer.received": "转出党员被接收",
    "transfer.refused": "介绍信被拒收",
    "transfer.receipted": "确认回执",
    "transfer.receipt_recorded": "登记平台外回执",
    "transfer.scan_viewed": "查看回执扫描件",
    "transfer.letter_print_requested": "申请打印介绍信",
    "transfer.letter_printed": "生成介绍信PDF",
    "transfer.letter_downloaded": "下载介绍信PDF",
    "member.transferred_out": "组织关系转出（本镇保留记录）",
    "incoming.received": "接收转入党员",
    "incoming.refused": "拒收转入党员",
    "incoming.registered": "登记平台外转入",
    "directory.updated": "修改组织目录条目",
    "directory.published": "支部列入组织目录",
    "auth.second_factor_enabled": "启用两步验证",
    "auth.second_factor_disabled": "关闭两步验证",
    "auth.second_factor_reset": "重置两步验证",
    "auth.password_changed": "修改密码",
    "auth.logout": "退出登录",
    "user.disabled": "停用账号",
    "user.enabled": "启用账号",
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
    "duty.assigned": "指定联系人",
    "duty.unassigned": "取消联系人",
    "contact.logged": "登记联系记录",
    "contact.deleted": "删除联系记录",
    "three_ones.recorded": "登记三个一",
    "three_ones.submitted": "党员提交三个一",
    "report.rendered": "报表已生成",
    "report.downloaded": "下载报表",
    "certificate.issued": "发放流动党员证",
    "certificate.verified": "验证流动党员证",
    "certificate.replaced": "换证/补发（原证停用）",
    "certificate.lost": "流动党员证挂失",
    "certificate.returned": "交回流动党员证",
    "certificate.print_requested": "申请打印流动党员证",
    "certificate.printed": "流动党员证PDF已生成",
    "certificate.print_downloaded": "下载流动党员证PDF",
    "roster.uploaded": "上传花名册文件",
    "roster.import_started": "确认导入花名册",
    "roster.imported": "导入花名册完成",
    "roster.unreadable": "花名册文件无法读取（已停止处理）",
    "roster.exported": "导出花名册（已脱敏）",
    "roster.exported_full": "导出花名册（含完整身份证号/手机号）",
    "county.census_exported": "县委组织部导出县级汇总（Excel）",
    "county.placements_exported": "县委组织部导出流入地管理汇总（Excel）",
    "county.scorecards_exported": "县委组织部导出县级目标考核（Excel）",
    "reminders.settings_changed": "修改提醒设置",
    "reminders.template_changed": "修改提醒消息模板",
    "reminders.sms_template_changed": "修改短信服务商模板",
    "notification.resent": "重发提醒",
    "notification.preferences_changed": "修改提醒接收方式",
    "user.contact_changed": "修改本人联系方式",
}


FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "birth_year": "出生年份",
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
    "certificate_verify_months": "流动党员证验证间隔（月）",
    "letter_days_in_city": "介绍信有效期·市内（天）",
    "letter_days_out_of_city": "介绍信有效期·市外（天）",
    "transfer_escalate_days": "转接催办上报（天）",
    "letter_number": "介绍信编号",
    "education": "学历",
    "full_on": "转正日期",
    "probation_ends_on": "预备期满日期",
    "number": "证号",
    "expires_on": "有效期至",
    "status_on": "状态日期",
    "status_notes": "状态说明",
    "verified_on": "验证日期",
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
