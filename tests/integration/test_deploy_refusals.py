"""Every model the engine cannot run is refused through the real endpoint: a 400 naming element and line, never a 500."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import app.domain  # noqa: F401  (domain tables are part of the schema)
from app.domain.knowledge import SEARCH_INDEX_OBJECTS
from app.models import INBOX_SEARCH_OBJECTS, Base
from app.store import database
from tests.helpers import DATA, deploy

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)

REFUSED = sorted((DATA / "models").glob("refuse_*"))


@pytest.mark.parametrize("model", REFUSED, ids=[p.stem for p in REFUSED])
def test_refused_over_rest_with_element_and_line(api, model):
    response = deploy(api, model)
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["type"] == "ParseException"
    problems = body["details"]["problems"]
    assert problems and all(p["resource"] == model.name for p in problems)
    assert all(p["line"] for p in problems), problems
    if "malformed" not in model.stem and "billion" not in model.stem and "xxe" not in model.stem:
        assert all(p["elementId"] for p in problems), problems
    before = api.get("/deployment").get_json()
    assert deploy(api, model).status_code == 400 and api.get("/deployment").get_json() == before  # nothing stored


#: indexes with ``priority DESC``, which SQLite reflects as an expression autogenerate cannot compare
DESCENDING_INDEXES = ("ix_candidate_inbox", "ix_candidate_inbox_due", "ix_task_category", "ix_task_inbox", "ix_task_mine")


def test_migrations_build_exactly_the_models_schema(app, backend):
    """Alembic's head and the ORM models agree on the real database (SQLite and PostgreSQL).

    SQLite reflects the inbox indexes' ``priority DESC`` as a plain expression that
    autogenerate cannot compare, so there its definition is checked directly.
    """
    def compared(obj, name, type_, reflected, compare_to) -> bool:
        if name in SEARCH_INDEX_OBJECTS | INBOX_SEARCH_OBJECTS:  # search indexes: built by migrations 0018, 0034 alone
            return False
        return not (backend == "sqlite" and type_ == "index" and name in DESCENDING_INDEXES)

    with database(app).write_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": compared})
        assert compare_metadata(context, Base.metadata) == []
        if backend == "sqlite":
            for name in DESCENDING_INDEXES:
                ddl = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).scalar()
                assert "priority DESC" in ddl and ddl.endswith("id)"), ddl
