"""Scenario commands: scenarios, validate, show, schema, convert."""
