"""Durable jobs: the state machine, the runner, progress events, and the backends that run them."""
