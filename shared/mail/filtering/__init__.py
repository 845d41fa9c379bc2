"""The filter language's engine (F25-F27): facts read once from a message, one rule per
condition field (`rules/`), the text operators (`matching.py`) and `engine.run`, which
walks a user's filters in order. Pure logic: the filters service runs it on arriving
mail, the gateway to test a filter on a stored message."""
