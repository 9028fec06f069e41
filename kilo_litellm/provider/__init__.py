"""The LiteLLM provider."""
