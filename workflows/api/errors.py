"""Every API error becomes JSON with a code, a message and, where known, the field."""

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from workflows.engine.states import InvalidTransition
from workflows.errors import (
    FlowdeskError,
    InvalidInputs,
    InvalidSpec,
    InvalidState,
    VersionConflict,
)

_STATUS = {
    InvalidSpec: status.HTTP_400_BAD_REQUEST,
    InvalidInputs: status.HTTP_400_BAD_REQUEST,
    VersionConflict: status.HTTP_409_CONFLICT,
    InvalidState: status.HTTP_409_CONFLICT,
}


def exception_handler(exc, context):
    if isinstance(exc, InvalidTransition):
        # A concurrent request changed the status first.
        body = {
            "code": "invalid_state",
            "message": f"The {exc}.",
            "status": exc.current,
        }
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, FlowdeskError):
        body = {"code": exc.code, "message": exc.message, **exc.details}
        return Response(
            body, status=_STATUS.get(type(exc), status.HTTP_400_BAD_REQUEST)
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_problem(exc.detail)
        response.data = {
            "code": "invalid",
            "message": f"{field}: {message}" if field else message,
            "field": field,
            "errors": exc.detail,
        }
    elif isinstance(exc, exceptions.APIException):
        response.data = {
            "code": exc.get_codes()
            if isinstance(exc.get_codes(), str)
            else exc.default_code,
            "message": str(exc.detail),
        }
    return response


def _first_problem(detail, prefix: str = "") -> tuple[str | None, str]:
    """Dig the first field path and message out of DRF's nested error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                return _first_problem(value, prefix)
            return _first_problem(value, f"{prefix}.{key}" if prefix else str(key))
    if isinstance(detail, list) and detail:
        return _first_problem(detail[0], prefix)
    return (prefix or None), str(detail)
