"""The embedded local stack: Kafka (KRaft) and Apicurio Registry from Maven Central jars."""
