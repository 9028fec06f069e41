"""The LiteLLM provider: ``KiloLLM`` (a ``CustomLLM``) and the pure steps around its one I/O edge.

``handler`` is the only module that does HTTP. ``request``/``params`` build the gateway body,
``sse``/``stream`` read a stream (one sans-IO parser fed by the sync and the async loop),
``response``/``usage``/``cost`` read a full answer, ``errors``/``error_types``/``limit_windows`` turn
a refusal into the ``litellm`` exception a caller expects, ``embeddings`` does the same for vectors
and ``caller_loop`` lets async streams fail at the call.
"""
