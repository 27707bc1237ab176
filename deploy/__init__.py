"""Deployment helpers. ``deploy.local`` installs and runs the backing services on one machine."""
