"""What ``ddeflow new-processor NAME --sport S`` writes: a package with the processor, its schema and a kit test.  Pure.

Layout under the target folder (``pyproject.toml`` only when there is none yet; otherwise the entry point to add
is printed)::

    pyproject.toml               the package, with the ddeflow.processors entry point
    <module>/__init__.py         the processor (a counter of applied packets per fixture, to edit)
    <module>/<module>.avsc       its records' schema
    test_<module>.py             a passing test on the test kit (``ddeflow.processors.testkit``)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ddeflow.dde import Sport
from ddeflow.errors import ProcessorError
from ddeflow.processors.api import Stream

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


@dataclass(frozen=True, slots=True)
class Scaffold:
    name: str
    module: str
    topic: str
    files: dict[str, str]
    """Relative path → text."""
    entry_point: str
    """The ``[project.entry-points."ddeflow.processors"]`` line."""

    def next_steps(self, folder: str, wrote_pyproject: bool) -> str:
        add = (
            ""
            if wrote_pyproject
            else (
                f'  0. add to your pyproject.toml:\n     [project.entry-points."ddeflow.processors"]\n'
                f"     {self.entry_point}\n"
            )
        )
        return (
            f"wrote processor {self.name} (topic {self.topic}) in {folder}\n"
            "next steps:\n"
            f"{add}"
            f"  1. run its test:            cd {folder} && pytest test_{self.module}.py\n"
            f"  2. edit {self.module}/__init__.py (the handler) and {self.module}/{self.module}.avsc (the records)\n"
            f"  3. install it beside ddeflow: pip install -e {folder}\n"
            f"  4. check it is found:       ddeflow processors list\n"
            "  5. run the pipeline:         ddeflow process   (it creates the topic and registers the schema)\n"
            f"  6. watch its records:       ddeflow tail {self.topic} --from-beginning\n"
            "  see docs/processors.md for the event types, state, errors and schema evolution"
        )


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def scaffold(name: str, sport: Sport, stream: Stream = Stream.ACTIONS) -> Scaffold:
    if not _NAME.match(name):
        raise ProcessorError(f"processor name {name!r}: use lower case letters, digits and dashes, from a letter")
    if stream is Stream.STATISTICS and sport is not Sport.SNOOKER:
        raise ProcessorError("only snooker has a statistics stream the generator (and the test kit) can play")
    module = name.replace("-", "_")
    topic = f"dde.{name}"
    record = _camel(name)
    actions = stream is Stream.ACTIONS
    event_type = "ActionEvent" if actions else "StatisticsEvent"
    declaration = "ActionsProcessor" if actions else "StatisticsProcessor"
    schema = f"""{{
  "type": "record",
  "name": "{record}",
  "namespace": "{module}.v1",
  "doc": "Records of the {name} processor. Topic {topic}, key fixtureId.",
  "fields": [
    {{"name": "fixtureId", "type": "string", "doc": "The fixture."}},
    {{"name": "seqNum", "type": "long", "doc": "The packet's sequence number (fixtureSeqNum or seqNum)."}},
    {{"name": "count", "type": "long", "doc": "Applied packets of the fixture so far, this one included."}}
  ]
}}
"""
    names = ", ".join([*sorted([event_type, "Json", "Sport", declaration, "Step"]), "schema_beside"])
    code = f'''"""The {name} processor: one record per applied {stream.value} packet of {sport.value}, with a count."""

from __future__ import annotations

from ddeflow.processors.api import {names}


def handle(event: {event_type}, state: Json) -> Step:
    """Called once per packet, in order; ``state`` is what this returned last time for the fixture (None first)."""
    if not event.applied:  # a duplicate or stale packet: nothing new
        return Step(state=state)
    count = (state if isinstance(state, int) else 0) + 1
    record = {{"fixtureId": event.fixture_id, "seqNum": event.packet.seq_num, "count": count}}
    return Step(records=[record], state=count)


PROCESSOR = {declaration}(
    name="{name}",
    sports=frozenset({{Sport.{sport.name}}}),
    topic="{topic}",
    key="fixtureId",
    schema=schema_beside(__file__, "{module}.avsc"),
    handle=handle,
)
'''
    feed = (
        f'kit.match("{sport.value}", seed=1)'
        if actions
        else f'kit.match("{sport.value}", seed=1)  # its actions, then its statistics'
    )
    test = f'''"""{name} on the test kit: no broker, the worker's own dedupe and lifecycle."""

from ddeflow.processors.testkit import Kit

from {module} import PROCESSOR


def test_one_record_per_applied_packet_with_a_running_count() -> None:
    kit = Kit(PROCESSOR)
    {feed}
    values = kit.values("{topic}")
    assert values, "a generated match gives records"
    assert [v["count"] for v in values] == list(range(1, len(values) + 1))
    assert kit.state("{name}", values[-1]["fixtureId"]{", PROCESSOR.stream" if not actions else ""}) == len(values)


def test_a_packet_delivered_twice_counts_once() -> None:
    kit = Kit(PROCESSOR)
    {feed}
    before = len(kit.records())
    {feed}  # the same match again: every packet is a duplicate now
    assert len(kit.records()) == before
'''
    entry_point = f'{name} = "{module}:PROCESSOR"'
    pyproject = f"""[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "0.1.0"
description = "The {name} processor for ddeflow"
requires-python = ">=3.11"

[project.entry-points."ddeflow.processors"]
{entry_point}

[tool.setuptools]
packages = ["{module}"]

[tool.setuptools.package-data]
{module} = ["*.avsc"]
"""
    files = {
        "pyproject.toml": pyproject,
        f"{module}/__init__.py": code,
        f"{module}/{module}.avsc": schema,
        f"test_{module}.py": test,
    }
    return Scaffold(name, module, topic, files, entry_point)
