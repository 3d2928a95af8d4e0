"""Fixtures shared by the API integration tests."""
from __future__ import annotations

import pytest

from tests.helpers import DATA, deploy, register_handler, unregister_handler


@pytest.fixture
def review_model(api):
    """The small review process with its .form deployed, and its ``test_record`` handler registered."""
    register_handler("test_record", lambda ctx: {"recorded": True})
    assert deploy(api, DATA / "api" / "review.bpmn", DATA / "api" / "review.form").status_code == 200
    yield
    unregister_handler("test_record")
