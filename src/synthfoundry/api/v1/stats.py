from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Security

from synthfoundry.accounts.principal import Principal
from synthfoundry.api.deps import SessionDep
from synthfoundry.api.problems import AUTH_PROBLEMS
from synthfoundry.api.security import authenticated
from synthfoundry.usage.service import UsageStats, usage

router = APIRouter(prefix="/v1/stats", tags=["stats"], responses=AUTH_PROBLEMS)

Anyone = Annotated[Principal, Security(authenticated, scopes=["datasets:read"])]


@router.get("", response_model=UsageStats)
def get_usage(
    principal: Anyone,
    session: SessionDep,
    all_owners: Annotated[bool, Query(description="the whole instance (admin)")] = False,
) -> UsageStats:
    """Counts for you (or, for an admin asking, everyone): objects, jobs by status, rows
    uploaded and generated, and bytes stored."""
    return usage(session, principal, all_owners)
