"""The engine wrapper: the only package of ``app`` that imports SpiffWorkflow.

It parses deployed models into specs, runs workflows one step at a time and
turns their state into plain data for the service layer. What differs from
stock SpiffWorkflow on purpose:

* scripts, conditions, timers and DMN entries run in :mod:`app.sandbox`;
* service tasks do not run inside the engine loop: they stop as *pending
  handler calls* so that the service layer can call ``handlers/`` and turn an
  exception into an incident instead of losing the step;
* an element that fails (no gateway condition holds, a script raises, a timer
  value is no date) is parked with an incident and retried later (``failures``);
* the serialized state carries no process spec. Specs are parsed once per
  definition version (and cached), so an instance blob holds only its own
  tasks and data.

Callers use the names re-exported here; the modules are split by noun.
"""
from app.engine.base import SCRIPT_ENGINE
from app.engine.running import (ActiveTask, ActivityChange, PendingHandler, active_tasks, add_duration, advance,
                                changed_activities, complete_user_task, finish_handler, is_completed,
                                is_pending_handler, mark_handler_failed, multi_instance_item, pending_handlers, set_variables,
                                task_data, variables)
from app.engine.failures import Failure, blocked_task_ids, failures, retry  # after running: it imports this one
from app.engine.parser import ProcessSpec, parse_process
from app.engine.state import dump_state, full_serialization, load_state, new_workflow, restore_full
from app.engine.events import (WaitingEvent, cancel, deliver_event, fire_timer, move_timer, set_user_task_data,
                               start_by_event, start_by_timer, start_events, throw_task_error, waiting_events)
from app.engine.decisions import evaluate_decision
from app.engine.migration import ActiveElement, active_elements, element_types, migrate

__all__ = ["SCRIPT_ENGINE", "ActiveElement", "ActiveTask", "ActivityChange", "Failure", "PendingHandler", "ProcessSpec", "WaitingEvent",
           "active_elements", "active_tasks", "add_duration", "advance", "blocked_task_ids", "cancel", "changed_activities",
           "complete_user_task", "deliver_event", "dump_state", "element_types", "evaluate_decision", "failures", "finish_handler",
           "fire_timer", "full_serialization", "is_completed", "is_pending_handler", "load_state",
           "mark_handler_failed", "migrate", "multi_instance_item", "move_timer", "new_workflow", "parse_process", "pending_handlers",
           "restore_full", "retry", "set_user_task_data", "set_variables", "start_by_event", "start_by_timer",
           "start_events", "task_data", "throw_task_error", "variables", "waiting_events"]
