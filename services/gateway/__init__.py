"""HTTP API gateway: `/api/v1` over the mailbox, search and blob ports (aiohttp).

`create_app` in `app.py` is the only entry point; it takes every dependency as an
argument, so tests and `bureau` wire real or fake adapters the same way.
"""
