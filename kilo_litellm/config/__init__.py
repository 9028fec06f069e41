"""Settings and URLs."""
