"""The client's operation, checked against the API schema and normalised for planning and shaping."""
