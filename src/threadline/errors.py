"""The one exception tree of Threadline; every edge maps these to its own error form."""

from __future__ import annotations


class ThreadlineError(Exception):
    """Base of every error Threadline raises on purpose."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        """Return the error as a JSON-ready body."""
        return {"code": self.status, "error": self.code, "message": self.message}


class ClientError(ThreadlineError):
    """A request that can never succeed as sent (HTTP 4xx)."""

    status = 400
    code = "bad_request"


class InvalidEvent(ClientError):
    """An OpenLineage event that is malformed; ``path`` points at the offending value."""

    code = "invalid_event"

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def to_dict(self) -> dict[str, object]:
        """Return the error with the JSON path of the offending value."""
        return {**super().to_dict(), "path": self.path}


class PayloadTooLarge(ClientError):
    """A request body over the configured size limit."""

    status = 413
    code = "payload_too_large"


class UnsupportedEncoding(ClientError):
    """A ``Content-Encoding`` the server does not decode."""

    status = 415
    code = "unsupported_encoding"


class NotFound(ClientError):
    """A reference to something that does not exist; carries the closest matches."""

    status = 404
    code = "not_found"

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []

    def to_dict(self) -> dict[str, object]:
        """Return the error with the closest matches."""
        return {**super().to_dict(), "suggestions": self.suggestions}


class InvalidParameter(ClientError):
    """A query parameter or argument that is out of range or malformed."""

    code = "invalid_parameter"


class StoreUnavailable(ThreadlineError):
    """The database could not be reached or is locked; the request may be retried."""

    status = 503
    code = "store_unavailable"


class SchemaOutdated(ThreadlineError):
    """The database schema is older than this version of Threadline."""

    code = "schema_outdated"


class Overloaded(ThreadlineError):
    """The server has as much work as it takes at once; the request may be retried soon."""

    status = 503
    code = "overloaded"
