"""Field usage reported to the schema registry, off the request path.

``coordinates``: the schema coordinates one operation uses (once per prepared document);
``aggregate``: counts per minute, operation and client, bounded; ``reporter``: the background task
that sends them (``POST {url}/v1/usage``). See the README's "Usage reporting".
"""
