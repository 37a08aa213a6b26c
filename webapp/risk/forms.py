"""Scorecard target form: it parses text; the service decides what is valid."""

from flask_babel import lazy_gettext
from wtforms import StringField

from webapp.forms import ServiceForm


class TargetsForm(ServiceForm):
    """支部目标 (blank: the township's default)."""

    visit = StringField(lazy_gettext("走访覆盖率目标（%）"))
    three_ones = StringField(lazy_gettext("三个一完成率目标（%）"))
    attendance = StringField(lazy_gettext("组织生活参加率目标（%）"))
