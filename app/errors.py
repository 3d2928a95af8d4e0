"""Domain errors: what the service layer raises and the web layers map to HTTP."""
from __future__ import annotations

from typing import Optional


class DomainError(Exception):
    """Base of every error a caller can act on; ``status`` is the HTTP code it maps to."""

    status = 400
    kind = "InvalidRequestException"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ModelError(DomainError):
    """A model (BPMN, DMN or form) was refused; names the element and line when known."""

    kind = "ParseException"

    def __init__(self, message: str, element_id: Optional[str] = None, line: Optional[int] = None,
                 resource: Optional[str] = None):
        where = ", ".join(part for part in (
            f"resource {resource}" if resource else "",
            f"element '{element_id}'" if element_id else "",
            f"line {line}" if line else "",
        ) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.detail = message  # the reason alone, for lists that show the element and line apart
        self.element_id = element_id
        self.line = line
        self.resource = resource


class DeploymentError(DomainError):
    """A deployment as a whole was refused; carries every model problem found."""

    kind = "ParseException"

    def __init__(self, problems: list[ModelError]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class ScriptError(DomainError):
    """An expression or script failed while an instance ran."""

    kind = "ProcessEngineException"
    status = 500

    def __init__(self, message: str, element_id: Optional[str] = None):
        super().__init__(f"element '{element_id}': {message}" if element_id else message)
        self.element_id = element_id


class NotFound(DomainError):
    status = 404
    kind = "InvalidRequestException"


class Forbidden(DomainError):
    status = 403
    kind = "AuthorizationException"


class ExcludedFromTask(Forbidden):
    """The model names this person as one who must not do the task (four eyes: an author reviewing their own
    article), so a page can say so rather than "not offered to you"."""


class Unauthorized(DomainError):
    status = 401
    kind = "AuthenticationException"


class Conflict(DomainError):
    """Someone else changed the instance first (optimistic locking); reload and retry."""

    status = 409
    kind = "OptimisticLockingException"


class InvalidInput(DomainError):
    """Bad variables or form values; nothing was stored."""

    status = 400
    kind = "InvalidRequestException"


class FieldErrors(InvalidInput):
    """Form values that break their fields' rules; nothing was stored. ``fields`` maps each bad field's key
    to what is wrong as an English template and its parameters, so that a page can show each message
    beside its field in the reader's language; ``message`` (what the REST API returns) names them all."""

    def __init__(self, message: str, fields: dict[str, tuple[str, dict]]):
        super().__init__(message)
        self.fields = fields


class InUse(DomainError):
    """A deletion would take away what instances or other models still use; nothing was deleted."""

    status = 409
    kind = "ProcessEngineException"


class SuspendedEntity(DomainError):
    """The instance or definition is suspended: nothing may change it until it is activated."""

    status = 400
    kind = "SuspendedEntityInteractionException"


class MismatchingMessageCorrelation(DomainError):
    """A message matched no waiting event or start event, or several where one was asked for."""

    status = 400
    kind = "MismatchingMessageCorrelationException"
