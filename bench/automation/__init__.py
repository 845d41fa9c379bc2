"""What automation costs on arrival: see `__main__.py`."""
