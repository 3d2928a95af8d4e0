"""Small helpers shared by integration tests: deploying files and registering test handlers."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable, Optional

import handlers
from handlers import HandlerContext

DATA = Path(__file__).resolve().parent / "data"


def deploy(api, *files: Path | tuple[str, bytes], user: str = "owner", name: str = "test deployment"):
    """POST the files to /deployment/create as Camunda Modeler does (multipart)."""
    data: dict = {"deployment-name": name, "deploy-changed-only": "true"}
    for index, item in enumerate(files):
        file_name, content = (item.name, item.read_bytes()) if isinstance(item, Path) else item
        data[f"data{index}"] = (io.BytesIO(content), file_name)
    return api.post("/deployment/create", user=user, data=data, content_type="multipart/form-data")


def register_handler(name: str, fn: Callable[[HandlerContext], Optional[dict]]) -> None:
    """Register (or replace) a handler used only by test models."""
    handlers.load_all()
    handlers.HANDLERS[name] = fn


def unregister_handler(name: str) -> None:
    handlers.HANDLERS.pop(name, None)


def one_task_process(key: str, task_id: str = "work", name: str = "Work", group: str = "service_desk",
                     priority: Optional[int] = None, due: Optional[str] = None) -> tuple[str, bytes]:
    """A deployable ``(file name, BPMN)`` of process ``key``: start → one user task → end."""
    extra = (f' camunda:priority="{priority}"' if priority is not None else "") + \
        (f' camunda:dueDate="{due}"' if due else "")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_{key}"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="{key}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="{task_id}" name="{name}" camunda:candidateGroups="{group}"{extra}>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{task_id}" />
    <bpmn:sequenceFlow id="f2" sourceRef="{task_id}" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
    return f"{key}.bpmn", xml.encode()
