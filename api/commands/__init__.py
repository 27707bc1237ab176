"""Subcommands of the ``sentinel`` command, one module each."""
