"""A local DDE: deterministic match generation and a websocket + REST server."""
