"""Request handlers, one module per resource; `routes.py` lists them as endpoints."""
