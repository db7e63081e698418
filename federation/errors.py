"""Stable error codes, in one place.

Every error the gateway puts in a GraphQL response carries ``extensions.code`` from this registry.
Codes follow the names Apollo's gateways use where one exists, so client tooling that matches on
them keeps working. Add a code here, with its meaning and HTTP status, before using it anywhere.

The gateway's exceptions, all defined below, form one tree:

    GatewayError
     ├── RequestError          refused before any subgraph is called (bad HTTP, parse, validation,
     │                         limits, authentication, authorization, cost); carries its HTTP status
     ├── SupergraphError       a supergraph we cannot serve; at start or reload, never per request
     │    └── RegistryPollError  a poll of the schema registry gave no supergraph (unreachable,
     │                         refused with the registry's code, or an answer that is not one)
     ├── ConfigError           gateway.yaml or a FEDERATION_* variable is not valid; names the key
     ├── RoverConfigError      a Rover supergraph.yaml is malformed, or a subgraph schema it names
     │                         cannot be read or fetched (composition's input)
     ├── CompositionFailed     stops a composition pass; its issues are reported, never the traceback
     ├── PlanningError         no combination of subgraph fetches answers the operation
     ├── FetchFailure          one subgraph call failed; execution turns it into a response error
     ├── SubgraphStreamError   a subgraph's subscription could not be opened, failed or broke off;
     │                         the client's subscription ends with it (SUBSCRIPTION_STREAM_FAILED)
     ├── ProtocolViolation     a graphql-transport-ws message breaks the protocol; carries the close
     │                         code the reading side closes the WebSocket with
     ├── RegistryError         the schema registry refuses a request (auth, names, not found, store
     │                         down); carries a stable code, answered as a typed error, never a 500
     └── TransportError        one HTTP exchange with a subgraph replica failed (below FetchFailure)
          ├── ConnectFailed    nothing was sent: another replica may be tried, even for a mutation
          │    └── ConnectTimeout
          ├── TlsFailed        TLS failed: an untrusted certificate, or a client certificate refused
          ├── TimedOut         no whole answer within the timeout
          ├── QueueFull        every connection busy and the queue for them full: failed at once
          ├── ConnectionLost   the connection closed before the whole answer arrived
          ├── MalformedResponse  the bytes were not HTTP
          └── ResponseTooLarge   the answer outgrew max_response_bytes; its connection was closed

Control-flow signals that never leave their package are not part of it (the HTTP layer's
``ClientDisconnected``, composition's ``FieldSetError``, the shaper's ``_NeedsCare``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from federation.composition.result import CompositionIssue


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
REQUEST_HEADERS_TOO_LARGE = _code(
    "REQUEST_HEADERS_TOO_LARGE", 431, "The request's headers together are larger than http.max_header_bytes."
)
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
GATEWAY_NOT_READY = _code("GATEWAY_NOT_READY", 503, "No supergraph is loaded yet; try again shortly.")

# Operation limits (each violation its own code, answered 400 before planning)
MAX_DEPTH_LIMIT = _code("MAX_DEPTH_LIMIT", 400, "The operation nests fields deeper than limits.max_depth.")
MAX_HEIGHT_LIMIT = _code("MAX_HEIGHT_LIMIT", 400, "More unique fields than limits.max_height.")
MAX_ALIASES_LIMIT = _code("MAX_ALIASES_LIMIT", 400, "More aliases than limits.max_aliases.")
MAX_ROOT_FIELDS_LIMIT = _code(
    "MAX_ROOT_FIELDS_LIMIT", 400, "The operation selects more root fields than limits.max_root_fields."
)
MAX_TOKENS_LIMIT = _code("MAX_TOKENS_LIMIT", 400, "More lexical tokens than limits.max_tokens.")
MAX_DEFINITIONS_LIMIT = _code(
    "MAX_DEFINITIONS_LIMIT", 400, "More operations and fragments in one document than limits.max_definitions."
)
MAX_EXPANDED_FIELDS_LIMIT = _code(
    "MAX_EXPANDED_FIELDS_LIMIT", 400, "More fields, fragments expanded, than limits.max_expanded_fields."
)
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
    "UNAUTHENTICATED", 401,
    "A token was sent but does not verify (signature, expiry, issuer, audience, key); registry: missing or unknown.",
)
UNAUTHORIZED_FIELD_OR_TYPE = _code(
    "UNAUTHORIZED_FIELD_OR_TYPE",
    403,
    "A field or type the token may not see; filtered to null (status 200) or, in reject mode, refused.",
)
SLICING_ARGUMENT_REQUIRED = _code(
    "SLICING_ARGUMENT_REQUIRED", 400,
    "A list field with @listSize(requireOneSlicingArgument: true) got no slicing argument, or several.",
)
COST_ESTIMATED_TOO_EXPENSIVE = _code(
    "COST_ESTIMATED_TOO_EXPENSIVE", 400, "The operation's estimated cost exceeds demand_control.max_cost."
)
RATE_LIMITED = _code(
    "RATE_LIMITED", 429, "The client used up its rate_limit budget; retry after the Retry-After header's seconds."
)

# Execution
SUBREQUEST_HTTP_ERROR = _code(
    "SUBREQUEST_HTTP_ERROR", 200, "A subgraph could not be reached or answered with a non-GraphQL response."
)
SUBREQUEST_TLS_ERROR = _code(
    "SUBREQUEST_TLS_ERROR", 200,
    "TLS with a subgraph failed: its certificate is not trusted (subgraphs.<name>.tls.ca_file) or it refused "
    "the gateway's client certificate (tls.cert_file); verification is never turned off.",
)
SUBREQUEST_MALFORMED_RESPONSE = _code(
    "SUBREQUEST_MALFORMED_RESPONSE", 200, "A subgraph answered with something that is not a GraphQL response."
)
SUBREQUEST_RESPONSE_TOO_LARGE = _code(
    "SUBREQUEST_RESPONSE_TOO_LARGE", 200,
    "A subgraph's answer was larger than its max_response_bytes; the rest was not read.",
)
SUBREQUEST_CIRCUIT_OPEN = _code(
    "SUBREQUEST_CIRCUIT_OPEN", 200,
    "The subgraph's circuit breaker is open after repeated failures; the fetch was not sent.",
)
REQUEST_DEADLINE_EXCEEDED = _code(
    "REQUEST_DEADLINE_EXCEEDED", 200,
    "The request's traffic.request_timeout ran out before this subgraph fetch finished.",
)
DOWNSTREAM_SERVICE_ERROR = _code(
    "DOWNSTREAM_SERVICE_ERROR", 200, "A subgraph reported an error; its message is passed on."
)
NON_NULL_VIOLATION = _code("NON_NULL_VIOLATION", 200, "A non-null field resolved to null.")
INVALID_ABSTRACT_TYPE = _code(
    "INVALID_ABSTRACT_TYPE", 200, "A subgraph returned an object whose type clients cannot see (e.g. @inaccessible)."
)
INVALID_ENUM_VALUE = _code("INVALID_ENUM_VALUE", 200, "A subgraph returned an enum value the API schema lacks.")
QUERY_PLANNING_FAILED = _code("QUERY_PLANNING_FAILED", 500, "The planner could not plan a valid operation.")
INTERNAL_SERVER_ERROR = _code("INTERNAL_SERVER_ERROR", 500, "A bug in the gateway; the message says where.")

# Subscriptions (federation/subscriptions/)
SUBSCRIPTION_NEEDS_STREAM = _code(
    "SUBSCRIPTION_NEEDS_STREAM", 406,
    'A subscription over HTTP needs Accept: multipart/mixed;subscriptionSpec="1.0" or text/event-stream '
    "(or a WebSocket).",
)
SUBSCRIPTIONS_DISABLED = _code("SUBSCRIPTIONS_DISABLED", 400, "subscriptions.enabled is false.")
SUBSCRIPTION_LIMIT = _code(
    "SUBSCRIPTION_LIMIT", 429,
    "subscriptions.max_per_connection (this WebSocket) or subscriptions.max_total (the gateway) are running.",
)
SUBSCRIPTION_STREAM_FAILED = _code(
    "SUBSCRIPTION_STREAM_FAILED", 502,
    "The subgraph's subscription could not be opened, failed, or closed without completing: the subscription ends.",
)
SUBSCRIPTION_SUPERGRAPH_CHANGED = _code(
    "SUBSCRIPTION_SUPERGRAPH_CHANGED", 503,
    "The supergraph was reloaded and subscriptions.on_reload is close: the subscription ends; subscribe again.",
)
SUBSCRIPTION_TOO_SLOW = _code(
    "SUBSCRIPTION_TOO_SLOW", 503,
    "The client fell subscriptions.max_queued_events behind: the subscription ends.",
)
SUBSCRIPTION_TOKEN_EXPIRED = _code(
    "SUBSCRIPTION_TOKEN_EXPIRED", 401,
    "The token the subscription was started with expired (its exp, plus authentication.leeway): the subscription "
    "ends; subscribe again with a fresh token.",
)
SUBSCRIPTION_SHUT_DOWN = _code(
    "SUBSCRIPTION_SHUT_DOWN", 503, "The gateway is shutting down: the subscription completes; subscribe again.",
)

# Supergraph
SUPERGRAPH_INVALID = _code("SUPERGRAPH_INVALID", 500, "The supergraph SDL cannot be served.")
UNSUPPORTED_FEATURE = _code(
    "UNSUPPORTED_FEATURE", 500, "The supergraph links a feature for SECURITY or EXECUTION that we do not know."
)


# Composition (subgraph schemas -> supergraph); the status is what a registry answers a rejected push with.
_C = 400
INVALID_GRAPHQL = _code("INVALID_GRAPHQL", _C, "A subgraph schema does not parse or is not valid GraphQL.")
INVALID_SUBGRAPH_NAME = _code("INVALID_SUBGRAPH_NAME", _C, "A subgraph name is empty, reserved or repeated.")
INVALID_LINK_DIRECTIVE_USAGE = _code("INVALID_LINK_DIRECTIVE_USAGE", _C, "A @link application is malformed.")
INVALID_LINK_IDENTIFIER = _code("INVALID_LINK_IDENTIFIER", _C, "A @link url names no feature (no path, or no version).")
UNKNOWN_FEDERATION_LINK_VERSION = _code(
    "UNKNOWN_FEDERATION_LINK_VERSION", _C, "The federation spec version in @link is not one we support."
)
TYPE_KIND_MISMATCH = _code(
    "TYPE_KIND_MISMATCH", _C, "A type is declared with different kinds in two subgraphs."
)
EXTENSION_WITH_NO_BASE = _code("EXTENSION_WITH_NO_BASE", _C, "A type extension has no definition anywhere.")
ROOT_QUERY_USED = _code("ROOT_QUERY_USED", _C, "A type named Query is not the query root of its subgraph.")
ROOT_MUTATION_USED = _code("ROOT_MUTATION_USED", _C, "A type named Mutation is not the mutation root.")
NO_QUERIES = _code("NO_QUERIES", _C, "No subgraph defines a field on the query root.")
KEY_FIELDS_HAS_ARGS = _code("KEY_FIELDS_HAS_ARGS", _C, "A @key selects a field that takes arguments.")
KEY_FIELDS_SELECT_INVALID_TYPE = _code(
    "KEY_FIELDS_SELECT_INVALID_TYPE", _C, "A @key selects a list, interface or union field."
)
KEY_INVALID_FIELDS = _code(
    "KEY_INVALID_FIELDS", _C, "A @key field set does not parse or names unknown fields."
)
KEY_DIRECTIVE_IN_FIELDS_ARG = _code("KEY_DIRECTIVE_IN_FIELDS_ARG", _C, "A @key field set applies directives.")
PROVIDES_DIRECTIVE_IN_FIELDS_ARG = _code(
    "PROVIDES_DIRECTIVE_IN_FIELDS_ARG", _C, "A @provides field set applies directives."
)
REQUIRES_DIRECTIVE_IN_FIELDS_ARG = _code(
    "REQUIRES_DIRECTIVE_IN_FIELDS_ARG", _C, "A @requires field set applies directives."
)
KEY_UNSUPPORTED_ON_INTERFACE = _code(
    "KEY_UNSUPPORTED_ON_INTERFACE", _C, "@key on an interface needs federation 2.3 or later."
)
PROVIDES_INVALID_FIELDS = _code("PROVIDES_INVALID_FIELDS", _C, "A @provides field set is invalid.")
PROVIDES_FIELDS_MISSING_EXTERNAL = _code(
    "PROVIDES_FIELDS_MISSING_EXTERNAL", _C, "@provides names a field that is not @external."
)
PROVIDES_ON_NON_OBJECT_FIELD = _code(
    "PROVIDES_ON_NON_OBJECT_FIELD",
    _C,
    "@provides on a field whose type is not an object, interface or union.",
)
PROVIDES_FIELDS_HAS_ARGS = _code("PROVIDES_FIELDS_HAS_ARGS", _C, "@provides selects a field with arguments.")
REQUIRES_INVALID_FIELDS = _code("REQUIRES_INVALID_FIELDS", _C, "A @requires field set is invalid.")
REQUIRES_FIELDS_MISSING_EXTERNAL = _code(
    "REQUIRES_FIELDS_MISSING_EXTERNAL", _C, "@requires names a field that is not @external."
)
EXTERNAL_UNUSED = _code(
    "EXTERNAL_UNUSED", _C, "An @external field is used by no @key, @requires or @provides."
)
EXTERNAL_TYPE_MISMATCH = _code(
    "EXTERNAL_TYPE_MISMATCH", _C, "An @external field's type differs from the field that resolves it."
)
EXTERNAL_MISSING_ON_BASE = _code(
    "EXTERNAL_MISSING_ON_BASE", _C, "An @external field is resolved by no subgraph at all."
)
EXTERNAL_ARGUMENT_MISSING = _code(
    "EXTERNAL_ARGUMENT_MISSING", _C, "An @external field lacks an argument of the field it refers to."
)
EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE = _code(
    "EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE", _C, "@external together with @provides on the same field."
)
MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL = _code(
    "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL", _C, "A directive kept in the supergraph is on an @external field."
)
EXTERNAL_ON_INTERFACE = _code("EXTERNAL_ON_INTERFACE", _C, "@external on an interface field.")
INVALID_FIELD_SHARING = _code(
    "INVALID_FIELD_SHARING", _C, "A field resolved by several subgraphs is not @shareable in all of them."
)
INVALID_SHAREABLE_USAGE = _code("INVALID_SHAREABLE_USAGE", _C, "@shareable where it has no meaning.")
FIELD_TYPE_MISMATCH = _code("FIELD_TYPE_MISMATCH", _C, "A field has incompatible types in two subgraphs.")
FIELD_ARGUMENT_TYPE_MISMATCH = _code(
    "FIELD_ARGUMENT_TYPE_MISMATCH", _C, "An argument has incompatible types in two subgraphs."
)
FIELD_ARGUMENT_DEFAULT_MISMATCH = _code(
    "FIELD_ARGUMENT_DEFAULT_MISMATCH", _C, "An argument has different default values in two subgraphs."
)
INPUT_FIELD_DEFAULT_MISMATCH = _code(
    "INPUT_FIELD_DEFAULT_MISMATCH", _C, "An input field has different default values in two subgraphs."
)
REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH = _code(
    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
    _C,
    "A required argument is absent from the field elsewhere.",
)
REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH = _code(
    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH", _C, "A required input field is absent elsewhere."
)
EMPTY_MERGED_INPUT_TYPE = _code("EMPTY_MERGED_INPUT_TYPE", _C, "No input field is common to all subgraphs.")
EMPTY_MERGED_ENUM_TYPE = _code("EMPTY_MERGED_ENUM_TYPE", _C, "An enum used as input shares no value.")
ENUM_VALUE_MISMATCH = _code(
    "ENUM_VALUE_MISMATCH", _C, "An enum used as input and output has different values in two subgraphs."
)
OVERRIDE_SOURCE_HAS_OVERRIDE = _code(
    "OVERRIDE_SOURCE_HAS_OVERRIDE", _C, "A field is overridden from a subgraph that itself overrides it."
)
OVERRIDE_FROM_SELF_ERROR = _code("OVERRIDE_FROM_SELF_ERROR", _C, "@override names its own subgraph.")
OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE = _code(
    "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE", _C, "@override together with @external (or similar)."
)
OVERRIDE_ON_INTERFACE = _code("OVERRIDE_ON_INTERFACE", _C, "@override on an interface field.")
OVERRIDE_LABEL_INVALID = _code("OVERRIDE_LABEL_INVALID", _C, "An @override label is not a valid label.")
INTERFACE_FIELD_NO_IMPLEM = _code(
    "INTERFACE_FIELD_NO_IMPLEM", _C, "A type implementing an interface lacks one of its fields."
)
INTERFACE_OBJECT_USAGE_ERROR = _code(
    "INTERFACE_OBJECT_USAGE_ERROR", _C, "@interfaceObject on a type that is no entity interface elsewhere."
)
INTERFACE_KEY_NOT_ON_IMPLEMENTATION = _code(
    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION", _C, "An implementation lacks the @key of its entity interface."
)
INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE = _code(
    "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
    _C,
    "A subgraph with an entity interface lacks an implementation.",
)
SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES = _code(
    "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES", _C, "A shared abstract field has different possible types."
)
REFERENCED_INACCESSIBLE = _code(
    "REFERENCED_INACCESSIBLE", _C, "An accessible element has a type that is @inaccessible."
)
ONLY_INACCESSIBLE_CHILDREN = _code(
    "ONLY_INACCESSIBLE_CHILDREN", _C, "Every field (or value, member) of an accessible type is @inaccessible."
)
QUERY_ROOT_TYPE_INACCESSIBLE = _code("QUERY_ROOT_TYPE_INACCESSIBLE", _C, "The query root is @inaccessible.")
CONTEXT_NOT_SET = _code("CONTEXT_NOT_SET", _C, "@fromContext names a context no type sets.")
SATISFIABILITY_ERROR = _code(
    "SATISFIABILITY_ERROR", _C, "Some query the supergraph allows cannot be resolved by the subgraphs."
)
SUBGRAPH_FETCH_FAILED = _code("SUBGRAPH_FETCH_FAILED", _C, "A subgraph_url source did not return its SDL.")
COMPOSITION_CONFIG_INVALID = _code("COMPOSITION_CONFIG_INVALID", _C, "A supergraph.yaml is malformed.")
UNKNOWN_LINK_VERSION = _code("UNKNOWN_LINK_VERSION", _C, "The link spec version in @link is not v1.0.")
DIRECTIVE_DEFINITION_INVALID = _code(
    "DIRECTIVE_DEFINITION_INVALID", _C, "A subgraph's own definition of a federation directive does not fit the spec's."
)
DIRECTIVE_COMPOSITION_ERROR = _code(
    "DIRECTIVE_COMPOSITION_ERROR",
    _C,
    "A @composeDirective names no usable custom directive, or subgraphs compose it inconsistently.",
)
TYPE_DEFINITION_INVALID = _code(
    "TYPE_DEFINITION_INVALID",
    _C,
    "A subgraph's own definition of a federation type (FieldSet, ...) does not fit the spec's.",
)
KEY_INVALID_FIELDS_TYPE = _code("KEY_INVALID_FIELDS_TYPE", _C, "A @key fields argument is not a string.")
PROVIDES_INVALID_FIELDS_TYPE = _code("PROVIDES_INVALID_FIELDS_TYPE", _C, "A @provides fields argument is not a string.")
REQUIRES_INVALID_FIELDS_TYPE = _code("REQUIRES_INVALID_FIELDS_TYPE", _C, "A @requires fields argument is not a string.")
PROVIDES_UNSUPPORTED_ON_INTERFACE = _code("PROVIDES_UNSUPPORTED_ON_INTERFACE", _C, "@provides on an interface field.")
REQUIRES_UNSUPPORTED_ON_INTERFACE = _code("REQUIRES_UNSUPPORTED_ON_INTERFACE", _C, "@requires on an interface field.")
ROOT_SUBSCRIPTION_USED = _code("ROOT_SUBSCRIPTION_USED", _C, "A type named Subscription is not the subscription root.")
REQUIRED_INACCESSIBLE = _code("REQUIRED_INACCESSIBLE", _C, "A required argument or input field is @inaccessible.")
DEFAULT_VALUE_USES_INACCESSIBLE = _code(
    "DEFAULT_VALUE_USES_INACCESSIBLE", _C, "A default value in the API schema uses an @inaccessible enum value."
)
IMPLEMENTED_BY_INACCESSIBLE = _code(
    "IMPLEMENTED_BY_INACCESSIBLE", _C, "An @inaccessible field implements an interface field of the API schema."
)
AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE = _code(
    "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE",
    _C,
    "@authenticated, @requiresScopes or @policy on an interface or @interfaceObject.",
)
MISSING_TRANSITIVE_AUTH_REQUIREMENTS = _code(
    "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
    _C,
    "A @requires field lacks the auth requirements of the fields it requires.",
)
LINK_IMPORT_NAME_MISMATCH = _code(
    "LINK_IMPORT_NAME_MISMATCH",
    _C,
    "Subgraphs import a federation directive kept in the supergraph under different names.",
)
COST_APPLIED_TO_INTERFACE_FIELD = _code("COST_APPLIED_TO_INTERFACE_FIELD", _C, "@cost on an interface field.")
LIST_SIZE_APPLIED_TO_NON_LIST = _code(
    "LIST_SIZE_APPLIED_TO_NON_LIST", _C, "@listSize on a field that is not a list (or a sized field that is not)."
)
LIST_SIZE_INVALID_ASSUMED_SIZE = _code("LIST_SIZE_INVALID_ASSUMED_SIZE", _C, "A @listSize assumedSize is negative.")
LIST_SIZE_INVALID_SLICING_ARGUMENT = _code(
    "LIST_SIZE_INVALID_SLICING_ARGUMENT", _C, "A @listSize slicing argument is not an Int argument of the field."
)
LIST_SIZE_INVALID_SIZED_FIELD = _code(
    "LIST_SIZE_INVALID_SIZED_FIELD", _C, "A @listSize sized field is not a field of the returned object."
)
# Hints: composition succeeded, but something may be a mistake.
HINT_INCONSISTENT_DESCRIPTION = _code(
    "INCONSISTENT_DESCRIPTION", 200, "Subgraphs describe an element differently."
)
HINT_FROM_SUBGRAPH_DOES_NOT_EXIST = _code(
    "FROM_SUBGRAPH_DOES_NOT_EXIST", 200, "@override names a subgraph that is not part of the composition."
)
HINT_OVERRIDDEN_FIELD_CAN_BE_REMOVED = _code(
    "OVERRIDDEN_FIELD_CAN_BE_REMOVED", 200, "An overridden field is no longer used by its old subgraph."
)
HINT_INCONSISTENT_ARGUMENT_PRESENCE = _code(
    "INCONSISTENT_ARGUMENT_PRESENCE",
    200,
    "An optional argument is missing in some subgraphs and was dropped.",
)
HINT_INCONSISTENT_INPUT_OBJECT_FIELD = _code(
    "INCONSISTENT_INPUT_OBJECT_FIELD",
    200,
    "An optional input field is missing in some subgraphs and was dropped.",
)
HINT_INCONSISTENT_ENUM_VALUE = _code(
    "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM",
    200,
    "An input enum value is missing in some subgraphs and was dropped.",
)
HINT_INCONSISTENT_TYPE = _code(
    "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE", 200, "Subgraphs type a field differently."
)

# Schema registry (``federation registry serve``, its GraphQL API and the gateways' poll endpoint).
# BAD_REQUEST, PAYLOAD_TOO_LARGE and UNAUTHENTICATED above are answered by it too.
NOT_FOUND = _code("NOT_FOUND", 404, "The registry serves nothing at this path.")
FORBIDDEN = _code("FORBIDDEN", 403, "The registry token's role, graph or subgraph does not allow this.")
INVALID_NAME = _code(
    "INVALID_NAME", 400, "A graph, variant or subgraph name does not match [A-Za-z][A-Za-z0-9_-]{0,63}."
)
GRAPH_NOT_FOUND = _code("GRAPH_NOT_FOUND", 404, "The registry has no such graph, or no such variant of it.")
SUBGRAPH_NOT_FOUND = _code("SUBGRAPH_NOT_FOUND", 404, "The variant has no subgraph of that name.")
VERSION_NOT_FOUND = _code("VERSION_NOT_FOUND", 404, "The variant's history has no composition with that id.")
TOKEN_NOT_FOUND = _code("TOKEN_NOT_FOUND", 404, "No registry token has that id.")
NO_SUPERGRAPH = _code("NO_SUPERGRAPH", 404, "The variant exists but nothing has composed yet.")
COMPOSITION_REFUSED = _code(
    "COMPOSITION_REFUSED", 400,
    "The publish or delete would leave subgraphs that do not compose: refused, kept in history, served unchanged.",
)
ROLLBACK_TARGET_INVALID = _code(
    "ROLLBACK_TARGET_INVALID", 400, "The rollback target has no supergraph (it was refused or failed to compose)."
)
REGISTRY_UNAVAILABLE = _code("REGISTRY_UNAVAILABLE", 503, "The registry's database cannot be reached; retry later.")
USAGE_REPORT_INVALID = _code(
    "USAGE_REPORT_INVALID", 400,
    "A usage report (POST /v1/usage) does not have the shape gateways send; nothing stored.",
)
BREAKING_CHANGES = _code(
    "BREAKING_CHANGES", 400,
    "The publish has breaking changes in use (a check would fail) and no approval for its context: refused.",
)
CHECK_NOT_FOUND = _code("CHECK_NOT_FOUND", 404, "No schema check has that id (in that variant).")
APPROVAL_INVALID = _code(
    "APPROVAL_INVALID", 400, "Only a check failed by breaking changes can be approved, for a context."
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


def from_graphql_errors(errors: list[Any], code: str) -> list[dict[str, Any]]:
    """graphql-core's errors (parse, validation, variable coercion) as response entries with ``code``."""
    out = []
    for error in errors:
        formatted = error.formatted
        entry: dict[str, Any] = {"message": formatted["message"]}
        if formatted.get("locations"):
            entry["locations"] = formatted["locations"]
        entry["extensions"] = {"code": code}
        out.append(entry)
    return out


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

    def __init__(self, message: str, code: str | None = None, *, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message, code)
        self.errors = errors
        # HTTP headers the refusal needs (e.g. Retry-After for RATE_LIMITED).
        self.headers = headers or {}

    @property
    def status(self) -> int:
        return status_of(self.code)

    def graphql_errors(self) -> list[dict[str, Any]]:
        return self.errors if self.errors is not None else [self.to_graphql()]


class SubgraphStreamError(GatewayError):
    """A subgraph's subscription could not be opened, failed, or closed without completing."""

    code = SUBSCRIPTION_STREAM_FAILED


class ProtocolViolation(GatewayError):
    """A graphql-transport-ws message that breaks the protocol; ``close_code`` is what the side that
    read it closes the WebSocket with (4400 unless said otherwise)."""

    code = BAD_REQUEST

    def __init__(self, message: str, close_code: int = 4400) -> None:
        super().__init__(message)
        self.close_code = close_code


class SupergraphError(GatewayError):
    """The supergraph cannot be loaded; raised at start-up or reload, never while serving."""

    code = SUPERGRAPH_INVALID


class RegistryPollError(SupergraphError):
    """A poll of the schema registry gave no supergraph. ``outcome`` is how it failed, as counted in
    metrics: ``error`` (the registry refused; ``registry_code`` says why: UNAUTHENTICATED, FORBIDDEN,
    GRAPH_NOT_FOUND, NO_SUPERGRAPH, BAD_REQUEST, REGISTRY_UNAVAILABLE, ...), ``unreachable``
    (connection refused, timed out) or ``garbage`` (not an answer of the protocol, or too large)."""

    def __init__(self, message: str, outcome: str, *, registry_code: str = "",
                 min_delay: float = 0.0) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.registry_code = registry_code
        self.min_delay = min_delay  # the registry's min_delay_seconds, when its answer had one


class ConfigError(GatewayError):
    """The configuration is not valid; the message names the key (and the variable that set it)."""

    def __init__(self, reason: str, key: str = "", *, source: str = "", variable: str = "") -> None:
        self.reason = reason
        # Dotted path of the offending key ("http.cors.origins"), empty when not about one key.
        self.key = key
        self.source = source  # the file the value came from, if any
        self.variable = variable  # the environment variable that set it, if one did
        message = f"{key}: {reason}" if key else reason
        if variable:
            message += f" (set by environment variable {variable})"
        elif source:
            message = f"{source}: {message}"
        super().__init__(message)

    def under(self, prefix: str) -> ConfigError:
        """The same error, its key seen from the enclosing section ``prefix``."""
        key = f"{prefix}.{self.key}" if prefix and self.key else prefix or self.key
        return ConfigError(self.reason, key, source=self.source, variable=self.variable)


class RoverConfigError(GatewayError):
    """A Rover ``supergraph.yaml`` is malformed or names a schema that cannot be read or fetched."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code)


class CompositionFailed(GatewayError):
    """Raised inside a composition pass to stop it; the issues are reported, never the traceback."""

    def __init__(self, issues: list[CompositionIssue]) -> None:
        super().__init__("; ".join(str(i) for i in issues) or "composition failed")
        self.issues = issues


class PlanningError(GatewayError):
    """No combination of subgraph fetches answers the operation."""

    code = QUERY_PLANNING_FAILED


class FetchFailure(GatewayError):
    """One subgraph call failed (down, slow, garbage); execution turns it into a response error."""

    def __init__(self, service: str, message: str, code: str) -> None:
        super().__init__(message, code)
        self.service = service


class RegistryError(GatewayError):
    """The schema registry refuses a request; ``code`` is one of the registry codes above."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code)

    @property
    def status(self) -> int:
        return status_of(self.code)


class TransportError(GatewayError):
    """One HTTP exchange with a subgraph replica failed; the fetcher turns it into a FetchFailure."""

    code = SUBREQUEST_HTTP_ERROR


class ConnectFailed(TransportError):
    pass


class ConnectTimeout(ConnectFailed):
    pass


class TlsFailed(TransportError):
    # Not a ConnectFailed: a refused client certificate (TLS 1.3) shows only after the request was
    # written, so it is never sent elsewhere as "not sent"; nor retried: configuration does not heal.
    code = SUBREQUEST_TLS_ERROR


class TimedOut(TransportError):
    pass


class QueueFull(TransportError):
    pass


class ConnectionLost(TransportError):
    pass


class MalformedResponse(TransportError):
    code = SUBREQUEST_MALFORMED_RESPONSE


class ResponseTooLarge(TransportError):
    code = SUBREQUEST_RESPONSE_TOO_LARGE
