"""A marker for text that is translated where it is shown, not where it is written."""
from __future__ import annotations


def N_(text: str) -> str:
    """Return ``text`` unchanged. ``pybabel extract`` knows ``N_`` as a keyword, so marked text lands in
    the catalogs, while the code that holds it (services, form rules) stays free of the web's language:
    the page translates it for its reader, the REST API keeps it as written."""
    return text
