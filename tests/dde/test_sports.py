from __future__ import annotations

import pytest

from ddeflow.dde.sports import Sport
from ddeflow.errors import ConfigError, UnknownSportError


@pytest.mark.parametrize("sport", list(Sport))
def test_feed_path_round_trip(sport: Sport) -> None:
    assert Sport.from_feed_path(sport.feed_path) is sport
    assert Sport(sport.value) is sport


def test_volleyball_is_the_only_sport_whose_feed_path_differs() -> None:
    assert Sport.VOLLEYBALL.feed_path == "v2/volleyball"
    assert Sport.from_feed_path("v2/volleyball") is Sport.VOLLEYBALL
    assert [sport for sport in Sport if sport.feed_path != sport.value] == [Sport.VOLLEYBALL]


def test_feed_path_tolerates_surrounding_slashes() -> None:
    assert Sport.from_feed_path("/v2/volleyball/") is Sport.VOLLEYBALL


@pytest.mark.parametrize("path", ["volleyball", "v2/basketball", "cricket", "", "Basketball"])
def test_unknown_feed_path_raises_our_error(path: str) -> None:
    with pytest.raises(UnknownSportError) as info:
        Sport.from_feed_path(path)
    assert isinstance(info.value, ConfigError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("name", ["cricket", "v2/volleyball", ""])
def test_unknown_sport_name_raises_our_error(name: str) -> None:
    with pytest.raises(UnknownSportError, match="expected one of"):
        Sport(name)
