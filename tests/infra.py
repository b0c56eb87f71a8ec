"""The test session's real broker and registry; the choice lives in ``ddeflow.harness.infra``."""

from ddeflow.harness.infra import Infra, docker_answers, local_stack_settings, real_infra

__all__ = ["Infra", "docker_answers", "local_stack_settings", "real_infra"]
