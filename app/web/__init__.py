"""The pages people work in: sign-in, portal, inbox, task forms, ticket view, administration.

Pages call the same services as the REST API; this package only adds what a
browser needs: sessions kept on the server (Flask-Login), CSRF on every form
(Flask-WTF), languages and time zones (flask-babel), a sign-in rate limit
(Flask-Limiter) and security headers. The REST API keeps HTTP Basic and is
exempt from CSRF, which guards cookie-authenticated forms only.
"""
from __future__ import annotations

from flask import Flask

from app.web import errors, i18n, security, signin


def init_app(app: Flask) -> None:
    app.config.setdefault("LOGIN_RATE_LIMIT", "10 per 5 minutes")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the signed-in session
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    security.init_app(app)
    signin.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    from app.web import (account, admin_calendar, admin_outbox, admin_users, complaint, figures, health, home, inbox,
                         knowledge, model_editor, model_validation, models, notifications, operations, portal, report,
                         reports, reviews, surveys, tasks, tickets, weekly_survey)
    app.register_blueprint(signin.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(report.bp)
    app.register_blueprint(complaint.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(tickets.bp)
    app.register_blueprint(admin_users.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(admin_calendar.bp)
    app.register_blueprint(admin_outbox.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(knowledge.bp)
    app.register_blueprint(figures.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(weekly_survey.bp)
    app.register_blueprint(surveys.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(models.bp)
    app.register_blueprint(model_validation.bp)
    app.register_blueprint(operations.bp)
    app.register_blueprint(model_editor.bp)
