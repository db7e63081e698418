"""Stable error codes, in one place.

Every error the gateway puts in a GraphQL response carries ``extensions.code`` from this registry.
Codes follow the names Apollo's gateways use where one exists, so client tooling that matches on
them keeps working. Add a code here, with its meaning and HTTP status, before using it anywhere.

    GatewayError
     ├── RequestError        (rejected before execution: bad HTTP, parse, validation, limits, auth)
     └── SupergraphError     (a supergraph we cannot serve; raised at load time, never per request)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    meaning: str


_REGISTRY: dict[str, ErrorCode] = {}


def _code(code: str, status: int, meaning: str) -> str:
    _REGISTRY[code] = ErrorCode(code, status, meaning)
    return code


# Request shape and document
BAD_REQUEST = _code("BAD_REQUEST", 400, "The HTTP request is not a GraphQL request (body, method, JSON).")
METHOD_NOT_ALLOWED = _code("METHOD_NOT_ALLOWED", 405, "Mutations over GET, or an HTTP method we do not serve.")
UNSUPPORTED_MEDIA_TYPE = _code("UNSUPPORTED_MEDIA_TYPE", 415, "The request's content type is not JSON.")
NOT_ACCEPTABLE = _code("NOT_ACCEPTABLE", 406, "The client accepts no media type we can answer with.")
PAYLOAD_TOO_LARGE = _code("PAYLOAD_TOO_LARGE", 413, "The request body is larger than the configured limit.")
GRAPHQL_PARSE_FAILED = _code("GRAPHQL_PARSE_FAILED", 400, "The document is not valid GraphQL syntax.")
GRAPHQL_VALIDATION_FAILED = _code(
    "GRAPHQL_VALIDATION_FAILED", 400, "The document does not validate against the API schema."
)
BAD_USER_INPUT = _code("BAD_USER_INPUT", 400, "Variables are missing or do not match their types.")
OPERATION_RESOLUTION_FAILURE = _code(
    "OPERATION_RESOLUTION_FAILURE", 400, "No operation, or an unknown operationName, or an ambiguous one."
)
INTROSPECTION_DISABLED = _code("INTROSPECTION_DISABLED", 400, "Introspection is turned off by configuration.")
CSRF_PREVENTED = _code("CSRF_PREVENTED", 400, "A request that could skip CORS preflight was refused.")

# Operation limits (each violation its own code, answered 400 before planning)
MAX_DEPTH_LIMIT = _code("MAX_DEPTH_LIMIT", 400, "The operation nests fields deeper than limits.max_depth.")
MAX_HEIGHT_LIMIT = _code("MAX_HEIGHT_LIMIT", 400, "More unique fields than limits.max_height.")
MAX_ALIASES_LIMIT = _code("MAX_ALIASES_LIMIT", 400, "More aliases than limits.max_aliases.")
MAX_ROOT_FIELDS_LIMIT = _code(
    "MAX_ROOT_FIELDS_LIMIT", 400, "The operation selects more root fields than limits.max_root_fields."
)
MAX_TOKENS_LIMIT = _code("MAX_TOKENS_LIMIT", 400, "More lexical tokens than limits.max_tokens.")
MAX_RECURSION_LIMIT = _code(
    "MAX_RECURSION_LIMIT", 400, "The document nests brackets deeper than limits.max_recursion (parser guard)."
)

# Persisted queries (automatic persisted queries and the trusted-documents manifest)
PERSISTED_QUERY_NOT_FOUND = _code(
    "PERSISTED_QUERY_NOT_FOUND", 200, "The hash is unknown; the client should resend it with the query text."
)
PERSISTED_QUERY_NOT_SUPPORTED = _code(
    "PERSISTED_QUERY_NOT_SUPPORTED", 400, "A persisted query hash was sent but APQ is off."
)
PERSISTED_QUERY_HASH_MISMATCH = _code(
    "PERSISTED_QUERY_HASH_MISMATCH", 400, "The query text does not hash to the sha256Hash sent with it."
)
PERSISTED_QUERY_NOT_IN_LIST = _code(
    "PERSISTED_QUERY_NOT_IN_LIST", 400, "Safelisting is on and the document is not in the trusted manifest."
)
PERSISTED_QUERY_ID_REQUIRED = _code(
    "PERSISTED_QUERY_ID_REQUIRED", 400, "Only manifest ids are accepted; the request sent a document text."
)

# Authentication, authorization, demand control
UNAUTHENTICATED = _code(
    "UNAUTHENTICATED", 401, "A token was sent but does not verify (signature, expiry, issuer, audience, key)."
)
UNAUTHORIZED_FIELD_OR_TYPE = _code(
    "UNAUTHORIZED_FIELD_OR_TYPE",
    403,
    "A field or type the token may not see; filtered to null (status 200) or, in reject mode, refused.",
)
COST_ESTIMATED_TOO_EXPENSIVE = _code(
    "COST_ESTIMATED_TOO_EXPENSIVE", 400, "The operation's estimated cost exceeds demand_control.max_cost."
)

# Execution
SUBREQUEST_HTTP_ERROR = _code(
    "SUBREQUEST_HTTP_ERROR", 200, "A subgraph could not be reached or answered with a non-GraphQL response."
)
SUBREQUEST_MALFORMED_RESPONSE = _code(
    "SUBREQUEST_MALFORMED_RESPONSE", 200, "A subgraph answered with something that is not a GraphQL response."
)
DOWNSTREAM_SERVICE_ERROR = _code(
    "DOWNSTREAM_SERVICE_ERROR", 200, "A subgraph reported an error; its message is passed on."
)
NON_NULL_VIOLATION = _code("NON_NULL_VIOLATION", 200, "A non-null field resolved to null.")
INVALID_ENUM_VALUE = _code("INVALID_ENUM_VALUE", 200, "A subgraph returned an enum value the API schema lacks.")
QUERY_PLANNING_FAILED = _code("QUERY_PLANNING_FAILED", 500, "The planner could not plan a valid operation.")
INTERNAL_SERVER_ERROR = _code("INTERNAL_SERVER_ERROR", 500, "A bug in the gateway; the message says where.")

# Supergraph
SUPERGRAPH_INVALID = _code("SUPERGRAPH_INVALID", 500, "The supergraph SDL cannot be served.")
UNSUPPORTED_FEATURE = _code(
    "UNSUPPORTED_FEATURE", 500, "The supergraph links a feature for SECURITY or EXECUTION that we do not know."
)


def registry() -> dict[str, ErrorCode]:
    """All codes, for documentation and for the test that keeps the README table complete."""
    return dict(_REGISTRY)


def status_of(code: str) -> int:
    entry = _REGISTRY.get(code)
    return entry.status if entry else 500


def graphql_error(
    message: str,
    code: str,
    *,
    path: list[str | int] | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A GraphQL error entry as it goes into a response's ``errors`` list."""
    ext: dict[str, Any] = {"code": code}
    if extensions:
        ext.update(extensions)
    err: dict[str, Any] = {"message": message}
    if path is not None:
        err["path"] = path
    err["extensions"] = ext
    return err


class GatewayError(Exception):
    """Base of the gateway's own exceptions."""

    code: str = INTERNAL_SERVER_ERROR

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0])

    def to_graphql(self) -> dict[str, Any]:
        return graphql_error(self.message, self.code)


class RequestError(GatewayError):
    """The request is refused before any subgraph is called; carries the HTTP status to answer with."""

    code = BAD_REQUEST

    def __init__(self, message: str, code: str | None = None, *, errors: list[dict[str, Any]] | None = None):
        super().__init__(message, code)
        self.errors = errors

    @property
    def status(self) -> int:
        return status_of(self.code)

    def graphql_errors(self) -> list[dict[str, Any]]:
        return self.errors if self.errors is not None else [self.to_graphql()]


class SupergraphError(GatewayError):
    """The supergraph cannot be loaded; raised at start-up or reload, never while serving."""

    code = SUPERGRAPH_INVALID
