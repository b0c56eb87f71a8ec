"""The one place naming the Kafka and Apicurio Registry versions ddeflow runs against.

``ddeflow local`` fetches these jars from Maven Central (overridable with
``DDEFLOW_KAFKA_VERSION`` / ``DDEFLOW_APICURIO_VERSION``), the tests' containers
use these images, and ``docker-compose.yml`` names the same tags
(``tests/foundation/test_versions.py`` checks that it does).
"""

from __future__ import annotations

from typing import Final

KAFKA_VERSION: Final = "4.3.1"
APICURIO_VERSION: Final = "3.3.3"

KAFKA_IMAGE: Final = f"apache/kafka:{KAFKA_VERSION}"
APICURIO_IMAGE: Final = f"apicurio/apicurio-registry:{APICURIO_VERSION}"
