"""The registry's web pages, served by the registry itself at ``/``: server-rendered HTML (Jinja2,
autoescaped), one stylesheet, no script and nothing from elsewhere.

``routes`` (which paths, sign-in, error pages) -> ``views`` (one function a page, reading through the
service) -> ``templates/``; ``auth`` (the token cookie), ``diff`` (side-by-side SDL diff, bounded),
``checks`` (what the checks pages read), ``render`` (the Jinja2 environment), ``http`` (ASGI plumbing).
"""

from .routes import WebApp, handles

__all__ = ["WebApp", "handles"]
