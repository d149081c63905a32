"""Schemas that several API routers share: people, short references and the error body."""

from datetime import time
from typing import Annotated, get_args

from ninja import Schema
from pydantic import ConfigDict, StrictInt, StrictStr, WithJsonSchema, field_validator


class UserOut(Schema):
    id: int
    email: str
    display_name: str


class TeamRef(Schema):
    slug: str
    name: str


class ServiceRef(Schema):
    slug: str
    name: str


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorDetail


def refuse_nul(value):
    """PostgreSQL cannot store or compare text with NUL characters: refuse them up front."""
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        raise ValueError("must not contain NUL characters")
    return value


class Input(Schema):
    """A request body: unknown keys are an error, so a typo never passes for "no change"."""

    model_config = ConfigDict(extra="forbid")

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


def _offers_null(annotation) -> bool:
    return annotation is type(None) or any(_offers_null(arg) for arg in get_args(annotation))


def _no_null_defaults(schema: dict) -> None:
    """A field left out keeps its value: the schema shows no default, and null only where the
    type itself takes it."""
    for field in schema.get("properties", {}).values():
        if "default" in field and field["default"] is None:
            del field["default"]


class Patch(Input):
    """A change: a field left out keeps its value. Null is a value only for the fields whose
    type takes it ("null: removes the default"); elsewhere it is refused, and the OpenAPI
    schema does not offer it. Declare fields as `name: str = None`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_null_defaults)

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_offered(cls, value, info):
        if value is None and not _offers_null(cls.model_fields[info.field_name].annotation):
            raise ValueError("leave the field out to keep it; null is not a value")
        return value


# Every operation documents the same error body for the statuses it may answer with.
# Every endpoint may answer these; 413 and 503 come before the endpoint runs (a body over
# TOCSIN_MAX_BODY_BYTES, a database that cannot be reached).
ERRORS = {status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422, 503)}

MAX_ID = 2**63 - 1  # a database id is a signed 64-bit integer

# A person named in a request body: an e-mail address or a numeric id.
UserRef = StrictInt | StrictStr


# A time of day on a wall clock (a schedule's handoff), without a zone: the schedule has one.
# JSON Schema's `format: time` would promise an offset ("09:00:00Z") that these never carry.
WallClock = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
            "description": "A wall-clock time in the schedule's zone, e.g. 09:00 or 09:00:00.",
            "examples": ["09:00"],
        }
    ),
]
