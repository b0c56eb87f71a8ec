"""A fingerprint of everything the Transformer emits over a deterministic season slice (a script, not a test).

    .venv/bin/python -m scripts.derived_digest [--fixtures 16] [--statistics 300] [--seed 7]

No broker, no registry: the derived subjects are pre-registered in an in-memory codec.  The slice is generated
(``simulator.generator``), fed as the producers feed it with duplicates, stale re-sends and frames that must be
dead-lettered mixed in, and stamped one minute apart, so finished fixtures' state is removed along the way.
Prints a SHA-256 over every OutRecord (topic, key, value, headers) in order and one over the changelog records
of each commit, plus the counts.  Run it before and after a change to the processors: equal digests mean
byte-identical derived topics.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

from ddeflow import topic_schemas, topics
from ddeflow.avro import AvroCodec
from ddeflow.bench.feed import season_slice
from ddeflow.harness.plan import bad_deliveries, build_plan, mix_in
from ddeflow.processors.core import RetentionPolicy
from ddeflow.processors.store import PartitionStore
from ddeflow.processors.transform import Transformer
from ddeflow.producers.raw_records import RawRecord

PREFIX = "digest."
STEP_MS = 60_000
T0_MS = 1_767_225_600_000
COMMIT_EVERY = 500
GRACE_MS = 20 * STEP_MS  # short, so fixtures that finish before the end of the slice are removed in it


def _feed(update: hashlib._Hash, *parts: bytes | None) -> None:
    for part in parts:
        if part is None:
            update.update(b"\xff")
        else:
            update.update(len(part).to_bytes(8, "big"))
            update.update(part)


def prepared(
    fixtures: int, statistics: int, seed: int, *, partitions: int = 4, bad: bool = True
) -> tuple[Transformer, list[PartitionStore], list[RawRecord]]:
    """A Transformer with its subjects pre-registered, empty partition stores, and the slice's raw records as
    the producers lay them out (with the frames that must be dead-lettered mixed in when ``bad``)."""
    with tempfile.TemporaryDirectory() as tmp:
        matches = season_slice(Path(tmp), fixtures, statistics, seed)
    plan = build_plan(matches, seed=seed)
    if bad:
        snooker = next((m for m in matches if m.statistics), None)
        plan = mix_in(plan, bad_deliveries(matches[0], snooker), seed=seed)
    codec = AvroCodec(None)  # type: ignore[arg-type]  # encoding needs no registry
    for number, binding in enumerate(topic_schemas.bindings(PREFIX), start=1):
        codec.use(binding.subject, number, binding.schema)
    transformer = Transformer(PREFIX, codec, RetentionPolicy(grace_ms=GRACE_MS, marker_ms=topics.RAW_RETENTION_MS))
    records = []
    for offset, item in enumerate(plan):
        partition = sum(item.key) % partitions
        records.append(
            RawRecord(
                item.topic(PREFIX),
                partition,
                offset,
                item.key,
                item.value,
                tuple(item.headers(PREFIX)),
                timestamp_ms=T0_MS + offset * STEP_MS,
            )
        )
    return transformer, [PartitionStore() for _ in range(partitions)], records


def run(fixtures: int, statistics: int, seed: int) -> dict[str, str | int]:
    transformer, stores, plan = prepared(fixtures, statistics, seed)
    out_digest, log_digest = hashlib.sha256(), hashlib.sha256()
    emitted = 0
    for offset, record in enumerate(plan):
        for out in transformer.handle(record, stores[record.partition]):
            emitted += 1
            _feed(out_digest, out.topic.encode(), out.key, out.value, *(n.encode() + b"=" + v for n, v in out.headers))
        if offset % COMMIT_EVERY == 0 or offset == len(plan) - 1:
            for store in stores:
                for key, value in store.pending():
                    _feed(log_digest, key, value)
                store.commit()
    counters = transformer.counters
    return {
        "records_in": len(plan),
        "records_out": emitted,
        "dlq": counters["dlq"],
        "fixtures_removed": counters["state.fixtures_removed"],
        "out_sha256": out_digest.hexdigest(),
        "changelog_sha256": log_digest.hexdigest(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=int, default=16)
    parser.add_argument("--statistics", type=int, default=300, help="snooker statistics snapshots kept per match")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for name, value in run(args.fixtures, args.statistics, args.seed).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
