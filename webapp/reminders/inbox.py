"""The bell: a user's in-app messages, and their own reminder choices (and, for officers, the
e-mail and mobile number reminders to them go to)."""

from typing import Any

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from notifications.models import RecipientKind
from notifications.queries import inbox, unread_count
from notifications.service import mark_read, preferences_of
from webapp.auth.decorators import require
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.pagination import paginate
from webapp.reminders.forms import ContactForm, PreferenceForm
from webapp.reminders.services import ReminderInvalid, do_set_preferences, do_update_contact
from webapp.tenancy import township_blueprint

bp = township_blueprint("notifications", __name__, "/notifications")


def _member_id() -> int | None:
    """The member this account is, for members reading their own reminders."""
    return current_user.member_id if current_user.role == Role.MEMBER else None


def _recipient() -> tuple[RecipientKind, int]:
    member_id = _member_id()
    if member_id is not None:
        return RecipientKind.MEMBER, member_id
    return RecipientKind.USER, current_user.id


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    def unread_notifications() -> int:
        """Unread in-app messages of the signed-in user in this township (0 outside one)."""
        if not current_user.is_authenticated or getattr(g, "township", None) is None:
            return 0
        return unread_count(db.session, _member_id(), current_user.id)

    return {"unread_notifications": unread_notifications}


@bp.route("/")
@require("notification.inbox")
def index() -> Any:
    """站内消息, newest first."""
    page = paginate(db.session, inbox(_member_id(), current_user.id))
    return render_template("reminders/inbox.html", page=page)


@bp.route("/read", methods=["POST"])
@require("notification.inbox")
def read_all() -> Any:
    """Mark every message read (the reader's own state: not a change worth an audit entry)."""
    marked = mark_read(db.session, db.session.scalars(inbox(_member_id(), current_user.id)))
    db.session.commit()
    flash(f"已将{marked}条消息标为已读" if marked else "没有未读消息", "success")
    return redirect(url_for(".index"))


@bp.route("/preferences", methods=["GET", "POST"])
@require("notification.inbox")
def preferences() -> Any:
    """我的提醒设置: channel, declining non-essential reminders; officers' contact details."""
    kind, ident = _recipient()
    pref = preferences_of(db.session, [(kind.value, ident)]).get((kind.value, ident))
    form = PreferenceForm(
        prefix="pref",
        data={
            "channel": pref.channel.value if pref and pref.channel else "",
            "declines_optional": bool(pref and pref.declines_optional),
        },
    )
    contact = None
    if kind == RecipientKind.USER:
        contact = ContactForm(
            prefix="contact",
            data={"email": current_user.email or "", "phone": current_user.phone or ""},
        )
    if form.validate_on_submit():
        try:
            if contact is not None:
                do_update_contact(
                    db.session,
                    current_user,
                    current_user,
                    g.township.id,
                    contact.data_for_service(),
                )
            do_set_preferences(
                db.session, current_user, g.township.id, kind, ident, form.data_for_service()
            )
        except ReminderInvalid as exc:
            db.session.rollback()
            (
                contact if contact is not None and set(exc.errors) & {"email", "phone"} else form
            ).attach_errors(exc.errors)
        else:
            flash("提醒设置已保存", "success")
            return redirect(url_for(".preferences"))
    errors = form.errors or (contact.errors if contact is not None else {})
    return render_template(
        "reminders/my_preferences.html", form=form, contact=contact, pref=pref
    ), (422 if errors else 200)
