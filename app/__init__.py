"""Application factory: nothing starts on import; ``create_app`` wires database, API, pages and scheduler."""
from __future__ import annotations

from typing import Any, Optional

from flask import Flask

from app.config import default_config


def create_app(config: Optional[dict[str, Any]] = None) -> Flask:
    app = Flask(__name__)
    app.config.update(default_config())
    app.config.update(config or {})
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    proxies = int(app.config["PROXY_COUNT"])
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from app import auth, links, store
    links.init_app(app)  # a SITE_URL that is no address stops the start; a missing one is warned about
    store.init_app(app)
    auth.init_app(app)
    from app.services import work_calendar
    work_calendar.init_app(app)

    from app.api import bp as api_bp
    app.register_blueprint(api_bp)

    from app import web
    web.init_app(app)

    from app.services import relay
    relay.init_app(app)  # sends the notification outbox when SCHEDULER_ENABLED

    if app.config["SCHEDULER_ENABLED"]:
        from scheduler import init_app as init_scheduler
        init_scheduler(app)
    return app
