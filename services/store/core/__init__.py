"""The mailbox core: every mail rule, once, above a small storage port (`backend`)."""
