"""Running a query plan: batched subgraph fetches, merged into one response tree, shaped for the client."""
