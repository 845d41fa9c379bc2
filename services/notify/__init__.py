"""Notifications over channels other than e-mail: SMS and fax (F3, F4)."""
