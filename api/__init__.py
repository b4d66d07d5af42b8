"""The front door over HTTP: the API (FastAPI, OpenAPI at /openapi.json) and the web page
(server-rendered Jinja2 and one small script). ``create_app(settings)`` builds it."""

from docintel.api.app import create_app

__all__ = ["create_app"]
