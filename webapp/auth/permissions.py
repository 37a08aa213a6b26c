"""The permission matrix (role x action), enforced here and nowhere else; docs/permissions.md mirrors it."""

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
    "township.view": "查看乡镇首页",
    "branch.view": "查看支部列表与详情",
    "branch.create": "新建支部",
    "branch.update": "修改支部",
    "branch.delete": "删除支部",
    "member.view": "查看党员列表与详情",
    "member.create": "新增党员",
    "member.update": "修改党员",
    "member.reveal": "查看完整身份证号与手机号（留痕）",
    "departure.manage": "外出登记、去向变更、返回登记",
    "census.view": "查看流动党员统计",
    "roster.import": "导入花名册（Excel）",
    "roster.export": "导出花名册（Excel，身份证号按权限脱敏）",
    "audit.view": "查看操作日志",
    "report.request": "生成花名册PDF",
    "county.view": "查看县级汇总与切换乡镇",
    "token.manage": "管理本人的API令牌",
    "township.manage": "新建与修改乡镇（平台级）",
    "township.settings": "修改本乡镇的设置（如长期在外天数）",
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
    "departure.manage": {PA: ALL, TA: ALL, BS: OWN_BRANCH, CM: OWN_BRANCH},
    "census.view": {PA: ALL, CC: ALL, TA: ALL, BS: ALL},
    "roster.import": {PA: ALL, TA: ALL},
    "roster.export": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "audit.view": {PA: ALL, CC: ALL, TA: ALL},
    "report.request": {PA: ALL, TA: ALL, BS: OWN_BRANCH},
    "county.view": {PA: ALL, CC: ALL},
    "token.manage": {PA: ALL, CC: ALL, TA: ALL, BS: ALL, CM: ALL, ME: ALL},
    "township.manage": {PA: ALL},
    "township.settings": {PA: ALL, TA: ALL},
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
