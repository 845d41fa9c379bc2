"""Adapters of the delivery channel port (`shared.ports.channels.Channel`): an HTTP
provider, and a spool directory for development."""
