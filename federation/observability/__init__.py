"""What operators watch: Prometheus metrics (and, in the HTTP layer, access logs and health)."""
