"""The schema registry: subgraph schemas per variant, composition and checks."""
