"""The team web app (FastAPI + Jinja2): see :func:`keepwise.web.app.create_app`."""
