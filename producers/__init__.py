"""Producers: the feed's frames into per-sport raw Kafka topics, byte for byte."""
