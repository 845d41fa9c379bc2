"""The `bureau` command: runs the services embedded or one by one, and administers accounts."""
