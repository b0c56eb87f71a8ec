"""Benchmark (a script, not a test): the Transformer alone, in memory, over a generated season slice.

    .venv/bin/python -m scripts.bench_transformer [--fixtures 40] [--statistics 20] [--profile]

No broker and no registry: the work per packet that bounds the worker (parsing, the state steps, the processors,
Avro encoding and the changelog's encoding every 500 records), as CPU seconds of this process, so that runs at two
commits compare on a shared machine.  ``--statistics 300`` keeps 300 snooker statistics snapshots per match (the
bench keeps 20): a snapshot repeats the whole match so far, so that is the snooker-heavy case.  ``--profile``
prints cProfile's 25 costliest functions by their own time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from ddeflow.processors.store import PartitionStore
from ddeflow.processors.transform import Transformer
from ddeflow.producers.raw_records import RawRecord
from scripts.derived_digest import COMMIT_EVERY, prepared


def drive(transformer: Transformer, stores: list[PartitionStore], records: list[RawRecord]) -> int:
    emitted = 0
    for offset, record in enumerate(records):
        emitted += len(transformer.handle(record, stores[record.partition]))
        if offset % COMMIT_EVERY == 0:
            for store in stores:
                for _ in store.pending():
                    pass
                store.commit()
    return emitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=int, default=40)
    parser.add_argument("--statistics", type=int, default=20, help="snooker statistics snapshots kept per match")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print cProfile's costliest functions")
    args = parser.parse_args()
    transformer, stores, records = prepared(args.fixtures, args.statistics, args.seed, partitions=6, bad=False)
    profiler = cProfile.Profile() if args.profile else None
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    emitted = drive(transformer, stores, records)
    if profiler is not None:
        profiler.disable()
    cpu_s = time.process_time() - started
    print(
        f"{len(records)} packets, {emitted} records out, {cpu_s:.2f} CPU s: {len(records) / cpu_s:,.0f} packets/s"
        + (" (profiled)" if profiler is not None else "")
    )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
