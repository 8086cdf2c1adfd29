"""RFC 9457 problem details: every error response of the API has this one shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, get_args

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from synthfoundry import errors
from synthfoundry.suggestions import model_keys, unknown_name

PROBLEM_MEDIA_TYPE = "application/problem+json"

STATUS_BY_ERROR: dict[type[errors.SynthfoundryError], int] = {
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.InvalidState: 409,
    errors.NotAuthenticated: 401,
    errors.RateLimited: 429,
    errors.QuotaExceeded: 429,
    errors.PermissionDenied: 403,
    errors.InvalidInput: 422,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.ServiceUnavailable: 503,
}

CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class FieldError(BaseModel):
    field: str
    message: str
    type: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str
    request_id: str | None = None
    errors: list[FieldError] | None = None


Responses = dict[int | str, dict[str, Any]]
"""The ``responses=`` argument of FastAPI routes and routers."""


def problem_response(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


# Declared on every router so that OpenAPI shows the problem shape (and not FastAPI's default
# HTTPValidationError) for the errors any route can give.
COMMON_PROBLEM_RESPONSES: Responses = {
    400: problem_response("The request body cannot be parsed (not UTF-8, not JSON)"),
    413: problem_response("The request body is over the size limit"),
    422: problem_response("The request is invalid; `errors` lists each bad field"),
    429: problem_response("Too many requests; `Retry-After` says when to retry"),
    500: problem_response("An unexpected server error; the detail never holds internals"),
    503: problem_response("A dependency such as the database is unavailable; retry later"),
}


AUTH_PROBLEMS: Responses = {
    401: problem_response("Missing or invalid credentials"),
    403: problem_response("The credential lacks a needed scope"),
}
"""Declared by every router whose routes need a principal."""


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    *,
    detail: str,
    code: str | None = None,
    title: str | None = None,
    request_id: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    code = code or CODE_BY_STATUS.get(status, "error")
    body: dict[str, Any] = {
        "type": f"urn:synthfoundry:problem:{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "request_id": request_id,
        **extensions,
    }
    return ProblemResponse(body, status_code=status, headers=headers)


def problem_for_request(request: Request, status: int, **fields: Any) -> ProblemResponse:
    return problem(
        status,
        request_id=getattr(request.state, "request_id", None),
        instance=request.url.path,
        **fields,
    )


def status_for(error: errors.SynthfoundryError) -> int:
    for error_type in type(error).__mro__:
        if error_type in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[error_type]
    return 500


async def _domain_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, errors.SynthfoundryError)
    status = status_for(exc)
    if status == 500:
        # A configuration error or another internal fault: its text may name server paths.
        return problem_for_request(request, 500, detail="Internal server error")
    extensions: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, errors.InvalidInput) and exc.field_errors:
        extensions["errors"] = [
            {"field": field, "message": message} for field, message in exc.field_errors
        ]
    if isinstance(exc, errors.NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    return problem_for_request(
        request,
        status,
        detail=exc.detail,
        code=exc.code,
        title=exc.title,
        headers=headers or None,
        **extensions,
    )


async def _http_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}"
    elif exc.status_code == 405 and detail == "Method Not Allowed":
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_for_request(request, exc.status_code, detail=detail, headers=exc.headers)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (through Optional, unions, lists, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for argument in get_args(annotation) for model in _models_in(argument)]


def _keys_at(request: Request, location: Sequence[int | str]) -> set[str] | None:
    """The keys the body's model accepts where an unknown key was sent (``location`` is the
    key's path, ``("body", "rebalance", "colum")``); ``None`` when that is not a model."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None or len(location) < 2 or location[0] != "body":
        return None
    models = _models_in(body_field.field_info.annotation)
    for part in location[1:-1]:
        fields = [
            field
            for model in models
            for name, field in model.model_fields.items()
            if part in (name, field.alias)
        ]
        if fields:  # else a list index, a dict key or a union's tag: the same models go on
            models = [model for field in fields for model in _models_in(field.annotation)]
    if not models:
        return None
    return set().union(*(model_keys(model) for model in models))


def _message(request: Request, error: Mapping[str, Any]) -> str:
    if error["type"] == "extra_forbidden" and error["loc"]:
        known = _keys_at(request, error["loc"])
        return unknown_name("field", str(error["loc"][-1]), known or set())
    return str(error["msg"])


async def _validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    field_errors = [
        {
            # The submitted value is left out on purpose: it may be a password or a token.
            "field": ".".join(str(part) for part in error["loc"]),
            "message": _message(request, error),
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    count = len(field_errors)
    named = "; ".join(f"{error['field']}: {error['message']}" for error in field_errors[:5])
    return problem_for_request(
        request,
        422,
        detail=f"The request has {count} invalid field{'s' if count != 1 else ''}: {named}",
        errors=field_errors,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.SynthfoundryError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
