"""The bundled data says where it comes from: the ``/models`` snapshot where and when it was taken
(``_source``, ``_taken_at``, shown by ``kilo-litellm models`` offline), and every entry written by
hand its own ``_source`` (the rule in ``scripts/refresh_snapshot.py``); the readers ignore them."""

from __future__ import annotations

import datetime
import json
import re
from importlib import resources

import pytest
from gateway_models import make_gateway_model

from kilo_litellm.cli.commands import main
from kilo_litellm.models import catalog
from kilo_litellm.models.listing import parse_models, snapshot_origin, snapshot_payload

OFFLINE = "http://127.0.0.1:9/api/gateway"

pytestmark = pytest.mark.usefixtures("bundled_catalog_afterwards")


def _seeds_file() -> dict:
    return json.loads(resources.files("kilo_litellm").joinpath("data/models.json").read_text(encoding="utf-8"))


def test_the_snapshot_says_where_and_when_it_was_taken():
    payload = snapshot_payload()
    assert isinstance(payload["_source"], str) and payload["_source"].strip()
    taken = datetime.date.fromisoformat(payload["_taken_at"][:10])
    assert datetime.date(2026, 1, 1) <= taken <= datetime.datetime.now(datetime.timezone.utc).date()
    described = snapshot_origin().describe()
    assert payload["_taken_at"] in described and payload["_source"].removeprefix("GET ") in described


def _fetched(payload: dict) -> bool:
    """A file ``scripts/refresh_snapshot.py`` wrote: its ``_source`` is the ``GET`` it made."""
    return payload["_source"].startswith("GET ")


@pytest.mark.parametrize(
    "name,entries,fetched",
    [
        ("models-snapshot.json", lambda: snapshot_payload()["data"], lambda: _fetched(snapshot_payload())),
        ("models.json", lambda: _seeds_file()["models"], lambda: False),
    ],
)
def test_every_entry_written_by_hand_cites_its_source(name, entries, fetched):
    """The rule: an entry the gateway did not answer with carries ``_source``. A file written by
    hand (not fetched) has only such entries; in a fetched one, the entries with ``_source`` are
    the ones added or edited by hand afterwards."""
    rows = entries()
    uncited = [row.get("id") or row.get("gateway_id") for row in rows if "_source" not in row]
    if not fetched():
        assert uncited == [], f"{name}: entries written by hand without a _source"
    for row in rows:
        if "_source" in row:
            assert isinstance(row["_source"], str) and len(row["_source"].strip()) > 10, row


def test_the_readers_ignore_the_notes():
    plain = [{k: v for k, v in row.items() if not k.startswith("_")} for row in snapshot_payload()["data"]]
    assert parse_models(snapshot_payload()) == parse_models({"data": plain})
    assert (
        parse_models({"data": [make_gateway_model(id="acme/noted", _source="by hand")]})[0].gateway_id == "acme/noted"
    )
    assert len(catalog.seeds().models) == len(_seeds_file()["models"])


def test_models_offline_with_no_list_remembered_says_which_snapshot_it_shows(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KILO_LITELLM_CACHE_DIR", str(tmp_path))
    assert main(["models", "--api-base", OFFLINE]) == 0
    out, err = capsys.readouterr()
    origin = snapshot_origin()
    assert f"showing the bundled snapshot of {origin.taken_at}, {origin.source}" in err
    footer = next(line for line in out.splitlines() if line.startswith("from "))
    assert footer == f"from the bundled snapshot of {origin.taken_at}, {origin.source}"


def test_models_online_says_which_url_and_when(gw, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KILO_LITELLM_CACHE_DIR", str(tmp_path))
    assert main(["models", "--api-base", gw.api_base, "--refresh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    footer = next(line for line in lines if line.startswith("from "))
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert footer.startswith(f"from {gw.api_base}/models fetched {today} ") and footer.endswith(" UTC")
    count = next(line for line in lines if "listed by /models" in line)
    assert re.search(rf"; list fetched \d+ s ago from {re.escape(gw.api_base)}/models \(live\)$", count)


def test_a_fetched_snapshot_reads_as_taken_from_its_url():
    origin = snapshot_origin(
        {"_source": "GET https://api.kilo.ai/api/gateway/models", "_taken_at": "2027-01-05T10:00:00Z"}
    )
    assert (
        origin.describe() == "bundled snapshot taken 2027-01-05T10:00:00Z from https://api.kilo.ai/api/gateway/models"
    )
    assert snapshot_origin({"data": []}).describe() == "bundled snapshot of an unknown date, source unknown"
