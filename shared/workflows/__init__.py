"""Workflows run by more than one front end (the gateway and SMTP submission/ingest):
sending for an account, the addresses it may send as, recipient resolution."""
