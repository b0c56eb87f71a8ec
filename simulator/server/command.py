"""``ddeflow simulate``: run the local DDE until interrupted.

The token the simulator accepts comes from, in order: ``--token-file``,
``--token`` (convenient locally, but visible in the process list), then the
settings (``DDE_AUTH_TOKEN`` or the file named by ``DDE_AUTH_TOKEN_FILE``), so
a producer and the simulator started from the same environment agree.  The
token is never printed or logged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from ddeflow.config import Settings
from ddeflow.errors import ConfigError
from ddeflow.signals import stop_on_signals
from ddeflow.simulator.server.app import run_simulator
from ddeflow.simulator.server.config import SimulatorConfig
from ddeflow.simulator.server.faults import FAULT_FIELDS, FaultSpecError, parse_fault_option

log = logging.getLogger(__name__)
DEFAULT_PORT = 8765


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "simulate",
        help="serve recorded or generated matches as a local DDE (websockets + REST), with faults on demand",
        description=(
            "A local DDE on one port: /{sport}/fixtures/{id}/actions|statistics websockets "
            "(also under /media/), the REST /fixtures API, and /_sim/faults and /_sim/stats "
            "for control (loopback only). "
            "See simulator/server/README.md."
        ),
    )
    parser.add_argument("--data", type=Path, required=True, metavar="DIR", help="DIR/<sport>/<fixtureId>/...")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"0 picks a free port (default {DEFAULT_PORT})")
    parser.add_argument("--token-file", type=Path, help="file holding the token to accept")
    parser.add_argument("--token", help="the token to accept (prefer --token-file or DDE_AUTH_TOKEN)")
    parser.add_argument("--heartbeat-s", type=float, default=10.0, help="heartbeat after this much quiet (10)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiplies every gap between packets; 0.01 = 100x faster",
    )
    parser.add_argument(
        "--stagger-s", "--stagger", type=float, default=0.0, help="fixture i goes live i*S seconds after start"
    )
    parser.add_argument(
        "--schedule", type=Path, metavar="FILE", help='JSON {"<fixtureId>": go-live seconds after start, ...}'
    )
    parser.add_argument("--seed", type=int, help="makes fault decisions repeatable")
    parser.add_argument("--rate-limit", type=float, default=5.0, help="REST requests per second per client; 0 = off")
    parser.add_argument("--rate-burst", type=float, default=5.0, help="REST burst size per client (5)")
    parser.add_argument("--auth-timeout-s", type=float, default=10.0, help="wait this long for the auth message")
    parser.add_argument("--tls-cert", type=Path, metavar="PEM", help="serve https and wss with this certificate")
    parser.add_argument("--tls-key", type=Path, metavar="PEM", help="the key of --tls-cert")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="[FIXTURE:]NAME=VALUE[,...]",
        help=f"a fault at start, global or for one fixture; repeatable. Names: {', '.join(FAULT_FIELDS)}",
    )
    parser.set_defaults(handler=_simulate)


def _token(args: argparse.Namespace, settings: Settings) -> str:
    if args.token_file is not None:
        try:
            text: str = args.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"--token-file {args.token_file} cannot be read: {exc.strerror}") from None
        if not text:
            raise ConfigError(f"--token-file {args.token_file} is empty")
        return text
    if args.token:
        return str(args.token)
    secret = settings.auth_token()
    if secret is None:
        raise ConfigError("the simulator needs a token to accept: set DDE_AUTH_TOKEN or pass --token-file")
    return secret.get_secret_value()


def _schedule(path: Path | None) -> dict[str, float]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"--schedule {path} cannot be read: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"--schedule {path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in data.values()
    ):
        raise ConfigError(f'--schedule {path} must be a JSON object {{"<fixtureId>": seconds, ...}}')
    return {str(k): float(v) for k, v in data.items()}


def config_from_args(args: argparse.Namespace, settings: Settings) -> SimulatorConfig:
    faults: list[tuple[str | None, dict[str, object]]] = []
    for text in args.fault:
        try:
            faults.append(parse_fault_option(text))
        except FaultSpecError as exc:
            raise ConfigError(f"--fault {text!r}: {exc}") from None
    if (args.tls_cert is None) != (args.tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together")
    return SimulatorConfig(
        data_dir=args.data,
        token=_token(args, settings),
        host=args.host,
        port=args.port,
        heartbeat_s=args.heartbeat_s,
        time_scale=args.time_scale,
        stagger_s=args.stagger_s,
        go_live_s=_schedule(args.schedule),
        seed=args.seed,
        rate_limit_per_s=args.rate_limit,
        rate_limit_burst=args.rate_burst,
        auth_timeout_s=args.auth_timeout_s,
        faults=tuple(faults),
        tls_certfile=args.tls_cert,
        tls_keyfile=args.tls_key,
    )


async def _serve(config: SimulatorConfig) -> None:
    try:
        with stop_on_signals() as stop:
            async with run_simulator(config) as sim:
                print(
                    f"REST and control: {sim.url}  websockets: {sim.ws_url}  fixtures: {len(sim.catalog)}",
                    flush=True,
                )
                await stop.wait()
    except OSError as exc:
        raise ConfigError(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}") from None


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_serve(config_from_args(args, settings)))
    return 0
