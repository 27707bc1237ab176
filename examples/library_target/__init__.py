"""The library: a small book-lending API (OpenAPI 3.1) with planted bugs, described by ``openapi.yaml`` and listed in
``BUGS.md``.

``python -m examples.library_target --port 8766`` serves it; :func:`examples.library_target.app.create_app` builds it.
"""
