"""Parsed process specs by definition id, shared by every unit of work of one process.

Parsing a model is the dearest step of loading an instance; a definition
version never changes, so each process parses each version once.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

from app.engine import ProcessSpec


class SpecCache:
    """A small LRU: a process holds the specs of the versions it is actually running."""

    def __init__(self, size: int = 64):
        self._items: OrderedDict[str, ProcessSpec] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, definition_id: str, build: Callable[[], ProcessSpec]) -> ProcessSpec:
        with self._lock:
            item = self._items.get(definition_id)
            if item is not None:
                self._items.move_to_end(definition_id)
                return item
        item = build()
        with self._lock:
            self._items[definition_id] = item
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return item
