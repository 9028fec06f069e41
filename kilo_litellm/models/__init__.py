"""The model catalog."""
