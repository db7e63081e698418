"""``make bench``: the gateway under load, alone on the demo subgraphs and side by side with peers.

``run.py`` is the entry point; ``README.md`` says what is measured and how to read it.
"""
