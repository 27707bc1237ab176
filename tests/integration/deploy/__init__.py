"""Tests of deploy.local itself: the services come up, answer, recover and go away."""
