from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.deps import SessionDep
from synthfoundry.api.problems import AUTH_PROBLEMS
from synthfoundry.api.security import require_scope
from synthfoundry.usage.service import UsageStats, usage

router = APIRouter(prefix="/v1/stats", tags=["stats"], responses=AUTH_PROBLEMS)

Anyone = Annotated[Actor, require_scope("datasets:read")]


@router.get("", response_model=UsageStats)
def get_usage(
    actor: Anyone,
    session: SessionDep,
    all_owners: Annotated[bool, Query(description="the whole instance (admin)")] = False,
) -> UsageStats:
    """Counts for you (or, for an admin asking, everyone): objects, jobs by status, rows
    uploaded and generated, and bytes stored."""
    return usage(session, actor, all_owners)
