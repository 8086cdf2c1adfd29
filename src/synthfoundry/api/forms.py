"""Multipart forms validated by a pydantic model, with the same 422 as a JSON body: each
problem names its field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


def form_model(model: type[ModelT], fields: dict[str, Any]) -> ModelT:
    """``model`` from the form's fields (the ones sent); an invalid one is a 422 naming it."""
    try:
        return model.model_validate(
            {name: value for name, value in fields.items() if value is not None}
        )
    except ValidationError as exc:
        raise RequestValidationError(
            [
                {**error, "loc": ("body", *error["loc"])}
                for error in exc.errors(
                    include_url=False, include_context=False, include_input=False
                )
            ]
        ) from None


def json_field(name: str, value: str | None) -> Any:
    """A form field that carries JSON (an object such as ``providers``)."""
    if value is None or not value.strip():
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise RequestValidationError(
            [{"loc": ("body", name), "msg": "must be a JSON object", "type": "json_invalid"}]
        ) from None
