"""Which operation of a document a request runs (spec 6.1, GetOperation)."""

from __future__ import annotations

from graphql import DocumentNode, OperationDefinitionNode

from federation.errors import OPERATION_RESOLUTION_FAILURE, RequestError


def find_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation a request runs, or None when there is no single answer (see ``select_operation``)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        return next((o for o in operations if o.name and o.name.value == operation_name), None)
    return operations[0] if len(operations) == 1 else None


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    """The operation a request runs; a request error saying why when there is none."""
    found = find_operation(document, operation_name)
    if found is not None:
        return found
    if operation_name:
        raise RequestError(f'Unknown operation named "{operation_name}".', OPERATION_RESOLUTION_FAILURE)
    if not any(isinstance(d, OperationDefinitionNode) for d in document.definitions):
        raise RequestError("The document contains no operation.", OPERATION_RESOLUTION_FAILURE)
    raise RequestError(
        "Must provide operation name if query contains multiple operations.", OPERATION_RESOLUTION_FAILURE
    )
