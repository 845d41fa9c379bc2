"""Contracts shared by every Bureau service: events and their subjects, streams, settings, ports."""
