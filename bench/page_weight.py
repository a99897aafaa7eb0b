"""What a first visit to a page transfers, measured in Chromium through `soundingboard serve`.

Debian's Chromium (scripts/install-chromium.sh), driven by Playwright as the browser tests do
(tests/browser/conftest.py), opens each page in a fresh context (an empty cache: a first
visit) at 375 px wide, and counts, from the DevTools protocol, every request the page made:
its address, status and the bytes that came over the network for it (headers and body as
sent, compressed where it was: `encodedDataLength`). It reports the total for each page, the
requests that went anywhere but the site, and any answered 400 or more.

`serve` runs the bundled example consultation (at the site's root) on a throwaway data
directory. Results are in docs/performance.md ("Page weight").
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake_load  # the server helpers of bench/intake_load.py

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "src" / "soundingboard" / "example"
CHROMIUM = os.environ.get("SOUNDINGBOARD_CHROMIUM", "/usr/bin/chromium")
PAGES = ("/", "/how-to-respond/", "/proposals/opening-hours/", "/questionnaire/")
PHONE = {"width": 375, "height": 812}


@dataclass
class Visit:
    path: str
    requests: list[dict[str, object]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(int(r["bytes"]) for r in self.requests)  # type: ignore[call-overload]

    def third_party(self, origin: str) -> list[str]:
        return [
            str(r["url"])
            for r in self.requests
            if not str(r["url"]).startswith(origin) and not str(r["url"]).startswith("data:")
        ]

    def failed(self) -> list[str]:
        return [f"{r['status']} {r['url']}" for r in self.requests if int(r["status"]) >= 400]  # type: ignore[call-overload]


def first_visit(browser: object, origin: str, path: str) -> Visit:
    """Open `path` in a fresh context and record every request it made."""
    context = browser.new_context(viewport=PHONE)  # type: ignore[attr-defined]
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    seen: dict[str, dict[str, object]] = {}

    def on_response(event: dict) -> None:
        seen.setdefault(event["requestId"], {})
        seen[event["requestId"]].update(
            url=event["response"]["url"], status=event["response"]["status"]
        )

    def on_finished(event: dict) -> None:
        seen.setdefault(event["requestId"], {})["bytes"] = event["encodedDataLength"]

    def on_failed(event: dict) -> None:
        seen.setdefault(event["requestId"], {}).update(status=0, bytes=0)

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.loadingFailed", on_failed)
    page.goto(origin + path, wait_until="networkidle")
    page.wait_for_timeout(500)  # a late favicon request, say
    context.close()
    visit = Visit(path)
    for item in seen.values():
        if "url" in item:
            visit.requests.append({"bytes": 0, **item})
    return visit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write every request to this file")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"Chromium is not at {CHROMIUM}: bash scripts/install-chromium.sh", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="sb-page-weight-") as temp:
        data_dir = Path(temp)
        with (
            intake_load.running_server(
                EXAMPLE,
                data_dir,
                workers=2,
                secret_key=secrets.token_urlsafe(40),
                database_url=None,
                write_lock=True,
            ) as server,
            sync_playwright() as playwright,
        ):
            origin = f"http://127.0.0.1:{server.port}"
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            visits = [first_visit(browser, origin, path) for path in PAGES]
            browser.close()
    problems = 0
    for visit in visits:
        print(f"{visit.path:<28} {visit.total / 1000:>6.1f} kB in {len(visit.requests)} requests")
        for request in sorted(visit.requests, key=lambda r: -int(r["bytes"])):  # type: ignore[call-overload]
            name = urlsplit(str(request["url"])).path
            print(f"    {int(request['bytes']) / 1000:>6.1f} kB  {request['status']}  {name}")  # type: ignore[call-overload]
        for url in visit.third_party(origin):
            print(f"    THIRD PARTY: {url}")
            problems += 1
        for failure in visit.failed():
            print(f"    FAILED: {failure}")
            problems += 1
    if args.json:
        args.json.write_text(json.dumps([v.__dict__ for v in visits], indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
