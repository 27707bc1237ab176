"""Every way in: the ``sentinel`` command, reports, and (later) the REST service."""
