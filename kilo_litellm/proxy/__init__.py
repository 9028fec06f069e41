"""Router and proxy support."""
