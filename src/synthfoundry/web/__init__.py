"""The web UI: static files served by the API process, and the browser's cookie session.

The UI is a client of the public REST API and WebSockets; the only routes it adds are the
browser session (``session.py``), which keeps the refresh token in an HttpOnly cookie so that no
script can read it, and the files themselves (``assets.py``)."""
