"""The township's rubric for a year: the weight of each kind of evidence and the score that
suggests each grade. Shown in the UI beside the formula; a suggestion, never a grade."""

from typing import Any

from webapp.evaluations.models import Grade

COMPONENTS = {
    "three_ones": "三个一完成情况",
    "attendance": "参加组织生活（本支部、流入地或线上）",
    "contacts": "与支部保持联系（每季度）",
    "dues": "按时交纳党费",
    "verification": "流动党员证按时验证",
    "contributions": "三个一四带头（经支部确认）",
}
DEFAULT_WEIGHTS = {
    "three_ones": 30,
    "attendance": 25,
    "contacts": 15,
    "dues": 20,
    "verification": 10,
    "contributions": 0,
}
# the lowest score that suggests each grade, best first; below the last suggests 不合格
SUGGEST_FROM = ((Grade.EXCELLENT, 90), (Grade.QUALIFIED, 70), (Grade.BASIC, 50))
FORMULA = "得分 = Σ（各项权重 × 该项完成率）÷ Σ（有数据各项的权重）× 100；无数据的项不计入"


def weights_problem(weights: Any) -> str | None:
    """Why the weights cannot be used, or None: whole numbers from 0 that add up to 100."""
    if not isinstance(weights, dict) or set(weights) != set(COMPONENTS):
        return "请为每一项填写权重"
    if any(not isinstance(w, int) or isinstance(w, bool) or w < 0 for w in weights.values()):
        return "权重应为不小于0的整数"
    total = sum(weights.values())
    if total != 100:
        return f"各项权重合计应为100（现为{total}）"
    return None


def score(ratios: dict[str, float | None], weights: dict[str, int]) -> float | None:
    """The weighted score over the components that have data, or None when none has."""
    counted = {k: r for k, r in ratios.items() if r is not None and weights.get(k, 0) > 0}
    total = sum(weights[k] for k in counted)
    if not total:
        return None
    return round(100 * sum(weights[k] * r for k, r in counted.items()) / total, 1)


def suggest(points: float | None) -> Grade | None:
    """The grade a score suggests; None without a score."""
    if points is None:
        return None
    for grade, floor in SUGGEST_FROM:
        if points >= floor:
            return grade
    return Grade.UNQUALIFIED
