"""The demo shop: a small FastAPI service with planted bugs, described by ``openapi.yaml`` and listed in ``BUGS.md``.

``python -m examples.demo_target --port 8765`` serves it; :func:`examples.demo_target.app.create_app` builds it.
"""
