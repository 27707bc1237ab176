"""Exit codes of the ``sentinel`` command. They are API: CI pipelines branch on them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # ran, no failure found
    FAILURES = 1  # ran, at least one finding at or above the --fail-on severity
    USAGE = 2  # bad usage, bad option, bad config, or a spec that cannot be loaded
    UNREACHABLE = 3  # the target could not be reached, nothing was judged
    INTERRUPTED = 130  # stopped by Ctrl-C; results so far were kept


EXIT_CODES_HELP = """\b
Exit codes:
  0    no failure found
  1    failures found (at or above --fail-on)
  2    bad usage, bad config or a spec that cannot be loaded
  3    the target could not be reached
  130  interrupted (results so far are kept)"""
