"""Tests against real services started by deploy.local (see docs/local-services.md)."""
