"""Processors: the transactional worker that turns raw topics into derived Avro topics."""
