"""Refresh ``kilo_litellm/data/models-snapshot.json`` from the live gateway's ``GET /models`` (needs network).

The snapshot is what ``kilo_litellm.refresh_models()`` falls back to when neither the gateway nor a
cached copy is reachable, and what the local emulator serves. The list is public, so no key is sent.

The file says where and when it was taken: ``_source`` (``GET <url>``) and ``_taken_at`` (UTC),
which ``kilo-litellm models`` shows when it falls back to the snapshot. Keys starting with ``_``
are notes, never read as gateway fields. **The rule for entries added by hand**: an entry the
gateway did not answer with (added, or edited, by hand) carries its own ``_source`` saying where
its facts come from; an entry without one is the gateway's answer as fetched. A refresh writes the
gateway's list as it is, so it drops hand-added entries (and says which): add back by hand, with a
``_source``, only what the gateway cannot be asked for. ``tests/test_snapshot.py`` checks the rule.

    python scripts/refresh_snapshot.py                      # https://api.kilo.ai/api/gateway
    python scripts/refresh_snapshot.py --api-base URL       # or KILO_API_BASE
    python scripts/refresh_snapshot.py --check              # only report what would change
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx

from kilo_litellm.config import settings
from kilo_litellm.models import catalog
from kilo_litellm.models.discovery import FETCH_TIMEOUT
from kilo_litellm.models.listing import parse_models

SNAPSHOT = Path(__file__).resolve().parent.parent / "kilo_litellm" / "data" / "models-snapshot.json"


def fetch(api_base: str) -> dict:
    resp = httpx.get(
        f"{api_base}/models",
        headers={"Accept": "application/json", "User-Agent": settings.USER_AGENT},
        timeout=FETCH_TIMEOUT,
    )
    resp.raise_for_status()
    return resp.json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-base", default=None)
    parser.add_argument("--check", action="store_true", help="report only, do not write")
    parser.add_argument("--output", type=Path, default=SNAPSHOT, help="where to write (default: the bundled snapshot)")
    args = parser.parse_args()
    base = settings.resolve(api_base=args.api_base).api_base
    payload = fetch(base)
    entries = parse_models(payload)
    if not entries:
        print(f"{base}/models listed no usable model; snapshot left as it is", file=sys.stderr)
        return 1
    merged = catalog.merge(catalog.seeds(), entries)
    for entry in merged.models:
        if entry.aliases:
            print(f"seed kilo/{entry.aliases[0]} ({entry.gateway_id}): {entry.status}", file=sys.stderr)
    current = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    old = {e.gateway_id for e in parse_models(current)}
    new = {e.gateway_id for e in entries}
    print(f"{len(entries)} models ({len(new - old)} new, {len(old - new)} gone) from {base}/models")
    by_hand = [m["id"] for m in current.get("data", []) if isinstance(m, dict) and "_source" in m]
    if by_hand:
        print(
            f"{len(by_hand)} entries of the bundled snapshot were written by hand (they carry _source); "
            "the rewrite replaces them with what the gateway lists"
        )
    if args.check:
        return 0
    taken = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    doc = {"_source": f"GET {base}/models", "_taken_at": taken, "data": payload["data"]}
    args.output.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
