"""The web UI's files (``static/``) and how they are read and sized (``assets.py``).

The UI is a client of the public REST API and WebSockets. The API serves these files
(``api/web_ui.py``) and adds one thing for browsers, a cookie session
(``api/v1/browser_session.py``) that keeps the refresh token where no script can read it."""
