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
