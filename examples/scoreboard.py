"""A trader-side scoreboard: each fixture's live score, kept in a Faust table from ``dde.score-changes``.

Run from a checkout, with the ``faust`` extra and ddeflow's usual settings (``KAFKA_BOOTSTRAP_SERVERS``,
``SCHEMA_REGISTRY_URL``, ``DDEFLOW_TOPIC_PREFIX``...; none: the local stack of ``ddeflow local up``)::

    python -m faust -A examples.scoreboard worker --web-port 6066
    curl localhost:6066/scoreboard/              # every fixture this worker holds
    curl localhost:6066/scoreboard/<fixtureId>/  # one fixture, from whichever worker holds it

It reads with read_committed (``ddeflow.faust.app_options``), so a score change the ddeflow worker wrote
in a transaction that was later aborted never reaches the board.  The table is changelogged and
co-partitioned with ``dde.score-changes``: several workers share the fixtures, and a restarted one
recovers its part of the board.  Faust keeps its files in ``--datadir`` (``python -m faust --datadir DIR -A
...``; default: ``<app id>-data`` in the working directory).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import faust
from faust.web import Request, Response, View

from ddeflow.config import load_settings
from ddeflow.faust import DdeflowTopics, ScoreChange, app_options


class Score(faust.Record, include_metadata=False):
    """One fixture's line on the board."""

    sport: str
    home: int
    away: int
    period: int
    home_period: int
    away_period: int
    changes: int
    """Score changes applied so far."""
    corrections: int
    """Of those, the corrections (a score went down, or an Updated or Deleted action moved it)."""
    fixture_seq_num: int
    feed_timestamp: datetime


def apply(previous: Score | None, change: ScoreChange) -> Score:
    """The board's line for a fixture after ``change``; each change carries the whole new score."""
    return Score(
        sport=change.sport,
        home=change.homeScore,
        away=change.awayScore,
        period=change.period,
        home_period=change.homePeriodScore,
        away_period=change.awayPeriodScore,
        changes=(previous.changes if previous else 0) + 1,
        corrections=(previous.corrections if previous else 0) + int(change.isCorrection),
        fixture_seq_num=change.fixtureSeqNum,
        feed_timestamp=change.feedTimestamp,
    )


settings = load_settings()
app = faust.App(settings.topic("scoreboard"), **app_options(settings))
board = app.Table("board", key_type=str, value_type=Score)


@app.agent(DdeflowTopics(app, settings).score_changes())
async def keep_score(changes: faust.StreamT[ScoreChange]) -> None:
    async for change in changes:
        board[change.fixtureId] = apply(board.get(change.fixtureId), change)


@app.page("/scoreboard/")
class Board(View):
    async def get(self, request: Request) -> Response:
        return self.json({fixture: score.asdict() for fixture, score in board.items()})


@app.page("/scoreboard/{fixture_id}/")
class Fixture(View):
    # Faust passes the route's match_info as keywords; its annotation of table_route allows only *args, **kwargs.
    @app.table_route(table=board, match_info="fixture_id")  # type: ignore[arg-type]
    async def get(self, request: Request, fixture_id: str) -> Response:
        score: Any = board.get(fixture_id)
        if score is None:
            return self.notfound(f"no score yet for fixture {fixture_id}")
        return self.json({"fixtureId": fixture_id, **score.asdict()})
