"""Message templates: text with ${placeholders}, Chinese first, checked when saved, filled when sent.

The ${name} syntax is the one Aliyun's SMS templates use, so an officer sees one notation
everywhere. SMS providers in China only send pre-approved templates: an SmsTemplate maps the
provider's template id and its variable names onto our placeholders.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from string import Template
from typing import Any

DEFAULT_LOCALE = "zh_CN"
_VARIABLE = re.compile(r"^[A-Za-z0-9_]{1,32}$")


class TemplateInvalid(ValueError):
    """Field name -> Chinese message; nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class MessageTemplate:
    """A subject (e-mail, in-app title) and a body; SMS uses the body alone."""

    subject: str
    body: str

    def render(self, values: Mapping[str, Any]) -> tuple[str, str]:
        """(subject, body) with the placeholders filled."""
        return fill(self.subject, values), fill(self.body, values)


@dataclass(frozen=True)
class SmsTemplate:
    """A provider's approved template: its id and provider variable -> our placeholder."""

    template_id: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def values(self, values: Mapping[str, Any]) -> dict[str, str]:
        """The provider's variables, filled; Tencent's are "1", "2", ... in order."""
        return {var: str(values.get(ours, "")) for var, ours in self.params.items()}

    def ordered(self, values: Mapping[str, Any]) -> list[str]:
        """The values in the order of numeric variable names (Tencent's TemplateParamSet)."""
        filled = self.values(values)
        return [
            filled[k]
            for k in sorted(
                filled, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k)
            )
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, for township settings."""
        return {"template_id": self.template_id, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "SmsTemplate":
        """From township settings or the SMS_TEMPLATES setting; missing parts are empty."""
        data = data or {}
        return cls(str(data.get("template_id") or ""), dict(data.get("params") or {}))


def fill(text: str, values: Mapping[str, Any]) -> str:
    """text with ${name} replaced; a placeholder without a value becomes empty, never "${name}"."""
    template = Template(text)
    return template.safe_substitute({k: "" for k in template.get_identifiers()} | dict(values))


def _label_list(allowed: Mapping[str, str]) -> str:
    return "、".join(f"${{{k}}}（{v}）" for k, v in allowed.items()) or "无"


def text_problem(text: str, allowed: Mapping[str, str]) -> str | None:
    """A Chinese message naming what is wrong with a template text, or None."""
    template = Template(text)
    if not template.is_valid():
        return "模板格式有误：$ 后应紧跟占位符名称，如 ${name}；要写 $ 符号本身请写 $$"
    unknown = [name for name in template.get_identifiers() if name not in allowed]
    if unknown:
        names = "、".join(f"${{{n}}}" for n in unknown)
        return f"未知的占位符 {names}，可用的有：{_label_list(allowed)}"
    return None


def check_message(subject: str, body: str, allowed: Mapping[str, str]) -> None:
    """Refuse a template whose subject or body is empty or names an unknown placeholder."""
    errors: dict[str, str] = {}
    if not body.strip():
        errors["body"] = "请填写正文"
    for name, text, limit in (("subject", subject, 200), ("body", body, 2000)):
        if len(text) > limit:
            errors[name] = f"不能超过{limit}个字符"
        elif problem := text_problem(text, allowed):
            errors[name] = problem
    if errors:
        raise TemplateInvalid(errors)


def check_sms(sms: SmsTemplate, allowed: Mapping[str, str]) -> None:
    """Refuse a provider mapping with a bad variable name or an unknown placeholder."""
    errors: dict[str, str] = {}
    if len(sms.template_id) > 64 or not re.match(r"^[A-Za-z0-9_\-]*$", sms.template_id):
        errors["template_id"] = "模板编号只能包含字母、数字、下划线和连字符"
    for var, ours in sms.params.items():
        if not _VARIABLE.match(var):
            errors["params"] = f"服务商变量名“{var}”无效：只能包含字母、数字和下划线"
        elif ours not in allowed:
            errors["params"] = (
                f"未知的占位符 ${{{ours}}}（变量 {var}），可用的有：{_label_list(allowed)}"
            )
    if errors:
        raise TemplateInvalid(errors)


def parse_sms_params(text: str) -> dict[str, str]:
    """ "name=member_name, date=expected_return" (one pair per line or comma) as a mapping."""
    pairs: dict[str, str] = {}
    for chunk in re.split(r"[,，\n]", text):
        if not chunk.strip():
            continue
        var, sep, ours = chunk.partition("=")
        if not sep:
            raise TemplateInvalid(
                {"params": f"“{chunk.strip()}”应写成 变量名=占位符，如 name=member_name"}
            )
        pairs[var.strip()] = ours.strip().removeprefix("${").removesuffix("}")
    return pairs


def placeholders_in(texts: Iterable[str]) -> set[str]:
    """Every placeholder named in texts."""
    return {name for text in texts for name in Template(text).get_identifiers()}
