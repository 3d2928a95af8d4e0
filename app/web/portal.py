"""The requester's home: report a problem, follow one's own requests, do what a process asks of one."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.services import complaint_filing, my_requests, problem_reports, satisfaction, starters
from app.store import new_uow

bp = Blueprint("portal", __name__)


@bp.route("/portal")
@login_required
def index() -> Any:
    """Anyone signed in may open it: it lists only what the reader reported and what is asked of them by name."""
    page = max(1, request.args.get("page", 1, type=int))  # a page number that is not one shows the first page
    reader = current_user.principal
    requests = my_requests.my_requests(new_uow(write=False), reader, page)
    waiting = my_requests.waiting_for(new_uow(write=False), reader)
    surveys = satisfaction.open_surveys(new_uow(write=False), reader)
    may_report = starters.may_start_latest(new_uow(write=False), reader, problem_reports.PROCESS_KEY)
    may_complain = starters.may_start_latest(new_uow(write=False), reader, complaint_filing.PROCESS_KEY)
    return render_template("portal/index.html", requests=requests, waiting=waiting, surveys=surveys,
                           may_report=may_report, may_complain=may_complain)
