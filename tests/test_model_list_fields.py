"""The gateway's ``/models`` fields (docs/gateway-contract.md, "The model list"), through LiteLLM and ``kilo-litellm models`` against the
emulator: display names without the gateway's marks (ids untouched), ``expiration_date`` kept,
shown and warned about once before the model retires, ``mayTrainOnYourPrompts`` true for a free
entry that leaves it out, ``~vendor/model-latest`` ids sent as they are."""

from __future__ import annotations

import datetime
import json
import logging

import litellm
import pytest
from conftest import MESSAGES, call_litellm
from gateway_models import make_gateway_model, models_body

import kilo_litellm
from kilo_litellm.cli.commands import main
from kilo_litellm.emulator import Reply, bundled_models, gateway_model
from kilo_litellm.models import catalog, discovery, retirement

pytestmark = pytest.mark.usefixtures("bundled_catalog_afterwards")

FREE = {"prompt": "0", "completion": "0"}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
MODES = pytest.mark.parametrize(
    "is_async,stream",
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["sync", "sync-stream", "async", "async-stream"],
)


@pytest.fixture
def refresh(gw, monkeypatch, tmp_path):
    """``kilo_litellm.refresh_models`` against the emulator, answering with the given ``/models`` entries.

    The process-wide discovery is a fresh one for the test, so its in-memory list for the shared
    emulator's URL does not outlive the test (a later ``kilo-litellm models`` would show it)."""
    monkeypatch.setenv("KILO_LITELLM_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(discovery, "_default", discovery.ModelDiscovery())

    def refresh(*models: dict):
        gw.models = list(models)  # the gateway's list: it serves these ids, and no other
        found = kilo_litellm.refresh_models(gw.api_base, force=True)
        assert found.source == "live", found.error
        return found

    return refresh


def _in(days: int) -> datetime.date:
    return retirement.utc_today() + datetime.timedelta(days=days)


def _models_json(gw, capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["models", "--json", "--api-base", gw.api_base, "--refresh"]) == 0
    return {row["gateway_id"]: row for row in json.loads(capsys.readouterr().out)}


# -- names ---------------------------------------------------------------------------------------


def test_display_names_lose_the_gateways_marks_and_ids_keep_theirs(gw, refresh, capsys):
    refresh(
        make_gateway_model(id="acme/fresh", name="Acme: Fresh (new)"),
        make_gateway_model(id="acme/pricey", name="Acme: Pricey ($$$$)"),
        make_gateway_model(id="acme/leaving:free", name="Acme: Leaving (free) (retires Dec 12)", isFree=True),
        make_gateway_model(id="acme/both", name="Acme: Both ($$$$) (new)"),
        make_gateway_model(id="acme/(new)", name="Acme: Odd id"),
    )
    names = {gid: catalog.lookup(gid).name for gid in ("acme/fresh", "acme/pricey", "acme/leaving:free", "acme/both")}
    assert names == {
        "acme/fresh": "Acme: Fresh",
        "acme/pricey": "Acme: Pricey",
        "acme/leaving:free": "Acme: Leaving (free)",
        "acme/both": "Acme: Both",
    }
    assert catalog.lookup("acme/(new)").gateway_id == "acme/(new)"
    gw.script(Reply(body=models_body(make_gateway_model(id="acme/pricey", name="Acme: Pricey ($$$$)"))))
    assert _models_json(gw, capsys)["acme/pricey"]["name"] == "Acme: Pricey"


# -- expiration_date -----------------------------------------------------------------------------


def test_the_emulators_models_exercise_the_gateways_fields(gw, capsys):
    """The emulator serves a name with a mark, an ``expiration_date`` and a free entry without
    ``mayTrainOnYourPrompts``; ``kilo-litellm models`` shows them as the catalog keeps them."""
    rows = _models_json(gw, capsys)
    assert rows["dots-studio/dots-3-note-preview:free"]["retires"] == "2026-12-31"
    assert rows["dots-studio/dots-3-note-preview:free"]["name"] == "Dots Studio: Dots 3 Note Preview (free)"
    assert rows["nvidia/nemotron-3-ultra-550b-a55b:free"]["name"] == "NVIDIA: Nemotron 3 Ultra (free)"
    assert rows["stealth/glyph-cluster"]["may_train_on_prompts"] is True
    assert rows["anthropic/claude-opus-4.6"]["preferred_index"] == 6
    assert rows["kilo-auto/free"]["retires"] is None
    capsys.readouterr()
    assert main(["models", "--api-base", gw.api_base, "--refresh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[-1] == "retires"
    [dots] = [line for line in lines if line.startswith("kilo/dots-studio/dots-3-note-preview:free ")]
    assert dots.split()[-1] == "2026-12-31"


def test_expiration_date_is_kept_and_reaches_litellms_deprecation_date(refresh):
    refresh(
        make_gateway_model(id="acme/dated", expiration_date="2027-03-01"),
        make_gateway_model(id="acme/stamped", expiration_date="2027-03-02T00:00:00Z"),
        make_gateway_model(id="acme/garbled", expiration_date="soon"),
        make_gateway_model(id="acme/undated"),
    )
    assert catalog.lookup("acme/dated").expiration_date == datetime.date(2027, 3, 1)
    assert catalog.lookup("acme/stamped").expiration_date == datetime.date(2027, 3, 2)
    assert catalog.lookup("acme/garbled").expiration_date is None
    assert catalog.lookup("acme/undated").expiration_date is None
    assert litellm.model_cost["kilo/acme/dated"]["deprecation_date"] == "2027-03-01"


def test_a_retires_mark_without_expiration_date_still_dates_the_model(refresh):
    soon = _in(3)
    refresh(make_gateway_model(id="acme/marked", name=f"Acme: Marked (retires {MONTHS[soon.month - 1]} {soon.day})"))
    assert catalog.lookup("acme/marked").expiration_date == soon


@pytest.mark.parametrize(
    "text,today,expected",
    [
        ("Dec 12", datetime.date(2026, 12, 4), datetime.date(2026, 12, 12)),
        ("Jan 3", datetime.date(2026, 12, 30), datetime.date(2027, 1, 3)),
        ("Dec 31", datetime.date(2027, 1, 2), datetime.date(2026, 12, 31)),
        ("December 1", datetime.date(2026, 11, 20), datetime.date(2026, 12, 1)),
        ("Mar 1, 2028", datetime.date(2026, 12, 4), datetime.date(2028, 3, 1)),
        ("Feb 30", datetime.date(2026, 12, 4), None),
        ("soon", datetime.date(2026, 12, 4), None),
    ],
)
def test_the_mark_has_no_year_so_the_nearest_one_is_taken(text, today, expected):
    assert retirement.date_from_mark(text, today) == expected


@pytest.mark.parametrize(
    "days,expected",
    [
        (7, "kilo/{gid} retires on {date}, in 7 days"),
        (0, "kilo/{gid} retires today ({date})"),
        (-2, "kilo/{gid} was listed to retire on {date}"),
        (14, "kilo/{gid} retires on {date}, in 14 days"),
        (15, None),
    ],
)
def test_a_call_to_a_model_that_retires_within_14_days_warns_once(refresh, gw, caplog, days, expected):
    gid = f"acme/sunset-{days + 100}:free"
    date = _in(days)
    refresh(make_gateway_model(id=gid, isFree=True, pricing=FREE, expiration_date=date.isoformat()))
    caplog.set_level(logging.WARNING, logger="kilo_litellm")
    for _ in range(2):
        resp = litellm.completion(model=f"kilo/{gid}", messages=MESSAGES, api_base=gw.api_base)
        assert resp.choices[0].message.content
    warned = [r.getMessage() for r in caplog.records if r.name == "kilo_litellm" and gid in r.getMessage()]
    if expected is None:
        assert warned == []
    else:
        [message] = warned
        assert message.startswith(expected.format(gid=gid, date=date.isoformat()))
        assert "kilo/kilo-auto/free" in message
    assert len(gw.chat_requests) == 2


@MODES
async def test_the_warning_reaches_every_kind_of_call(refresh, gw, caplog, is_async, stream):
    gid = f"acme/sunset-{'a' if is_async else 's'}{'s' if stream else 'n'}:free"
    refresh(make_gateway_model(id=gid, isFree=True, pricing=FREE, expiration_date=_in(5).isoformat()))
    caplog.set_level(logging.WARNING, logger="kilo_litellm")
    await call_litellm(is_async, stream, model=f"kilo/{gid}", api_base=gw.api_base)
    assert [r.levelno for r in caplog.records if gid in r.getMessage()] == [logging.WARNING]


# -- mayTrainOnYourPrompts -----------------------------------------------------------------------


def test_a_free_entry_that_omits_may_train_may_train(refresh, gw, capsys):
    refresh(
        make_gateway_model(id="acme/quiet:free", isFree=True, pricing=FREE),
        make_gateway_model(id="acme/private:free", isFree=True, pricing=FREE, mayTrainOnYourPrompts=False),
        make_gateway_model(id="acme/paid-quiet"),
        make_gateway_model(id="acme/paid-trains", mayTrainOnYourPrompts=True),
    )
    trains = {gid: catalog.lookup(gid).may_train for gid in ("acme/quiet:free", "acme/private:free")}
    trains |= {gid: catalog.lookup(gid).may_train for gid in ("acme/paid-quiet", "acme/paid-trains")}
    assert trains == {
        "acme/quiet:free": True,
        "acme/private:free": False,
        "acme/paid-quiet": False,
        "acme/paid-trains": True,
    }


# -- ~vendor/model-latest ------------------------------------------------------------------------


@MODES
async def test_latest_alias_ids_reach_the_gateway_unchanged(gw, is_async, stream):
    gw.models = [*bundled_models(), gateway_model("~anthropic/claude-sonnet-latest", free=False)]
    text, _, _ = await call_litellm(
        is_async, stream, model="kilo/~anthropic/claude-sonnet-latest", api_base=gw.api_base, api_key="kilo-real-1"
    )
    assert text
    [sent] = gw.chat_requests
    assert sent.model == "~anthropic/claude-sonnet-latest"
    assert sent.path.endswith("/chat/completions")
