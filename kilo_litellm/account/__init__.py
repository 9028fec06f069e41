"""Kilo's account service (not the gateway): signing in with a device code, and the signed-in profile.

The layer above ``config``: ``client`` is the HTTP edge for ``/api/device-auth/codes`` and
``/api/profile`` on the account origin (``https://api.kilo.ai``, or ``KILO_API_URL`` as for Kilo's
own client), with the ``httpx`` client injected; ``device_flow`` waits for the browser's approval
with an injectable clock and sleep. Storing the token is ``config.credentials``'s job, printing the
command line's.
"""
