"""The service layer: the one API that REST, pages, scheduler and tests call.

Each public function takes an un-entered :class:`app.db.UnitOfWork`, opens the
transaction itself and commits at most once.
"""
