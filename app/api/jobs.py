"""Jobs the Camunda way: waiting timers and failed handler calls, listed, read, retried, moved and run now."""
from __future__ import annotations

from typing import Any, Optional

from flask import Response, jsonify

from app.api import bp, current_user, json_body, query, shapes
from app.errors import InvalidInput
from app.services import jobs
from app.store import new_uow
from app.values import parse_date

_TEXT = {"jobId": "job_id", "processInstanceId": "instance_id", "processDefinitionId": "definition_id",
         "processDefinitionKey": "definition_key", "activityId": "activity_id"}
_LISTS = {"jobIds": "job_ids", "processInstanceIds": "instance_ids"}
_FLAGS = {"timers": "timers", "messages": "messages", "withException": "with_exception",
          "noRetriesLeft": "no_retries_left", "withRetriesLeft": "with_retries_left", "executable": "executable"}
_DATES = {"dueDateBefore": "due_before", "dueDateAfter": "due_after"}
_SORT = ("jobId", "processInstanceId", "executionId", "processDefinitionId", "processDefinitionKey", "jobRetries",
         "jobDueDate", "jobPriority")
FILTERS = (*_TEXT, *_LISTS, *_FLAGS, *_DATES)


def job_query(body: Optional[dict[str, Any]] = None) -> jobs.JobQuery:
    """The filters from query parameters (``body`` None) or from a JSON body (POST /job, jobQuery)."""
    if body is not None:
        unknown = sorted(set(body) - set(FILTERS) - {"sorting"})
        if unknown:
            raise InvalidInput(f"unsupported job query properties: {', '.join(unknown)}")
    result = jobs.JobQuery()
    for name, field in _TEXT.items():
        value = query.text(name, body)
        if field == "job_id":
            result.job_ids += [value] if value else []
        elif field == "instance_id":
            result.instance_ids += [value] if value else []
        else:
            setattr(result, field, value)
    for name, field in _LISTS.items():
        getattr(result, field).extend(query.text_list(name, body))
    for name, field in _FLAGS.items():
        setattr(result, field, query.flag(name, body))
    for name, field in _DATES.items():
        raw = query.text(name, body)
        if raw is not None:
            try:
                setattr(result, field, parse_date(raw))
            except ValueError as exc:
                raise InvalidInput(f"{name}: {exc}") from None
    return result


def _body_sorting(result: jobs.JobQuery, sorting: Any) -> None:
    if sorting is None:
        return
    if not isinstance(sorting, list) or len(sorting) > 1 or not all(isinstance(s, dict) for s in sorting):
        raise InvalidInput("sorting must be a list of one {sortBy, sortOrder}")
    for item in sorting:
        if item.get("sortBy") not in _SORT or item.get("sortOrder") not in ("asc", "desc"):
            raise InvalidInput(f"sorting needs sortBy (one of {', '.join(_SORT)}) and sortOrder asc or desc")
        result.sort_by, result.descending = item["sortBy"], item["sortOrder"] == "desc"


def job(row: jobs.Job) -> dict[str, Any]:
    return {"id": row.id, "jobDefinitionId": None, "processInstanceId": row.instance_id,
            "executionId": row.instance_id, "processDefinitionId": row.definition_id,
            "processDefinitionKey": row.definition_key, "exceptionMessage": row.message,
            "failedActivityId": row.activity_id if row.kind == "failed" else None, "retries": row.retries,
            "dueDate": shapes.camunda_date(row.due_at), "suspended": False, "priority": 0, "tenantId": None,
            "createTime": shapes.camunda_date(row.created_at), "batchId": None}


@bp.get("/job")
def list_jobs():
    query.only(*FILTERS, "sortBy", "sortOrder", *query.PAGING)
    filters = job_query()
    filters.sort_by, filters.descending = query.sorting(_SORT)
    filters.first, filters.limit = query.paging()
    return jsonify([job(r) for r in jobs.list_jobs(new_uow(write=False), current_user(), filters)])


@bp.post("/job")
def query_jobs():
    query.only(*query.PAGING)
    body = json_body()
    filters = job_query(body)
    _body_sorting(filters, body.get("sorting"))
    filters.first, filters.limit = query.paging()
    return jsonify([job(r) for r in jobs.list_jobs(new_uow(write=False), current_user(), filters)])


@bp.get("/job/count")
def count_jobs():
    query.only(*FILTERS)
    return jsonify({"count": jobs.count_jobs(new_uow(write=False), current_user(), job_query())})


@bp.post("/job/count")
def query_jobs_count():
    query.only()
    body = json_body()
    filters = job_query(body)
    _body_sorting(filters, body.get("sorting"))
    return jsonify({"count": jobs.count_jobs(new_uow(write=False), current_user(), filters)})


@bp.get("/job/<job_id>")
def get_job(job_id: str):
    query.only()
    return jsonify(job(jobs.get_job(new_uow(write=False), current_user(), job_id)))


@bp.get("/job/<job_id>/stacktrace")
def job_stacktrace(job_id: str):
    query.only()
    return Response(jobs.stacktrace(new_uow(write=False), current_user(), job_id), mimetype="text/plain")


@bp.post("/job/retries")
def set_jobs_retries():
    """Camunda creates a batch; here the retries are set (and failed calls run) within the request."""
    query.only()
    body = json_body()
    unknown = sorted(set(body) - {"jobIds", "jobQuery", "retries"})
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    retries = body.get("retries")
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise InvalidInput("retries must be a non-negative integer")
    ids = list(query.text_list("jobIds", body))
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
    query.only()
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
    query.only()
    jobs.execute(new_uow, current_user(), job_id)
    return "", 204
