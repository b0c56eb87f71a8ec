"""``ddeflow process``: the processor worker."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from ddeflow.config import Settings
from ddeflow.errors import ConfigError
from ddeflow.metrics import ProcessMetrics, add_metrics_port, metrics_port, serving
from ddeflow.processors.worker import run_worker
from ddeflow.signals import stop_on_signals


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "process",
        help="run the processor worker: raw topics in, derived Avro topics out, exactly once (or Faust, at least once)",
        description=(
            "Consumes every dde.raw.* topic, dedupes and orders per fixture and per action, applies the sendType "
            "lifecycle and writes dde.actions.<sport>, dde.score-changes, dde.snooker.break-completions, "
            "dde.fixture-events and dde.dlq in Kafka transactions. Start several to share the partitions. "
            "--engine faust runs the same processors as a Faust agent with its state in a Faust table: AT LEAST "
            "ONCE, so after a crash a consumer may see a record again, with the same ddeflow-id header to drop it by."
        ),
    )
    parser.add_argument(
        "--engine",
        choices=("worker", "faust"),
        default="worker",
        help="worker (default): Kafka transactions, exactly once; faust: a Faust app, at least once",
    )
    parser.add_argument(
        "--web-port",
        type=int,
        metavar="PORT",
        help="--engine faust: Faust's web server on 127.0.0.1:PORT, with /stats/ and /fixtures/ (default 6066)",
    )
    parser.add_argument(
        "--until-idle",
        type=float,
        metavar="S",
        help="exit 0 once every assigned input partition is drained and nothing arrived for S seconds",
    )
    parser.add_argument("--max-batch", type=int, default=1000, metavar="N", help="records per poll (default 1000)")
    parser.add_argument(
        "--commit-interval-ms",
        type=int,
        default=0,
        metavar="MS",
        help="gather polls for up to MS before committing (default 0: commit each poll at once)",
    )
    add_metrics_port(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.engine == "faust":
        return _run_faust(args, settings)

    async def main() -> int:
        port = metrics_port(args, settings)
        metrics = ProcessMetrics() if port else None
        with stop_on_signals() as stop, serving(metrics.registry if metrics else None, port):
            stats = await run_worker(
                settings,
                until_idle_s=args.until_idle,
                max_batch=args.max_batch,
                commit_interval_ms=args.commit_interval_ms,
                stop=stop,
                metrics=metrics,
            )
        print(stats.summary())
        return 0

    return asyncio.run(main())


def _run_faust(args: argparse.Namespace, settings: Settings) -> int:
    if args.commit_interval_ms or args.metrics_port is not None:
        raise ConfigError("--commit-interval-ms and --metrics-port are the default engine's; not with --engine faust")
    import faust  # the faust extra is needed by this engine only

    from ddeflow.processors.faust_engine import build_app

    app = build_app(settings, max_batch=args.max_batch, until_idle_s=args.until_idle, web_port=args.web_port)
    worker = faust.Worker(app, loglevel="INFO" if args.verbose else "WARNING")
    try:
        worker.execute_from_commandline()
    except SystemExit as exit_:
        print(app.engine.stats.summary())
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0
