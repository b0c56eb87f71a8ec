"""The Avro schemas of ddeflow's derived topics (``*.avsc``), shipped as package data."""
