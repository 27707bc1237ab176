"""The weather stations: a small read-mostly metrics API (Swagger 2.0) with planted bugs, described by
``openapi.yaml`` and listed in ``BUGS.md``.

``python -m examples.weather_target --port 8767`` serves it; :func:`examples.weather_target.app.create_app` builds it.
"""
