"""Where a call goes and with what credentials: constants, key/base/organisation resolution, URL forms.

The bottom layer: every other subpackage reads the gateway's base URL, the key rule ("no real key:
no ``Authorization`` header") and header names from here, and this package imports nothing of the
provider's own. Pure functions of the call's arguments and the process environment, plus the one
thing a user keeps on disk: the sign-in ``kilo-litellm login`` stored (:mod:`credentials`).
"""
