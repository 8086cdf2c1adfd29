from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from synthfoundry.accounts import users
from synthfoundry.accounts.models import User
from synthfoundry.accounts.schemas import OwnUserUpdate, UserCreate, UserRead, UserUpdate
from synthfoundry.api.deps import SessionDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, Responses, problem_response
from synthfoundry.api.security import Admin, Authenticated

router = APIRouter(
    prefix="/v1/users",
    tags=["users"],
    responses=AUTH_PROBLEMS,
)
NOT_FOUND: Responses = {404: problem_response("No such user")}
CONFLICT: Responses = {409: problem_response("The change conflicts with existing state")}


@router.get("/me", response_model=UserRead)
def get_me(actor: Authenticated, session: SessionDep) -> User:
    """The signed-in user (or the owner of the API key used)."""
    return users.get(session, actor.user_id)


@router.patch("/me", response_model=UserRead)
def update_me(body: OwnUserUpdate, actor: Authenticated, session: SessionDep) -> User:
    """Change your name, or your password (with the current one; this ends every session)."""
    return users.update_own(session, actor, body)


@router.get("", response_model=PageOf[UserRead])
def list_users(
    actor: Admin, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> PageOf[UserRead]:
    """All users, newest first (admin)."""
    page = users.list_page(session, limit=limit, cursor=cursor)
    return PageOf[UserRead](
        items=[UserRead.model_validate(user) for user in page.items], next_cursor=page.next_cursor
    )


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED, responses=CONFLICT)
def create_user(body: UserCreate, actor: Admin, session: SessionDep) -> User:
    """Create a user (admin)."""
    return users.create(session, actor.audit, body)


@router.get("/{user_id}", response_model=UserRead, responses=NOT_FOUND)
def get_user(user_id: uuid.UUID, actor: Admin, session: SessionDep) -> User:
    """One user (admin)."""
    return users.get(session, user_id)


@router.patch("/{user_id}", response_model=UserRead, responses={**NOT_FOUND, **CONFLICT})
def update_user(user_id: uuid.UUID, body: UserUpdate, actor: Admin, session: SessionDep) -> User:
    """Rename, promote, demote, disable, enable or set the password of a user (admin).
    Disabling a user or setting their password ends their sessions."""
    return users.update_by_admin(session, actor.audit, user_id, body)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, **CONFLICT},
)
def delete_user(user_id: uuid.UUID, actor: Admin, session: SessionDep) -> Response:
    """Delete a user and their API keys and sessions (admin)."""
    users.delete(session, actor.audit, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
