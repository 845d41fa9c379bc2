"""filters: decides, per recipient, which account and folder a received message goes to."""
