"""Typed errors of the Slicewise client, each with a stable ``code`` and the exit code of ``python -m slicewise``.

Exit codes (the same as the Node CLI's ``slicewise``):

====  ==========================================================================
0     ok
1     verification failed: a file's size or sha256, or the manifest (files named)
2     usage: bad arguments, or input the API refused (``BAD_USER_INPUT``)
3     401 / 403 / 404: bad or missing token, no access, unknown project/dataset/tag
4     network failure or server error (5xx), after retries
5     rate limited (429) after retries; ``retry_after`` says how long to wait
6     the output folder holds another dataset version or other files (not overwritten)
130   interrupted (Ctrl-C); re-run the same command to resume
====  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass


class SlicewiseError(Exception):
    """Base class. ``code`` is stable (match on it); ``message`` is for people."""

    code = "ERROR"
    exit_code = 4

    def __init__(self, message: str, *, status: int | None = None, request_id: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: HTTP status of the response that caused it, if any.
        self.status = status
        #: The API's request id (also in its logs): quote it when reporting a problem.
        self.request_id = request_id
        self.url = url

    def __str__(self) -> str:
        return f"{self.message} (request id {self.request_id})" if self.request_id else self.message


class UsageError(SlicewiseError):
    """Bad arguments to a client function or command (nothing was sent or written)."""

    code = "USAGE"
    exit_code = 2


class BadInputError(SlicewiseError):
    """The API refused the input (``BAD_USER_INPUT`` or a mutation's ``userErrors``); nothing was written."""

    code = "BAD_USER_INPUT"
    exit_code = 2

    def __init__(self, message: str, *, user_errors: list[dict] | None = None, **kw) -> None:
        super().__init__(message, **kw)
        #: ``[{"field": [...], "message": ..., "code": ...}]`` as the API reported them.
        self.user_errors = user_errors or []


class AuthenticationError(SlicewiseError):
    """401: no token, an unknown, revoked or expired token, or an expired signed link."""

    code = "UNAUTHENTICATED"
    exit_code = 3


class ForbiddenError(SlicewiseError):
    """403: the token's scope or the member's role does not allow this (e.g. a READ token registering a run)."""

    code = "FORBIDDEN"
    exit_code = 3


class NotFoundError(SlicewiseError):
    """404: no such project, dataset, tag or hash among the token's team's data (or a file not in the version)."""

    code = "NOT_FOUND"
    exit_code = 3


class RateLimitedError(SlicewiseError):
    """429 (or ``RATE_LIMITED``) after the client's retries; ``retry_after`` (seconds) is the server's advice."""

    code = "RATE_LIMITED"
    exit_code = 5

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(SlicewiseError):
    """5xx or an unexpected status, after the client's retries."""

    code = "SERVER_ERROR"
    exit_code = 4


class NetworkError(SlicewiseError):
    """The connection failed (refused, reset, timed out), after the client's retries."""

    code = "NETWORK"
    exit_code = 4


class GraphQLError(SlicewiseError):
    """A GraphQL error whose ``extensions.code`` has no class of its own (``code`` holds it)."""

    exit_code = 4

    def __init__(self, message: str, *, code: str, **kw) -> None:
        super().__init__(message, **kw)
        self.code = code


@dataclass
class FileFailure:
    path: str
    reason: str


class VerificationError(SlicewiseError):
    """A manifest or files failed verification. ``failures`` names each file and why."""

    code = "VERIFICATION_FAILED"
    exit_code = 1

    def __init__(self, message: str, *, failures: list[FileFailure] | None = None, result: object | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.failures = failures or []
        #: The PullResult / VerifyResult of the run, when there is one.
        self.result = result


class FolderConflictError(SlicewiseError):
    """The output folder holds another dataset version (or files that are not a pulled version)."""

    code = "FOLDER_CONFLICT"
    exit_code = 6

    def __init__(self, message: str, *, folder: str, holds: str | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.folder = folder
        #: The manifest sha256 the folder holds (None for a folder that is not a pulled version).
        self.holds = holds


#: GraphQL ``extensions.code`` -> error class.
GRAPHQL_CODES: dict[str, type[SlicewiseError]] = {
    "UNAUTHENTICATED": AuthenticationError,
    "FORBIDDEN": ForbiddenError,
    "NOT_FOUND": NotFoundError,
    "BAD_USER_INPUT": BadInputError,
    "RATE_LIMITED": RateLimitedError,
}
