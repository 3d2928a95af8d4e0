"""Forms: Camunda Forms (form-js JSON) and ``camunda:formField`` read into one spec and checked on the server.

``spec`` is the shape, ``parse`` reads definitions into it, ``rules`` checks submissions against it and
``feel`` evaluates the small FEEL subset form-js hide conditions use. Callers import from here.
"""
from app.forms.parse import form_from_form_fields, parse_camunda_form
from app.forms.rules import EMAIL_PATTERN, PHONE_PATTERN, validate_submission
from app.forms.spec import FormField, FormSpec

__all__ = ["EMAIL_PATTERN", "PHONE_PATTERN", "FormField", "FormSpec", "form_from_form_fields",
           "parse_camunda_form", "validate_submission"]
