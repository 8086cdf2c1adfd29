"""Users, password login, JWT access tokens with rotating refresh tokens, API keys, scopes."""
