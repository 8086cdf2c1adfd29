from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from synthfoundry.accounts import api_keys
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.models import ApiKey
from synthfoundry.accounts.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from synthfoundry.api.deps import SessionDep, SettingsDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope

router = APIRouter(
    prefix="/v1/api-keys",
    tags=["api-keys"],
    responses=AUTH_PROBLEMS,
)

ApiKeysRead = Annotated[Actor, require_scope("api-keys:read")]
ApiKeysWrite = Annotated[Actor, require_scope("api-keys:write")]


@router.get("", response_model=PageOf[ApiKeyRead])
def list_api_keys(
    actor: ApiKeysRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    all_owners: Annotated[bool, Query(description="every user's keys (admin)")] = False,
) -> PageOf[ApiKeyRead]:
    """Your API keys, newest first. Secrets are never shown again."""
    page = api_keys.list_page(session, actor, all_owners=all_owners, limit=limit, cursor=cursor)
    return PageOf[ApiKeyRead](
        items=[ApiKeyRead.model_validate(key) for key in page.items], next_cursor=page.next_cursor
    )


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_api_key(
    body: ApiKeyCreate,
    actor: ApiKeysWrite,
    session: SessionDep,
    settings: SettingsDep,
) -> ApiKeyCreated:
    """Create a key with some of your scopes. The response holds its secret, this once."""
    key, secret = api_keys.create(
        session,
        actor,
        body,
        settings.security.secret_key.get_secret_value(),
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), secret=secret)


@router.get(
    "/{api_key_id}",
    response_model=ApiKeyRead,
    responses={404: problem_response("No such API key of yours")},
)
def get_api_key(api_key_id: uuid.UUID, actor: ApiKeysRead, session: SessionDep) -> ApiKey:
    """One of your API keys."""
    return api_keys.get_owned(session, actor, api_key_id)


@router.delete(
    "/{api_key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={
        404: problem_response("No such API key of yours"),
        409: problem_response("The key is revoked already"),
    },
)
def revoke_api_key(api_key_id: uuid.UUID, actor: ApiKeysWrite, session: SessionDep) -> Response:
    """Revoke a key: it stops working at once."""
    api_keys.revoke(session, actor, api_key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
