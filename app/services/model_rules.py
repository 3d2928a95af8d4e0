"""The rules of a deployment that need what is already deployed: messages, gateway values, who can work a task.

``app.modelcheck`` judges a file on its own; these rules look further — at the
forms and decision tables a process uses (to know what values a gateway's
variable can take), at every process that waits for a message a model sends,
and at who is in the groups a user task is offered to. One ``Known`` is read per
deployment (or validation) and asked for each process.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import select

from app import modelcheck
from app.db import UnitOfWork
from app.errors import ModelError
from app.forms import parse_camunda_form
from app.modelcheck.coverage import Domain, decision_domains, field_domain, judge, merge
from app.modelcheck.graph import caught_messages
from app.modelcheck.tasks import FALLBACK_GROUP
from app.models import Membership, ProcessDefinition, Resource, User


@dataclass
class Known:
    """What the deployed models and the user directory offer to the processes of one deployment."""

    waited_messages: set[str] = field(default_factory=set)   # message names some process waits for
    staffed_groups: set[str] = field(default_factory=set)    # groups with an active member besides admins


def known(uow: UnitOfWork, processes: list[modelcheck.ProcessInfo]) -> Known:
    """Read the latest deployed processes' messages and the staffed groups, plus this deployment's messages."""
    session = uow.session
    waited = {name for process in processes for name in process.caught_messages}
    latest = select(ProcessDefinition.key, ProcessDefinition.resource_id).order_by(ProcessDefinition.version)
    resource_ids = {key: resource_id for key, resource_id in session.execute(latest)}
    for resource_id in set(resource_ids.values()):
        resource = session.get(Resource, resource_id)
        if resource is not None:
            waited |= caught_messages(modelcheck.parse_xml(resource.content, resource.name))
    admins = set(session.scalars(select(Membership.user_id).where(Membership.group_id == FALLBACK_GROUP)))
    members = session.execute(select(Membership.group_id, Membership.user_id).join(User, User.id == Membership.user_id)
                              .where(User.active.is_(True)))
    staffed = {group for group, user in members if user not in admins}
    return Known(waited, staffed)


def judge_process(process: modelcheck.ProcessInfo, known_now: Known, decisions: dict[str, Resource],
                  forms: list[Resource]) -> tuple[list[ModelError], list[ModelError]]:
    """(problems, warnings) of one checked process against what is deployed with it or before it."""
    problems: list[ModelError] = []
    warnings: list[ModelError] = []
    for name, (element_id, line) in process.thrown_messages.items():
        if name not in known_now.waited_messages:
            problems.append(ModelError(f"unknown message '{name}': no process of this deployment or deployed "
                                       "before waits for it (a message start or catch event, a receive task)",
                                       element_id=element_id, line=line, resource=process.resource))
    domains = _domains(process, decisions, forms)
    for choice in process.choices:
        refused, warned = judge(choice, domains, process.resource)
        problems += refused
        warnings += warned
    warnings += _unstaffed_tasks(process, known_now)
    return problems, warnings


def _domains(process: modelcheck.ProcessInfo, decisions: dict[str, Resource],
             forms: list[Resource]) -> dict[str, Optional[Domain]]:
    """What each variable a form or decision of the process sets can hold (None: cannot be told)."""
    domains = dict(process.field_domains)
    for resource in forms:
        for form_field in parse_camunda_form(resource.content, resource.name).fields:
            merge(domains, form_field.key, field_domain(form_field.type, form_field.options, form_field.required))
    for decision_id in process.decision_refs:
        resource = decisions.get(decision_id)
        if resource is None:
            continue
        for variable, domain in decision_domains(modelcheck.parse_xml(resource.content, resource.name),
                                                 decision_id).items():
            merge(domains, variable, domain)
    return domains


def _unstaffed_tasks(process: modelcheck.ProcessInfo, known_now: Known) -> list[ModelError]:
    """User tasks only admins can take: every candidate is a literal group without a member besides admins.

    A task naming nobody at all is warned about when the file is read
    (``modelcheck.tasks``); an assignee, candidate users or a group computed
    at run time (``${tier1_group}``) may well name someone. Before anyone
    but administrators is in any group (a fresh installation deploying its
    shipped models) there is nobody to judge by, so nothing is said.
    """
    warnings: list[ModelError] = []
    if not known_now.staffed_groups:
        return warnings
    for task in process.user_tasks.values():
        groups = task.candidate_groups
        if task.assignee or task.candidate_users or not groups or any(g.startswith("${") for g in groups):
            continue
        if not set(groups) & known_now.staffed_groups:
            warnings.append(ModelError(f"nobody but an administrator can take this task: no one outside the "
                                       f"admin group is in {', '.join(groups)}", element_id=task.activity_id,
                                       line=task.line, resource=process.resource))
    return warnings
