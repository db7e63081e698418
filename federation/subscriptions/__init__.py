"""Subscriptions: events from the subgraph that owns the root field, completed by the query planner's
entity fetches per event, delivered over WebSocket (graphql-transport-ws), SSE or multipart HTTP.

    protocol   graphql-transport-ws: message types and close codes, one reading of a message
    subgraph   the client side: one subscription to a subgraph over WebSocket
    feed       one subgraph subscription and its per-event execution, shared by identical
               subscriptions; the hub that admits them (limits), ends them on reload and at shutdown
    websocket  the server side: a client's WebSocket connection on the GraphQL path
    held       a stream that lets go of what it holds once, however it ends

The road (``federation.pipeline.road.subscribe``) runs stages 1-7 as for any request, then opens
the feed; the HTTP layer streams its events (SSE, multipart), the WebSocket session sends them as
``next`` messages.
"""
