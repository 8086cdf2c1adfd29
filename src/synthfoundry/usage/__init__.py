"""Usage statistics of a user or of the whole instance."""

from synthfoundry.packages import Package

PACKAGE = Package(name="usage", routers=("synthfoundry.api.v1.stats:router",))
