"""ddeflow: stream processing on Kafka for the DDE live sports feed."""
