"""Where collected images come from: search APIs (Openverse, Wikimedia Commons, Google
Programmable Search) and plain URL lists, each answering with ``Found`` images and licenses."""

from synthfoundry.images.providers.base import Found, Provider, ProviderError, license_allowed
from synthfoundry.images.providers.google import GoogleSearchProvider
from synthfoundry.images.providers.licenses import LICENSES, normalise_license
from synthfoundry.images.providers.openverse import OpenverseProvider
from synthfoundry.images.providers.pacing import RateLimiter, RetryPolicy
from synthfoundry.images.providers.urls import UrlListProvider
from synthfoundry.images.providers.wikimedia import WikimediaCommonsProvider

__all__ = [
    "LICENSES",
    "Found",
    "GoogleSearchProvider",
    "OpenverseProvider",
    "Provider",
    "ProviderError",
    "RateLimiter",
    "RetryPolicy",
    "UrlListProvider",
    "WikimediaCommonsProvider",
    "license_allowed",
    "normalise_license",
]
