"""Rows rendered the way Camunda 7 REST clients expect them (camelCase, its date format)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from app.errors import ModelError
from app.models import ActivityInstance, DecisionDefinition, Deployment, HumanTask, Incident, ProcessDefinition, ProcessInstance
from app.services import starters


def camunda_date(value: Optional[datetime]) -> Optional[str]:
    """Camunda's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``, e.g. ``2026-11-24T08:00:00.000+0000``."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}" + value.strftime("%z")


def definition(row: ProcessDefinition) -> dict[str, Any]:
    return {"id": row.id, "key": row.key, "category": "http://bpmn.io/schema/bpmn", "description": None,
            "name": row.name, "version": row.version, "resource": row.resource_name,
            "deploymentId": row.deployment_id, "diagram": None, "suspended": row.suspended, "tenantId": None,
            "versionTag": None, "historyTimeToLive": None,
            "startableInTasklist": starters.startable_directly(row)}


def deployment(row: Deployment, definitions: list[ProcessDefinition] | None = None,
               decisions: list[DecisionDefinition] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": row.id, "name": row.name, "source": row.source,
                            "deploymentTime": camunda_date(row.deployed_at), "tenantId": None, "links": []}
    if definitions is not None:
        body["deployedProcessDefinitions"] = {d.id: definition(d) for d in definitions} or None
        body["deployedCaseDefinitions"] = None
        body["deployedDecisionDefinitions"] = {d.id: decision(d) for d in decisions or []} or None
        body["deployedDecisionRequirementsDefinitions"] = None
    return body


def model_problem(problem: ModelError) -> dict[str, Any]:
    """A refusal or warning about a deployed model, where the owner finds it in the modeler."""
    return {"message": problem.message, "elementId": problem.element_id, "line": problem.line,
            "resource": problem.resource}


def instance(row: ProcessInstance) -> dict[str, Any]:
    return {"id": row.id, "definitionId": row.definition_id, "businessKey": row.business_key,
            "caseInstanceId": None, "ended": row.status != "ACTIVE", "suspended": row.suspended, "tenantId": None,
            "links": []}


def history_instance(row: ProcessInstance) -> dict[str, Any]:
    duration = None
    if row.ended_at is not None:
        duration = int((row.ended_at - row.started_at).total_seconds() * 1000)
    return {"id": row.id, "businessKey": row.business_key, "processDefinitionId": row.definition_id,
            "processDefinitionKey": row.definition_key, "processDefinitionName": None,
            "processDefinitionVersion": int(row.definition_id.split(":")[1]),
            "startTime": camunda_date(row.started_at), "endTime": camunda_date(row.ended_at),
            "durationInMillis": duration, "startUserId": row.started_by, "startActivityId": None,
            "deleteReason": row.delete_reason, "superProcessInstanceId": None, "tenantId": None,
            "state": "SUSPENDED" if row.suspended and row.status == "ACTIVE" else row.status}


def task(row: HumanTask) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "assignee": row.assignee, "owner": row.owner,
            "created": camunda_date(row.created_at), "due": camunda_date(row.due_at), "followUp": None,
            "delegationState": row.delegation_state, "description": None, "executionId": row.instance_id,
            "parentTaskId": None, "priority": row.priority, "processDefinitionId": row.definition_id,
            "processInstanceId": row.instance_id, "taskDefinitionKey": row.activity_id, "caseExecutionId": None,
            "caseInstanceId": None, "caseDefinitionId": None, "suspended": row.suspended, "formKey": row.form_key,
            "camundaFormRef": None, "tenantId": None,
            "candidateGroups": row.candidate_groups, "candidateUsers": row.candidate_users}


def activity(row: ActivityInstance, instance_row: Optional[ProcessInstance] = None) -> dict[str, Any]:
    duration = None
    if row.ended_at is not None:
        duration = int((row.ended_at - row.started_at).total_seconds() * 1000)
    return {"id": row.id, "parentActivityInstanceId": row.instance_id, "activityId": row.activity_id,
            "activityName": row.activity_name, "activityType": row.activity_type,
            "processDefinitionKey": row.definition_id.split(":")[0], "processDefinitionId": row.definition_id,
            "processInstanceId": row.instance_id, "executionId": row.instance_id,
            "taskId": row.id if row.activity_type == "userTask" else None, "assignee": row.assignee,
            "calledProcessInstanceId": None, "startTime": camunda_date(row.started_at),
            "endTime": camunda_date(row.ended_at), "durationInMillis": duration, "canceled": row.canceled,
            "completeScope": row.activity_type.endswith("EndEvent") or row.activity_type == "endEvent",
            "tenantId": None}


def incident(row: Incident) -> dict[str, Any]:
    return {"id": row.id, "processDefinitionId": row.definition_id, "processInstanceId": row.instance_id,
            "executionId": row.instance_id, "incidentTimestamp": camunda_date(row.created_at),
            "incidentType": row.incident_type, "activityId": row.activity_id, "failedActivityId": row.activity_id,
            "causeIncidentId": row.id, "rootCauseIncidentId": row.id, "configuration": row.task_id,
            "incidentMessage": row.message, "tenantId": None, "jobDefinitionId": None, "annotation": row.annotation,
            "attempts": row.attempts, "resolved": row.status != "open"}


def decision(row: DecisionDefinition) -> dict[str, Any]:
    return {"id": row.id, "key": row.key, "category": "http://camunda.org/schema/1.0/dmn", "name": row.name,
            "version": row.version, "resource": row.resource_name, "deploymentId": row.deployment_id,
            "decisionRequirementsDefinitionId": None, "decisionRequirementsDefinitionKey": None,
            "tenantId": None, "versionTag": None, "historyTimeToLive": None}
