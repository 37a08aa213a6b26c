"""The permission matrix (role x action), enforced here and nowhere else; docs/permissions.md mirrors it."""

from flask_babel import force_locale, lazy_gettext

from webapp.auth.models import ROLE_LABELS, Role, User

ALL = "all"
OWN_BRANCH = "branch"

PA, CC, TA, BS, CM, ME = (
    Role.PLATFORM_ADMIN,
    Role.COUNTY_COORDINATOR,
    Role.TOWNSHIP_ADMIN,
    Role.BRANCH_SECRETARY,
    Role.COMMITTEE_MEMBER,
    Role.MEMBER,
)

ACTIONS: dict[str, str] = {
    "township.view": lazy_gettext("查看乡镇首页"),
    "branch.view": lazy_gettext("查看支部列表与详情"),
    "branch.create": lazy_gettext("新建支部"),
    "branch.update": lazy_gettext("修改支部"),
    "branch.delete": lazy_gettext("删除支部"),
    "member.view": lazy_gettext("查看党员列表与详情"),
    "member.create": lazy_gettext("新增党员"),
    "member.update": lazy_gettext("修改党员"),
    "member.reveal": lazy_gettext("查看完整身份证号与手机号（留痕）"),
    "member.call": lazy_gettext("查看完整手机号以便联系（委员仅限本人负责联系的党员；留痕）"),
    "departure.manage": lazy_gettext("外出登记、去向变更、返回登记"),
    "census.view": lazy_gettext("查看流动党员统计"),
    "certificate.manage": lazy_gettext("流动党员证：发证、换证、挂失、交回、打印"),
    "certificate.verify": lazy_gettext("流动党员证：验证（流出地或流入地支部）"),
    "duty.assign": lazy_gettext("分配与调整流动党员的联系人（一季度一访）"),
    "contact.log": lazy_gettext("登记与删除联系记录"),
    "three_ones.manage": lazy_gettext("登记流动党员的三个一"),
    "three_ones.submit": lazy_gettext("提交本人的三个一（仅限本人记录）"),
    "roster.import": lazy_gettext("导入花名册（Excel）"),
    "roster.export": lazy_gettext("导出花名册（Excel，身份证号按权限脱敏）"),
    "audit.view": lazy_gettext("查看操作日志"),
    "report.request": lazy_gettext("生成花名册PDF"),
    "county.view": lazy_gettext("查看县级汇总与切换乡镇"),
    "token.manage": lazy_gettext("管理本人的API令牌"),
    "township.manage": lazy_gettext("新建与修改乡镇（平台级）"),
    "township.settings": lazy_gettext("修改本乡镇的设置（如长期在外天数）"),
    "reminder.log": lazy_gettext("查看提醒发送记录、失败数与待发队列"),
    "reminder.manage": lazy_gettext("重发失败的提醒，设置提醒规则、模板与免打扰时段"),
    "reminder.preferences": lazy_gettext("代党员设置接收提醒的方式"),
    "notification.inbox": lazy_gettext("查看本人的站内消息，设置本人接收提醒的方式"),
    "activity.manage": lazy_gettext("安排与取消组织生活、主题党日、学习、返乡培训"),
    "attendance.record": lazy_gettext("登记党员参加组织生活的情况（含缺席说明）"),
    "dues.manage": lazy_gettext("设置党费月缴额，登记与删除党费缴纳记录"),
    "contribution.manage": lazy_gettext("登记与确认三个一、四带头，登记家庭帮扶"),
    "risk.view": lazy_gettext("查看预警名单与支部目标考核"),
    "scorecard.manage": lazy_gettext("设置支部目标（走访覆盖率、三个一完成率、参加率）"),
    "directory.view": lazy_gettext(
        "查询组织目录（各乡镇接收流动党员的支部与平台外组织，仅组织信息）"
    ),
    "directory.manage": lazy_gettext(
        "维护本乡镇的目录条目：发布支部、新建临时党支部、添加平台外组织"
    ),
    "placement.manage": lazy_gettext("安排外出党员到流入地组织、登记报到（平台外组织）、结束安排"),
    "inflow.manage": lazy_gettext("查看其他乡镇安排到本镇支部的流入党员，确认报到"),
    "transfer.view": lazy_gettext("查看组织关系转接（转出、转入、未办结）"),
    "transfer.manage": lazy_gettext(
        "发起、修改、提交、撤回组织关系转接，重新开具介绍信，确认与登记回执"
    ),
    "transfer.approve_branch": lazy_gettext("组织关系转接：党支部审批"),
    "transfer.approve_township": lazy_gettext("组织关系转接：乡镇党委审批"),
    "transfer.approve_county": lazy_gettext("组织关系转接：县委组织部审批（跨县转接）"),
    "transfer.receive": lazy_gettext("接收或拒收转入本镇的党员，登记平台外转入"),
}

MATRIX: dict[str, dict[Role, str]] = {
    "township.view": {PA: ALL, CC: ALL, TA: ALL, BS: ALL, CM: ALL, ME: ALL},
    "branch.view": {PA: ALL, CC: ALL, TA: ALL, BS: ALL, CM: ALL},
    "branch.create": {PA: ALL, TA: ALL},
    "branch.update": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "branch.delete": {PA: ALL, TA: ALL},
    "member.view": {PA: ALL, CC: ALL, TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "member.create": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "member.update": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "member.reveal": {TA: ALL, BS: OWN_BRANCH},
    "member.call": {TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "departure.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "census.view": {PA: ALL, CC: ALL, TA: ALL, BS: ALL},
    "certificate.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "certificate.verify": {PA: ALL, TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "duty.assign": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "contact.log": {PA: ALL, TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "three_ones.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "three_ones.submit": {ME: ALL},
    "roster.import": {PA: ALL, TA: ALL},
    "roster.export": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "audit.view": {PA: ALL, CC: ALL, TA: ALL},
    "report.request": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "county.view": {PA: ALL, CC: ALL},
    "token.manage": {PA: ALL, CC: ALL, TA: ALL, BS: ALL, CM: ALL, ME: ALL},
    "township.manage": {PA: ALL},
    "township.settings": {PA: ALL, TA: ALL},
    "reminder.log": {PA: ALL, CC: ALL, TA: ALL},
    "reminder.manage": {PA: ALL, TA: ALL},
    "reminder.preferences": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "notification.inbox": {PA: ALL, CC: ALL, TA: ALL, BS: ALL, CM: ALL, ME: ALL},
    "activity.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "attendance.record": {PA: ALL, TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "dues.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "contribution.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "risk.view": {PA: ALL, CC: ALL, TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "scorecard.manage": {PA: ALL, TA: ALL},
    "directory.view": {PA: ALL, CC: ALL, TA: ALL, BS: ALL, CM: ALL},
    "directory.manage": {PA: ALL, TA: ALL},
    "placement.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "inflow.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "transfer.view": {PA: ALL, CC: ALL, TA: ALL, BS: OWN_BRANCH},
    "transfer.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "transfer.approve_branch": {PA: ALL, BS: OWN_BRANCH},
    "transfer.approve_township": {PA: ALL, TA: ALL},
    "transfer.approve_county": {PA: ALL, CC: ALL},
    "transfer.receive": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
}


def reach(user: User, action: str) -> str | None:
    """ALL, OWN_BRANCH, or None when the role may not do the action at all."""
    return MATRIX[action].get(user.role)


def can(user: User, action: str, branch_id: int | None = None) -> bool:
    """May user do action (on something in branch_id, where that matters)?"""
    scope = reach(user, action)
    if scope == ALL:
        return True
    if scope == OWN_BRANCH:
        return branch_id is None or branch_id == user.branch_id
    return False


def branch_limit(user: User, action: str) -> int | None:
    """The one branch a branch-level role is limited to for action, or None for all branches."""
    return user.branch_id if reach(user, action) == OWN_BRANCH else None


def render_markdown() -> str:
    """docs/permissions.md, generated from MATRIX."""
    roles = list(Role)
    with force_locale("zh_CN"):  # the generated file is the same whoever generates it
        return _markdown(roles)


def _markdown(roles: list[Role]) -> str:
    lines = [
        "# 权限矩阵 / Permission matrix",
        "",
        "Generated from `webapp/auth/permissions.py` (`lianxin permissions > docs/permissions.md`);",
        "a test checks that this file and the code agree, and another exercises every row.",
        "",
        "✓ = every record of the township; 本支部 = only the user's own branch; – = refused (403).",
        "A township outside the user's reach answers 404 whatever the role.",
        "",
        "| action | 说明 | " + " | ".join(f"{ROLE_LABELS[r]} `{r.value}`" for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    marks = {ALL: "✓", OWN_BRANCH: "本支部", None: "–"}
    for action, label in ACTIONS.items():
        cells = " | ".join(marks[MATRIX[action].get(r)] for r in roles)
        lines.append(f"| `{action}` | {label} | {cells} |")
    return "\n".join(lines) + "\n"
