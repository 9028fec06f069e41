"""What the gateway serves: the model catalog, its ``/models`` reader and the live refresh.

``entry`` holds the pure types, ``listing`` reads a ``/models`` body (bundled snapshot or live),
``catalog`` keeps the active list and resolves ``kilo/<name>`` to the gateway id it sends, and
``discovery`` is this layer's one I/O edge (``refresh_models``). Free is what ``/models`` says
(``isFree``); the bundled data is the fallback when the live gateway cannot be read.
"""
