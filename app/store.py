"""Binds one database to the Flask app and prepares it: schema, groups, shipped processes, demo users."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from flask import Flask, current_app

from app.db import Database, UnitOfWork, connect


def init_app(app: Flask) -> None:
    db = connect(app.config["DATABASE_URL"])
    app.extensions["servicedesk_db"] = db
    if app.config.get("AUTO_MIGRATE", True):
        migrate(db)
    from app.services import users
    users.ensure_groups(UnitOfWork(db))
    if app.config.get("DEMO"):
        users.seed_demo(lambda: UnitOfWork(db), app.config.get("DEMO_PASSWORD", "demo"))
    if app.config.get("DEPLOY_ON_START"):
        with app.app_context():  # a timer start event's schedule reads the app's time zone
            deploy_directories(db, app.config["PROCESS_DIRS"])


def migrate(db: Database) -> None:
    """Bring the schema to the newest Alembic revision (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    if db.is_sqlite:
        Path(db.url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    with db.write_engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def deploy_directories(db: Database, directories: list[str]) -> None:
    """Deploy every model and form shipped in the given folders as one deployment (no-op if unchanged)."""
    from app.services.definitions import deploy

    files = []
    for directory in directories:
        for path in sorted(Path(directory).glob("*")):
            if path.suffix in (".bpmn", ".dmn", ".form"):
                files.append((path.name, path.read_bytes()))
    if files:
        deploy(UnitOfWork(db), files, name="shipped processes", source="run.py")


def database(app: Optional[Flask] = None) -> Database:
    return (app or current_app).extensions["servicedesk_db"]


def new_uow(write: bool = True) -> UnitOfWork:
    return UnitOfWork(database(), write=write)
