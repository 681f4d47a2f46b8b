"""Test configuration: scenario builders live in ``tests.builders``."""
