"""Running the app: Prometheus metrics, JSON logs, process memory settings."""
