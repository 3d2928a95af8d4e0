"""Comments on tasks and process instances (Camunda's comment resources)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from app.api import bp, current_user, json_body, shapes
from app.api.body import refuse_unknown, text
from app.models import Comment
from app.services import comments
from app.store import new_uow


def _shape(row: Comment) -> dict[str, Any]:
    links = []
    if row.task_id:
        links = [{"method": "GET", "href": f"{request.url_root.rstrip('/')}/engine-rest/task/{row.task_id}/comment/"
                  f"{row.id}", "rel": "self"}]
    return {"id": row.id, "userId": row.user_id, "taskId": row.task_id, "processInstanceId": row.instance_id,
            "time": shapes.camunda_date(row.at), "message": row.message, "removalTime": None,
            "rootProcessInstanceId": row.instance_id, "links": links}


@bp.get("/task/<task_id>/comment")
def task_comments(task_id: str):
    return jsonify([_shape(c) for c in comments.task_comments(new_uow(write=False), task_id, current_user())])


@bp.post("/task/<task_id>/comment/create")
def create_task_comment(task_id: str):
    body = json_body()
    refuse_unknown(body, {"message", "processInstanceId"})
    row = comments.add_task_comment(new_uow(), task_id, body.get("message"), current_user(),
                                    text(body, "processInstanceId"))
    return jsonify(_shape(row))


@bp.get("/task/<task_id>/comment/<comment_id>")
def task_comment(task_id: str, comment_id: str):
    return jsonify(_shape(comments.task_comment(new_uow(write=False), task_id, comment_id, current_user())))


@bp.get("/process-instance/<instance_id>/comment")
def instance_comments(instance_id: str):
    return jsonify([_shape(c) for c in comments.instance_comments(new_uow(write=False), instance_id,
                                                                  current_user())])
