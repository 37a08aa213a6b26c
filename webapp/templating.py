"""Template helpers: permission checks, local times, readable audit actions."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_babel import lazy_gettext
from flask_login import current_user

from webapp.auth.permissions import can

ACTION_LABELS = {
    "scorecard.targets_set": lazy_gettext("设置支部目标"),
    "activity.scheduled": lazy_gettext("安排组织生活"),
    "activity.cancelled": lazy_gettext("取消组织生活"),
    "attendance.recorded": lazy_gettext("登记参加情况"),
    "dues.rate_set": lazy_gettext("设置党费月缴额"),
    "dues.paid": lazy_gettext("登记党费缴纳"),
    "dues.payment_deleted": lazy_gettext("删除党费缴纳记录"),
    "contribution.recorded": lazy_gettext("登记三个一、四带头"),
    "contribution.confirmed": lazy_gettext("确认三个一、四带头"),
    "contribution.rejected": lazy_gettext("退回三个一、四带头"),
    "support.opened": lazy_gettext("登记家庭帮扶需求"),
    "support.served": lazy_gettext("登记帮扶服务"),
    "support.status_changed": lazy_gettext("变更帮扶状态"),
    "auth.login": lazy_gettext("登录"),
    "directory.added": lazy_gettext("添加平台外组织"),
    "placement.created": lazy_gettext("安排到流入地组织"),
    "inflow.confirmed": lazy_gettext("确认流入党员报到"),
    "inflow.refused": lazy_gettext("拒收流入党员"),
    "placement.refused": lazy_gettext("流入地拒收"),
    "placement.reported": lazy_gettext("登记流入地报到"),
    "placement.ended": lazy_gettext("结束流入地安排"),
    "placement.recorded": lazy_gettext("登记流入地记录"),
    "inflow.recorded": lazy_gettext("为流入党员登记组织生活等记录"),
    "member.viewed_by_inflow": lazy_gettext("流入地支部查看手机号与证件状态"),
    "transfer.created": lazy_gettext("发起组织关系转接"),
    "transfer.updated": lazy_gettext("修改组织关系转接"),
    "transfer.submitted": lazy_gettext("提交组织关系转接审批"),
    "transfer.withdrawn": lazy_gettext("撤回组织关系转接"),
    "transfer.approved": lazy_gettext("审批通过组织关系转接"),
    "transfer.returned": lazy_gettext("退回修改组织关系转接"),
    "transfer.issued": lazy_gettext("开具介绍信"),
    "transfer.reissued": lazy_gettext("重新开具介绍信"),
    "transfer.received": lazy_gettext("转出党员被接收"),
    "transfer.refused": lazy_gettext("介绍信被拒收"),
    "transfer.receipted": lazy_gettext("确认回执"),
    "transfer.receipt_recorded": lazy_gettext("登记平台外回执"),
    "transfer.scan_viewed": lazy_gettext("查看回执扫描件"),
    "transfer.letter_print_requested": lazy_gettext("申请打印介绍信"),
    "transfer.letter_printed": lazy_gettext("生成介绍信PDF"),
    "transfer.letter_downloaded": lazy_gettext("下载介绍信PDF"),
    "member.transferred_out": lazy_gettext("组织关系转出（本镇保留记录）"),
    "incoming.received": lazy_gettext("接收转入党员"),
    "incoming.refused": lazy_gettext("拒收转入党员"),
    "incoming.registered": lazy_gettext("登记平台外转入"),
    "directory.updated": lazy_gettext("修改组织目录条目"),
    "directory.published": lazy_gettext("支部列入组织目录"),
    "auth.second_factor_enabled": lazy_gettext("启用两步验证"),
    "auth.second_factor_disabled": lazy_gettext("关闭两步验证"),
    "auth.second_factor_reset": lazy_gettext("重置两步验证"),
    "auth.password_changed": lazy_gettext("修改密码"),
    "auth.logout": lazy_gettext("退出登录"),
    "user.disabled": lazy_gettext("停用账号"),
    "user.enabled": lazy_gettext("启用账号"),
    "token.created": lazy_gettext("新建API令牌"),
    "token.revoked": lazy_gettext("吊销API令牌"),
    "branch.created": lazy_gettext("新建支部"),
    "branch.updated": lazy_gettext("修改支部"),
    "branch.deleted": lazy_gettext("删除支部"),
    "member.created": lazy_gettext("登记党员"),
    "member.updated": lazy_gettext("修改党员信息"),
    "member.revealed": lazy_gettext("查看完整身份证号/手机号"),
    "report.requested": lazy_gettext("申请生成报表"),
    "township.settings_changed": lazy_gettext("修改乡镇设置"),
    "departure.registered": lazy_gettext("外出登记"),
    "departure.moved": lazy_gettext("去向变更"),
    "departure.returned": lazy_gettext("返回登记"),
    "duty.assigned": lazy_gettext("指定联系人"),
    "duty.unassigned": lazy_gettext("取消联系人"),
    "contact.logged": lazy_gettext("登记联系记录"),
    "contact.deleted": lazy_gettext("删除联系记录"),
    "three_ones.recorded": lazy_gettext("登记三个一"),
    "three_ones.submitted": lazy_gettext("党员提交三个一"),
    "three_ones.linked": lazy_gettext("三个一自动完成（来自活动签到或联系记录）"),
    "three_ones.unlinked": lazy_gettext("撤销自动完成的三个一"),
    "three_ones.confirmed": lazy_gettext("确认党员本人提交的三个一"),
    "report.rendered": lazy_gettext("报表已生成"),
    "report.downloaded": lazy_gettext("下载报表"),
    "certificate.issued": lazy_gettext("发放流动党员证"),
    "certificate.verified": lazy_gettext("验证流动党员证"),
    "certificate.replaced": lazy_gettext("换证/补发（原证停用）"),
    "certificate.lost": lazy_gettext("流动党员证挂失"),
    "certificate.returned": lazy_gettext("交回流动党员证"),
    "certificate.print_requested": lazy_gettext("申请打印流动党员证"),
    "certificate.printed": lazy_gettext("流动党员证PDF已生成"),
    "certificate.print_downloaded": lazy_gettext("下载流动党员证PDF"),
    "roster.uploaded": lazy_gettext("上传花名册文件"),
    "roster.import_started": lazy_gettext("确认导入花名册"),
    "roster.imported": lazy_gettext("导入花名册完成"),
    "roster.unreadable": lazy_gettext("花名册文件无法读取（已停止处理）"),
    "roster.exported": lazy_gettext("导出花名册（已脱敏）"),
    "roster.exported_full": lazy_gettext("导出花名册（含完整身份证号/手机号）"),
    "county.census_exported": lazy_gettext("县委组织部导出县级汇总（Excel）"),
    "county.placements_exported": lazy_gettext("县委组织部导出流入地管理汇总（Excel）"),
    "county.scorecards_exported": lazy_gettext("县委组织部导出县级目标考核（Excel）"),
    "reminders.settings_changed": lazy_gettext("修改提醒设置"),
    "reminders.template_changed": lazy_gettext("修改提醒消息模板"),
    "reminders.sms_template_changed": lazy_gettext("修改短信服务商模板"),
    "notification.resent": lazy_gettext("重发提醒"),
    "notification.preferences_changed": lazy_gettext("修改提醒接收方式"),
    "user.contact_changed": lazy_gettext("修改本人联系方式"),
}


FIELD_LABELS = {
    "name": lazy_gettext("姓名"),
    "gender": lazy_gettext("性别"),
    "birth_date": lazy_gettext("出生日期"),
    "birth_year": lazy_gettext("出生年份"),
    "ethnicity": lazy_gettext("民族"),
    "branch_id": lazy_gettext("支部"),
    "email": lazy_gettext("电子邮箱"),
    "join_date": lazy_gettext("入党日期"),
    "status": lazy_gettext("状态"),
    "id_number": lazy_gettext("身份证号"),
    "phone": lazy_gettext("手机号"),
    "address": lazy_gettext("去向"),
    "flow_category": lazy_gettext("类别"),
    "occupation": lazy_gettext("职业"),
    "employer": lazy_gettext("单位"),
    "departed_on": lazy_gettext("外出日期"),
    "returned_on": lazy_gettext("返回日期"),
    "valid_from": lazy_gettext("自"),
    "kind": lazy_gettext("类型"),
    "location": lazy_gettext("所在地"),
    "secretary_name": lazy_gettext("支部书记"),
    "long_term_days": lazy_gettext("长期在外天数"),
    "certificate_verify_months": lazy_gettext("流动党员证验证间隔（月）"),
    "letter_days_in_city": lazy_gettext("介绍信有效期·市内（天）"),
    "letter_days_out_of_city": lazy_gettext("介绍信有效期·市外（天）"),
    "transfer_escalate_days": lazy_gettext("转接催办上报（天）"),
    "letter_number": lazy_gettext("介绍信编号"),
    "education": lazy_gettext("学历"),
    "full_on": lazy_gettext("转正日期"),
    "probation_ends_on": lazy_gettext("预备期满日期"),
    "number": lazy_gettext("证号"),
    "expires_on": lazy_gettext("有效期至"),
    "status_on": lazy_gettext("状态日期"),
    "status_notes": lazy_gettext("状态说明"),
    "verified_on": lazy_gettext("验证日期"),
    "notes": lazy_gettext("说明"),
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
