"""Sinks: where events are kept. Each runs in its own consumer group; offsets are committed after a sink returns."""

from __future__ import annotations

from pipeline.sinks.base import Backpressure, Sink, SinkError
from pipeline.sinks.postgres import PostgresSink

__all__ = ["Backpressure", "PostgresSink", "Sink", "SinkError"]
