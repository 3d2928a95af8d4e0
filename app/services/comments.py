"""Comments on tasks and instances, kept after the task is done (Camunda keeps them in history)."""
from __future__ import annotations

import uuid
from typing import Optional

from sqlalchemy import select

from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import Comment, HumanTask, ProcessInstance, utcnow
from app.services.audit import audit
from app.services.users import Principal


def _visible_task(uow: UnitOfWork, task_id: str, viewer: Principal) -> HumanTask:
    """A task, open or done, that the viewer may read: staff, whoever it is offered to, the ticket's reporter."""
    task = uow.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(f"task {task_id} does not exist")
    if viewer.is_staff or viewer.may_work_on(task.candidate_groups, task.candidate_users, task.assignee):
        return task
    instance = uow.session.get(ProcessInstance, task.instance_id)
    if instance is None or not viewer.may_see_instance(instance.started_by):
        raise Forbidden(f"user {viewer.id} may not see task {task_id}")
    return task


def task_comments(uow: UnitOfWork, task_id: str, viewer: Principal) -> list[Comment]:
    with uow:
        _visible_task(uow, task_id, viewer)
        return list(uow.session.scalars(select(Comment).where(Comment.task_id == task_id)
                                        .order_by(Comment.at, Comment.id)))


def task_comment(uow: UnitOfWork, task_id: str, comment_id: str, viewer: Principal) -> Comment:
    with uow:
        _visible_task(uow, task_id, viewer)
        comment = uow.session.get(Comment, comment_id)
        if comment is None or comment.task_id != task_id:
            raise NotFound(f"task {task_id} has no comment {comment_id}")
        return comment


def add_task_comment(uow: UnitOfWork, task_id: str, message: str, user: Principal,
                     instance_id: Optional[str] = None) -> Comment:
    """A comment on an open task by anyone who may see it; ``instance_id``, if given, must be the task's."""
    if not isinstance(message, str) or not message.strip():
        raise InvalidInput("message must be a non-empty string")
    with uow:
        task = _visible_task(uow, task_id, user)
        if task.status != "open":
            raise InvalidInput(f"task {task_id} is completed; comments can only be added to open tasks")
        if instance_id is not None and instance_id != task.instance_id:
            raise InvalidInput(f"task {task_id} does not belong to process instance {instance_id}")
        comment = Comment(id=str(uuid.uuid4()), task_id=task_id, instance_id=task.instance_id, user_id=user.id,
                          at=utcnow(), message=message)
        uow.session.add(comment)
        audit(uow, task.instance_id, user.id, "comment_added", task.activity_id, task_id, {"commentId": comment.id})
        uow.commit()
        return comment


def instance_comments(uow: UnitOfWork, instance_id: str, viewer: Principal) -> list[Comment]:
    """Every comment on the instance and its tasks, oldest first."""
    with uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"process instance {instance_id} does not exist")
        if not viewer.may_see_instance(instance.started_by):
            raise Forbidden(f"user {viewer.id} may not see process instance {instance_id}")
        return list(uow.session.scalars(select(Comment).where(Comment.instance_id == instance_id)
                                        .order_by(Comment.at, Comment.id)))
