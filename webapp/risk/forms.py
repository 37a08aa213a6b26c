"""Scorecard target form: it parses text; the service decides what is valid."""

from wtforms import StringField

from webapp.forms import ServiceForm


class TargetsForm(ServiceForm):
    """支部目标 (blank: the township's default)."""

    visit = StringField("走访覆盖率目标（%）")
    three_ones = StringField("三个一完成率目标（%）")
    attendance = StringField("组织生活参加率目标（%）")
