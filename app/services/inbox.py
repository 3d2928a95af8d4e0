"""The staff inbox: *mine*, *my groups* and *all* open tasks, most urgent first, filtered and paged.

Every list is read in inbox order (priority, then due time, then age) straight
from an index: *all* from ``ix_task_inbox`` on the tasks, *my groups* from
``ix_candidate_inbox_due`` once per group, the sorted group lists merged here.
A page therefore reads about a page of rows per group whether 100 or 100,000
tasks are open, and never a workflow blob or a variable. The filters read
the task too: its category (a copy of the ticket's, ``ix_task_category``)
and its search words (``inbox_search``), never a join to every open ticket.
What a row shows comes from the ``inbox_ticket`` projection (``inbox_projection``).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import Select, String, cast, false, func, select

from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput
from app.models import Group, HumanTask, InboxTicket, ProcessDefinition, TaskCandidate, User
from app.services import inbox_search
from app.services.users import ADMIN_GROUP, REQUESTER_GROUPS, Principal

TABS = ("mine", "groups", "all")
DEFAULT_TAB = "groups"
#: who may list every open task: the people who coordinate and watch SLAs (DOMAIN.md)
MANAGER_GROUPS = frozenset({"project_manager", ADMIN_GROUP})
#: Flow 1's priority words and the task priorities they give (``projections.PRIORITY_WORDS``), as ranges
PRIORITY_RANGES = {"urgent": (100, None), "important": (75, 99), "normal": (None, 74)}
#: Flow 1's categories, as the classification form offers them
CATEGORIES = ("hardware", "software", "network", "other")
PAGE_SIZE = 50
#: Up to this many tasks found by a text search, a page sorts them; more, and it walks the inbox order
FEW_MATCHES = 2000
TEXT_LENGTH = 100


class BadCriterion(InvalidInput):
    """A filter value the inbox does not know; ``field`` names the filter so a page can say which."""

    def __init__(self, field_name: str, value: str):
        super().__init__(f"unknown {field_name}: {value!r}")
        self.field = field_name
        self.value = value


@dataclass(frozen=True)
class InboxQuery:
    """One view of the inbox, as its URL gives it (so it can be bookmarked, shared and saved)."""

    tab: str = DEFAULT_TAB
    priority: Optional[str] = None
    category: Optional[str] = None
    process: Optional[str] = None
    group: Optional[str] = None
    text: Optional[str] = None
    page: int = 1

    def criteria(self) -> dict[str, str]:
        """The non-empty criteria (without the page), as URL parameters."""
        values = {"tab": self.tab, "priority": self.priority, "category": self.category,
                  "process": self.process, "group": self.group, "text": self.text}
        return {name: value for name, value in values.items() if value}

    @property
    def filtered(self) -> bool:
        return any((self.priority, self.category, self.process, self.group, self.text))


@dataclass(frozen=True)
class InboxRow:
    """One open task as a row of the inbox."""

    task_id: str
    task_name: str
    item: Optional[str]  # a multi-instance task's element (a department): what tells its rows apart
    instance_id: str
    ticket: str
    requester: Optional[str]
    symptom: Optional[str]
    vip: bool
    priority: int
    priority_word: Optional[str]
    category: Optional[str]
    assignee: Optional[str]
    assignee_name: Optional[str]
    created_at: datetime
    due_at: Optional[datetime]
    response_due_at: Optional[datetime]
    response_set_at: Optional[datetime]
    sla_clock: Optional[str]
    sla_state: Optional[str]
    sla_due_at: Optional[datetime]
    sla_started_at: Optional[datetime]
    case_kind: Optional[str] = None  # what the case is and what names it (``case_names.naming``)
    case_subject: Optional[str] = None
    case_detail: Optional[str] = None


@dataclass(frozen=True)
class InboxPage:
    query: InboxQuery
    tabs: tuple[str, ...]
    counts: dict[str, int]
    rows: list[InboxRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.counts[self.query.tab]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def visible_tabs(viewer: Principal) -> tuple[str, ...]:
    return TABS if viewer.groups & MANAGER_GROUPS else TABS[:2]


def parse_query(args: dict[str, Any]) -> InboxQuery:
    """An inbox query from URL parameters: unknown tab, priority, category or page is a ``BadCriterion``."""
    def one(name: str) -> Optional[str]:
        value = args.get(name)
        return value.strip() or None if isinstance(value, str) else None

    tab = one("tab") or DEFAULT_TAB
    if tab not in TABS:
        raise BadCriterion("tab", tab)
    priority, category, text = one("priority"), one("category"), one("text")
    if priority and priority not in PRIORITY_RANGES:
        raise BadCriterion("priority", priority)
    if category and category not in CATEGORIES:
        raise BadCriterion("category", category)
    if text and len(text) > TEXT_LENGTH:
        raise BadCriterion("text", text[:TEXT_LENGTH] + "…")
    page = one("page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        raise BadCriterion("page", page)
    return InboxQuery(tab, priority, category, one("process"), one("group"), text, int(page))


def inbox_page(uow: UnitOfWork, query: InboxQuery, viewer: Principal) -> InboxPage:
    """One page of the viewer's inbox with the count of every tab they may open.

    Staff only; *all* only for project managers and administrators. The process and group of the query
    must exist, so a mistyped link says so."""
    tabs = _authorize(query, viewer)
    with uow:
        _check_names(uow, query, viewer)
        named = _offered_by_name(uow, viewer)
        counts = {tab: _count(uow, replace(query, tab=tab), viewer, named) for tab in tabs}
        first = (query.page - 1) * PAGE_SIZE
        ids = _page_ids(uow, query, viewer, named, first, PAGE_SIZE, counts[query.tab])
        return InboxPage(query, tabs, counts, _rows(uow, ids))


def _authorize(query: InboxQuery, viewer: Principal) -> tuple[str, ...]:
    if not viewer.is_staff:
        raise Forbidden(f"user {viewer.id} is not staff: the inbox is for people who work on tickets")
    tabs = visible_tabs(viewer)
    if query.tab not in tabs:
        raise Forbidden(f"user {viewer.id} may not list every open task")
    return tabs


def _check_names(uow: UnitOfWork, query: InboxQuery, viewer: Principal) -> None:
    if query.process and uow.session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.key == query.process).limit(1)) is None:
        raise BadCriterion("process", query.process)
    if query.group and query.group not in _group_ids(uow):
        raise BadCriterion("group", query.group)


def _group_ids(uow: UnitOfWork) -> list[str]:
    return list(uow.session.scalars(select(Group.id).order_by(Group.id)))


@dataclass(frozen=True)
class FilterChoices:
    """What the filter fields offer: processes as (key, name of the latest version), and group ids."""

    processes: list[tuple[str, str]]
    groups: list[str]


def filter_choices(uow: UnitOfWork, viewer: Principal, tab: str) -> FilterChoices:
    """The processes deployed, and the groups to filter by: the viewer's own on *my groups*, else every one."""
    with uow:
        latest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
                  .group_by(ProcessDefinition.key).subquery())
        rows = uow.session.execute(select(ProcessDefinition.key, ProcessDefinition.name).join(
            latest, (latest.c.key == ProcessDefinition.key) & (latest.c.version == ProcessDefinition.version))
            .order_by(ProcessDefinition.key))
        groups = sorted(viewer.groups - REQUESTER_GROUPS) if tab == "groups" else _group_ids(uow)
        return FilterChoices([(row.key, row.name) for row in rows], groups)


# ------------------------------------------------------------------ the lists


def _conditions(query: InboxQuery, task=HumanTask) -> list:
    """The query's filters as SQL on the task (``task``, or the candidate row with the task joined)."""
    clauses: list = []
    if query.priority:
        low, high = PRIORITY_RANGES[query.priority]
        clauses += [task.priority >= low] if low is not None else []
        clauses += [task.priority <= high] if high is not None else []
    if query.process:
        clauses.append(HumanTask.definition_id.in_(
            select(ProcessDefinition.id).where(ProcessDefinition.key == query.process)))
    if query.category:
        clauses.append(HumanTask.category == query.category)
    if query.group and query.tab != "groups":  # on "my groups" the group picks the queue read instead
        clauses.append(cast(HumanTask.candidate_groups, String).like(f'%"{_escaped(query.group)}"%', escape="\\"))
    if query.text:
        clauses.append(_text_condition(query.text, task))
    return clauses


def _text_condition(text: str, task) -> Any:
    """Tasks found by the words of ``text``; a search without words (only punctuation) finds none."""
    words = inbox_search.query_words(text)
    if not words:
        return false()
    return (task.task_id if task is TaskCandidate else task.id).in_(inbox_search.matching_tasks(words))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _joined(stmt: Select, query: InboxQuery) -> Select:
    """Join the task to a candidate row when a filter reads the task's own columns."""
    return stmt.join(HumanTask, HumanTask.id == TaskCandidate.task_id) if query.process or query.category else stmt


def _task_list(query: InboxQuery, viewer: Principal, columns, by_match: bool = False) -> Select:
    """*mine* and *all*: open tasks (assigned to the viewer, or every one) with the query's filters.

    ``by_match`` reads the tasks a text search found by their ids and sorts them, instead of walking every
    open task in inbox order and asking each whether it was found: SQLite cannot tell how many a search
    finds and would walk the order index (``status = 'open'``) even for 100 matches, so the status is
    compared as an expression no index serves."""
    status = HumanTask.status.concat("") if by_match else HumanTask.status
    stmt = select(*columns).select_from(HumanTask).where(status == "open", *_conditions(query))
    return stmt.where(HumanTask.assignee == viewer.id) if query.tab == "mine" else stmt


def _queue_groups(query: InboxQuery, viewer: Principal) -> list[str]:
    """The groups whose queues *my groups* reads; a group filter naming another group reads none."""
    if query.group:
        return [query.group] if query.group in viewer.groups else []
    return sorted(viewer.groups)


def _group_queue(query: InboxQuery, columns, *where) -> Select:
    return _joined(select(*columns).select_from(TaskCandidate), query).where(
        TaskCandidate.kind == "group", *where, *_conditions(query, TaskCandidate))


def _named_queue(query: InboxQuery, viewer: Principal, columns) -> Select:
    """Tasks offered to the viewer by name that nobody has claimed (their user row stays while claimed)."""
    return (select(*columns).select_from(TaskCandidate).join(HumanTask, HumanTask.id == TaskCandidate.task_id)
            .where(TaskCandidate.kind == "user", TaskCandidate.name == viewer.id,
                   # "unassigned" in a form no index serves: read from the viewer's few rows, not from every
                   # unassigned task
                   func.coalesce(HumanTask.assignee, "") == "",
                   *_conditions(query, TaskCandidate)))


def _offered_by_name(uow: UnitOfWork, viewer: Principal) -> bool:
    """Whether any open task names the viewer as a candidate user without being theirs.

    The viewer's user rows are those of their own tasks plus those naming them: when there are no more
    rows than own tasks (two index counts), the named queue is empty and is not read row by row."""
    rows = uow.session.scalar(select(func.count()).select_from(TaskCandidate).where(
        TaskCandidate.kind == "user", TaskCandidate.name == viewer.id)) or 0
    own = uow.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.assignee == viewer.id, HumanTask.status == "open")) or 0
    return rows > own


def _queues(query: InboxQuery, viewer: Principal, named: bool, columns) -> list[Select]:
    """*my groups*: one select per queue the viewer draws from, each a range of the candidate index.

    Group rows exist only while a task is unassigned, so a claimed task leaves the group queues."""
    selects = [_group_queue(query, columns, TaskCandidate.name == group) for group in _queue_groups(query, viewer)]
    return selects + [_named_queue(query, viewer, columns)] if named and not query.group else selects


def _order(row) -> list:
    return [row.priority.desc(), row.inbox_due_at, row.created_at, row.task_id if row is TaskCandidate else row.id]


_QUEUE_COLUMNS = (TaskCandidate.task_id, TaskCandidate.priority, TaskCandidate.inbox_due_at, TaskCandidate.created_at)


def _page_ids(uow: UnitOfWork, query: InboxQuery, viewer: Principal, named: bool, first: int,
              limit: int, total: int) -> list[str]:
    if query.tab != "groups":
        by_match = bool(query.text) and total <= FEW_MATCHES  # sorting a few found beats walking them all
        stmt = _task_list(query, viewer, (HumanTask.id,), by_match).order_by(*_order(HumanTask))
        return list(uow.session.scalars(stmt.offset(first).limit(limit)))
    # each queue's first ``first + limit`` rows hold every task of the merged page (see module docstring)
    lists = [uow.session.execute(stmt.order_by(*_order(TaskCandidate)).limit(first + limit)).all()
             for stmt in _queues(query, viewer, named, _QUEUE_COLUMNS)]
    merged = heapq.merge(*lists, key=lambda r: (-r.priority, r.inbox_due_at, r.created_at, r.task_id))
    ids = list(dict.fromkeys(row.task_id for row in merged))  # a task offered to two of my groups once
    return ids[first:first + limit]


def _count(uow: UnitOfWork, query: InboxQuery, viewer: Principal, named: bool) -> int:
    if query.tab != "groups":
        # COUNT(*), not COUNT(id): SQLite can then count the narrow status index instead of a wide covering
        # one that carries the id (6 ms against 17–27 ms for 100,000 open tasks)
        return uow.session.scalar(_task_list(query, viewer, (func.count(),), bool(query.text))) or 0
    return _queues_count(uow, query, viewer, named)


def _queues_count(uow: UnitOfWork, query: InboxQuery, viewer: Principal, named: bool) -> int:
    """Distinct tasks in the viewer's queues without a DISTINCT over all of them (a sort of 100,000 rows).

    The queues' counts (index ranges) are added up; a task offered to several of the viewer's groups is
    then taken off once for each extra group (``group_count`` > 1 picks these few rows out by index); a task
    offered by name is added only if no group of the viewer's offers it too."""
    groups = _queue_groups(query, viewer)
    count = lambda stmt: uow.session.scalar(stmt) or 0  # noqa: E731
    total = sum(count(_group_queue(query, (func.count(),), TaskCandidate.name == group)) for group in groups)
    if len(groups) > 1:
        shared = _group_queue(query, (func.count(), func.count(TaskCandidate.task_id.distinct())),
                              TaskCandidate.group_count > 1, TaskCandidate.name.in_(groups))
        rows, tasks = uow.session.execute(shared).one()
        total -= rows - tasks
    if named and not query.group:
        other = TaskCandidate.__table__.alias("other")
        in_my_groups = select(other.c.task_id).where(other.c.task_id == TaskCandidate.task_id, other.c.kind == "group",
                                                     other.c.name.in_(groups)).exists()
        total += count(_named_queue(query, viewer, (func.count(),)).where(~in_my_groups))
    return total


def _rows(uow: UnitOfWork, ids: list[str]) -> list[InboxRow]:
    """The rows of one page, in the page's order: the tasks with their ticket facts and assignees' names."""
    if not ids:
        return []
    found = {r.id: r for r in uow.session.execute(
        select(HumanTask.id, HumanTask.name, HumanTask.item, HumanTask.instance_id, HumanTask.priority, HumanTask.assignee,
               HumanTask.created_at, HumanTask.due_at, InboxTicket.business_key, InboxTicket.requester,
               InboxTicket.symptom, InboxTicket.category, InboxTicket.vip, InboxTicket.response_due_at,
               InboxTicket.response_set_at, InboxTicket.sla_clock, InboxTicket.sla_state, InboxTicket.sla_due_at,
               InboxTicket.sla_started_at, InboxTicket.case_kind, InboxTicket.case_subject, InboxTicket.case_detail)
        .outerjoin(InboxTicket, InboxTicket.instance_id == HumanTask.instance_id).where(HumanTask.id.in_(ids)))}
    assignees = {r.assignee for r in found.values() if r.assignee}
    names = {user.id: user.display_name for user in uow.session.execute(
        select(User.id, User.display_name).where(User.id.in_(assignees)))} if assignees else {}
    return [_row(found[task_id], names) for task_id in ids if task_id in found]


def _row(r, names: dict[str, str]) -> InboxRow:
    return InboxRow(task_id=r.id, task_name=r.name, item=r.item, instance_id=r.instance_id,
                    ticket=r.business_key or r.instance_id[:8], requester=r.requester, symptom=r.symptom,
                    vip=bool(r.vip), priority=r.priority, priority_word=priority_word(r.priority),
                    category=r.category, assignee=r.assignee, assignee_name=names.get(r.assignee, r.assignee),
                    created_at=r.created_at, due_at=r.due_at,
                    response_due_at=r.response_due_at if r.response_due_at and r.created_at <= r.response_due_at
                    else None, response_set_at=r.response_set_at, sla_clock=r.sla_clock, sla_state=r.sla_state,
                    sla_due_at=r.sla_due_at, sla_started_at=r.sla_started_at, case_kind=r.case_kind,
                    case_subject=r.case_subject, case_detail=r.case_detail)


def priority_word(priority: int) -> Optional[str]:
    """urgent / important / normal, as Flow 1 names the priorities its decision table gives."""
    for word, (low, high) in PRIORITY_RANGES.items():
        if (low is None or priority >= low) and (high is None or priority <= high):
            return word
    return None
