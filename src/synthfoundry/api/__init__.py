"""The HTTP API (FastAPI). Nothing outside this package imports FastAPI."""

from synthfoundry.api.app import create_app

__all__ = ["create_app"]
