"""Version 1 of the REST API. Each router carries its full ``/v1/...`` prefix, so that the
route a request matched names its whole path template (metrics and logs label by it)."""

from fastapi import APIRouter

from synthfoundry.api.v1 import about

routers: list[APIRouter] = [about.router]

__all__ = ["routers"]
