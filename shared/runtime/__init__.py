"""Platform plumbing every service runs on: the bus, metrics, storage helpers,
listening sockets, logins and their throttle."""
