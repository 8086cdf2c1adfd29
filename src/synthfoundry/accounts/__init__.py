"""Users, password login, JWT access tokens with rotating refresh tokens, API keys, scopes."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="accounts",
    models=("synthfoundry.accounts.models",),
    routers=(
        "synthfoundry.api.v1.auth:router",
        "synthfoundry.api.v1.users:router",
        "synthfoundry.api.v1.api_keys:router",
    ),
)
