"""The one place the API is composed: the system routes, then every installed package's routers
(``synthfoundry.packages``). Each router carries its full ``/v1/...`` prefix, so that the route
a request matched names its whole path template (metrics and logs label by it)."""

from fastapi import APIRouter

from synthfoundry.api import health
from synthfoundry.api.v1 import about
from synthfoundry.packages import load_routers


def routers() -> list[APIRouter]:
    return [health.router, about.router, *load_routers()]
