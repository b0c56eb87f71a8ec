"""Processors: the Faust app that turns raw topics into derived Avro topics."""
