"""GraphQL over HTTP: a plain ASGI application in front of the gateway."""

from federation.http.app import ExecutesGraphQL, GatewayApp, GatewayHolder, create_app
from federation.http.types import ASGIApp

__all__ = ["ASGIApp", "ExecutesGraphQL", "GatewayApp", "GatewayHolder", "create_app"]
