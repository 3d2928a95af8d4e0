"""The front door: each person's home page, and the language switch."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.services import preferences, service_reviews, weekly_reports
from app.store import new_uow
from app.web.i18n import LANGUAGE_COOKIE
from app.web.security import local_target

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> Any:
    """Requesters go to the portal, staff to their inbox."""
    if current_user.is_staff and "inbox.index" in _endpoints():
        return redirect(url_for("inbox.index"))
    if "portal.index" in _endpoints():
        return redirect(url_for("portal.index"))
    abort(404)


def _endpoints() -> set[str]:
    from flask import current_app
    return set(current_app.view_functions)


@bp.route("/language", methods=["POST"])
def switch_language() -> Any:
    """Remembered for the signed-in person (every page and mail), and in a cookie for the sign-in page."""
    language = preferences.check_language(request.form.get("language"))
    if current_user.is_authenticated:
        preferences.set_language(new_uow(), current_user.principal, language)
    response = redirect(local_target(request.form.get("next")) or url_for("home.index"))
    response.set_cookie(LANGUAGE_COOKIE, language or "", max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=request.is_secure)
    return response


#: The main navigation: (endpoint, label, who sees it). Areas register their blueprint; a link shows
#: once its endpoint exists and the person may use it. ``NAV`` is the daily work, always in the bar;
#: ``NAV_MORE`` the periodic work and administration, under "More" so that the bar fits on one line
#: in both languages however many areas a person may use.
NAV = (
    ("portal.index", _l("Portal"), lambda user: True),
    ("inbox.index", _l("Inbox"), lambda user: user.is_staff),
    ("kb.index", _l("Knowledge base"), lambda user: True),
    ("reports.index", _l("Reports"), lambda user: user.in_group("project_manager", "service_dept", "admin")),
)
NAV_MORE = (
    ("weekly_survey.current_week", _l("Weekly survey"),
     lambda user: user.in_group(*weekly_reports.READER_GROUPS)),
    ("surveys.campaigns", _l("Satisfaction surveys"), lambda user: user.in_group("service_dept", "admin")),
    ("reviews.index", _l("Service reviews"), lambda user: user.in_group(*service_reviews.READERS)),
    ("models.index", _l("Models"), lambda user: user.in_group("process_owner", "admin")),
    ("operations.index", _l("Live view"), lambda user: user.in_group("process_owner", "admin", "project_manager")),
    ("admin_users.index", _l("Users"), lambda user: user.in_group("admin")),
    ("admin_calendar.index", _l("Calendar"), lambda user: user.in_group("admin")),
    ("admin_outbox.index", _l("Outbox"), lambda user: user.in_group("admin")),
)


@bp.app_context_processor
def navigation() -> dict[str, Any]:
    if not current_user or not current_user.is_authenticated:
        return {"nav": [], "nav_more": []}
    known = _endpoints()
    area = request.endpoint.split(".")[0] if request.endpoint else None

    def links(entries: tuple) -> list[tuple[str, str, bool]]:
        return [(url_for(endpoint), str(label), area == endpoint.split(".")[0])
                for endpoint, label, visible in entries if endpoint in known and visible(current_user)]

    return {"nav": links(NAV), "nav_more": links(NAV_MORE)}
