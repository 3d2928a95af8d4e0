"""Jobs the Camunda way: waiting timers, timer start events and failed handler calls, listed, read, retried,
moved and run now."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from flask import Response, jsonify

from app.api import bp, current_user, json_body, queries, shapes
from app.api.body import texts
from app.errors import InvalidInput
from app.services import jobs
from app.services.criteria import DATE, FLAG, TEXT, TEXTS
from app.store import new_uow
from app.values import parse_date

FILTERS = {"jobId": ("job_id", TEXT), "jobIds": ("job_ids", TEXTS), "processInstanceId": ("instance_id", TEXT),
           "processInstanceIds": ("instance_ids", TEXTS), "processDefinitionId": ("definition_id", TEXT),
           "processDefinitionKey": ("definition_key", TEXT), "activityId": ("activity_id", TEXT), "timers": FLAG,
           "messages": FLAG, "withException": ("with_exception", FLAG), "noRetriesLeft": ("no_retries_left", FLAG),
           "withRetriesLeft": ("with_retries_left", FLAG), "executable": FLAG,
           "dueDateBefore": ("due_before", DATE), "dueDateAfter": ("due_after", DATE)}
_SORT = ("jobId", "processInstanceId", "executionId", "processDefinitionId", "processDefinitionKey", "jobRetries",
         "jobDueDate", "jobPriority")


def job_query(body: Optional[dict[str, Any]] = None, also_allowed: Iterable[str] = ()) -> jobs.JobQuery:
    """The filters from query parameters (``body`` None) or from a JSON body (POST /job, jobQuery).

    ``jobId`` and ``processInstanceId`` join the ids of ``jobIds`` and ``processInstanceIds``."""
    if body is None:
        filters = queries.from_args(FILTERS, also_allowed)
    else:
        filters = queries.from_body(FILTERS, body, {"sorting"})
    for one, many in (("job_id", "job_ids"), ("instance_id", "instance_ids")):
        if one in filters:
            filters[many] = [filters.pop(one), *filters.get(many, [])]
    return jobs.JobQuery(**filters)


def _sorted_and_paged(query: jobs.JobQuery, sorting: queries.Sorting) -> jobs.JobQuery:
    query.sort_by, query.descending = queries.one_sort(sorting)
    page = queries.paging()
    query.first, query.limit = page.first, page.limit
    return query


def job(row: jobs.Job) -> dict[str, Any]:
    return {"id": row.id, "jobDefinitionId": None, "processInstanceId": row.instance_id,
            "executionId": row.instance_id, "processDefinitionId": row.definition_id,
            "processDefinitionKey": row.definition_key, "exceptionMessage": row.message,
            "failedActivityId": row.activity_id if row.message is not None else None, "retries": row.retries,
            "dueDate": shapes.camunda_date(row.due_at), "suspended": row.suspended, "priority": 0, "tenantId": None,
            "createTime": shapes.camunda_date(row.created_at), "batchId": None}


@bp.get("/job")
def list_jobs():
    filters = _sorted_and_paged(job_query(also_allowed=queries.LIST_ARGS), queries.args_sorting(_SORT))
    return jsonify([job(r) for r in jobs.list_jobs(new_uow(write=False), current_user(), filters)])


@bp.post("/job")
def query_jobs():
    queries.check_args(queries.PAGING_ARGS)
    body = json_body()
    filters = _sorted_and_paged(job_query(body), queries.body_sorting(body.get("sorting"), _SORT))
    return jsonify([job(r) for r in jobs.list_jobs(new_uow(write=False), current_user(), filters)])


@bp.get("/job/count")
def count_jobs():
    return jsonify({"count": jobs.count_jobs(new_uow(write=False), current_user(), job_query())})


@bp.post("/job/count")
def query_jobs_count():
    """The count takes the list's body; its sorting is checked and does not matter."""
    queries.check_args()
    body = json_body()
    filters = job_query(body)
    queries.one_sort(queries.body_sorting(body.get("sorting"), _SORT))
    return jsonify({"count": jobs.count_jobs(new_uow(write=False), current_user(), filters)})


@bp.get("/job/<job_id>")
def get_job(job_id: str):
    queries.check_args()
    return jsonify(job(jobs.get_job(new_uow(write=False), current_user(), job_id)))


@bp.get("/job/<job_id>/stacktrace")
def job_stacktrace(job_id: str):
    queries.check_args()
    return Response(jobs.stacktrace(new_uow(write=False), current_user(), job_id), mimetype="text/plain")


@bp.post("/job/retries")
def set_jobs_retries():
    """Camunda creates a batch; here the retries are set (and failed calls run) within the request."""
    queries.check_args()
    body = json_body()
    unknown = sorted(set(body) - {"jobIds", "jobQuery", "retries"})
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    retries = body.get("retries")
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise InvalidInput("retries must be a non-negative integer")
    ids = list(texts(body, "jobIds"))
    if body.get("jobQuery") is not None:
        if not isinstance(body["jobQuery"], dict):
            raise InvalidInput("jobQuery must be an object")
        ids += [j.id for j in jobs.list_jobs(new_uow(write=False), current_user(), job_query(body["jobQuery"]))]
    total = jobs.set_retries(new_uow, current_user(), ids, retries)
    return jsonify({"id": None, "type": "set-job-retries", "totalJobs": total, "jobsCreated": total,
                    "batchJobsPerSeed": 1, "invocationsPerBatchJob": 1, "seedJobDefinitionId": None,
                    "monitorJobDefinitionId": None, "batchJobDefinitionId": None, "suspended": False,
                    "tenantId": None, "createUserId": current_user().id})


@bp.put("/job/<job_id>/duedate")
def set_job_due_date(job_id: str):
    queries.check_args()
    body = json_body()
    unknown = sorted(set(body) - {"duedate", "cascade"})
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    if not isinstance(body.get("duedate"), str):
        raise InvalidInput("duedate must be a date like 2026-11-24T10:00:00.000+0000")
    if body.get("cascade") is not None and not isinstance(body["cascade"], bool):
        raise InvalidInput("cascade must be true or false")
    try:
        due = parse_date(body["duedate"])
    except ValueError as exc:
        raise InvalidInput(f"duedate: {exc}") from None
    jobs.set_due_date(new_uow(), current_user(), job_id, due)
    return "", 204


@bp.post("/job/<job_id>/execute")
def execute_job(job_id: str):
    queries.check_args()
    jobs.execute(new_uow, current_user(), job_id)
    return "", 204
