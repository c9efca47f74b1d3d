"""How fast `selforg view` answers at the reference scale, on synthetic tables.

    .venv/bin/python bench/view_pages.py [--runs 25000] [--turns 1000000]
        [--judgments 100000] [--repeat 5] [--no-browser] [--bundle]

Builds bench/analysis_scale.py's synthetic study (the reference scale by default: 25,000 runs,
a million turns, 100,000 judgments) with its prompt log (bench/_prompt_log.py), then:
- opens the store (`StudyStore`: checks the files and builds the run index in memory);
- serves the viewer on 127.0.0.1 and times each page over HTTP (request to last byte, the
  median of `--repeat`): the study page, the study filtered by protocol and N, page 200 of
  the study, a search over every contribution (the first search of a term, then its page 2,
  which the store answers from its recent searches, and a term that matches nothing; every
  turn is given its own 320-character contribution first, so a search scans as much text as
  a real study's), the run page with the most turns (an N = 256 run, with every prompt) and
  the compare page;
- unless --no-browser, loads the same pages in headless Chromium and reports the load time
  the browser measures (navigation start to the load event, so parsing and layout count);
- with --bundle, writes the whole study as a static bundle and reports its time and size.
Every figure moves with the machine's load, printed beside it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import duckdb
from _common import load, machine
from _prompt_log import prompt_log_sizes, synthesize_prompts
from analysis_scale import synthesize

from selforg.view.app import ViewApp
from selforg.view.bundle import write_bundle
from selforg.view.server import make_server
from selforg.view.store import StudyStore

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1280,900")


def unique_contributions(data: Path) -> None:
    """Give every turn its own 320-character contribution (analysis_scale writes one text for
    all, which DuckDB's dictionary encoding would let a search check once), so a search scans
    as much text as a real study's."""
    path = data / "turns.parquet"
    tmp = data / "turns.unique.parquet"
    con = duckdb.connect()
    try:
        con.execute(f"""
            COPY (SELECT * REPLACE (array_to_string(list_transform(range(10),
                         k -> md5(run_id || '-' || agent || '-' || round || '-' || k)), '')
                         AS contribution)
                  FROM read_parquet('{path}') ORDER BY run_id, round, agent)
            TO '{tmp}' (FORMAT PARQUET)""")
    finally:
        con.close()
    tmp.replace(path)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median seconds of `repeat` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=600) as response:
        body: bytes = response.read()
    return body


def browser_load_ms(urls: dict[str, str], repeat: int) -> dict[str, float]:
    """Median load time (navigation start to load event) of each page in headless Chromium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tempfile.mkdtemp()}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"),
                              options=options)
    driver.set_page_load_timeout(600)
    out = {}
    try:
        for name, url in urls.items():
            times = []
            for _ in range(repeat):
                driver.get(url)
                times.append(driver.execute_script(
                    "var t = performance.getEntriesByType('navigation')[0];"
                    "return t.loadEventEnd - t.startTime;"))
            out[name] = statistics.median(times)
    finally:
        driver.quit()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=25_000)
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--judgments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--bundle", action="store_true", help="also time a static bundle")
    args = parser.parse_args()
    print(f"# {machine()}; {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        counts = synthesize(root / "data", args.runs, args.turns, args.judgments)
        unique_contributions(root / "data")
        counts.update(synthesize_prompts(root / "data"))
        print(f"# synthesized {counts} in {time.perf_counter() - started:.0f} s; {load()}")
        print(f"# {prompt_log_sizes(root / 'data')}")
        opened, store = timed(lambda: StudyStore(root), 1)
        assert isinstance(store, StudyStore)
        print(f"open the store (run index of {len(store.run_ids()):,} runs): {opened:.2f} s")
        run, n_turns = duckdb.connect().execute(  # the heaviest run page: most turns
            f"SELECT run_id, count(*) FROM read_parquet('{root / 'data' / 'turns.parquet'}') "
            "GROUP BY run_id ORDER BY 2 DESC LIMIT 1").fetchone() or ("", 0)
        other = store.run(run)
        assert other is not None and other.siblings
        server = make_server(ViewApp(store), 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        pages = {
            "study page 1": "/index.html",
            "study filtered (protocol, N)": "/index.html?protocol=sequential&n_agents=64",
            "study page 200": "/index.html?page=200",
            "search (first time)": "/index.html?search=abc",
            "search (again, page 2)": "/index.html?search=abc&page=2",
            "search (no match)": "/index.html?search=no+such+words",
            f"run page ({n_turns} turns)": f"/runs/{run}.html",
            "compare page": f"/compare.html?a={run}&b={other.siblings[0]['run_id']}",
        }
        print("| page | server response ms (median) | KB |" + (
            "" if args.no_browser else " browser load ms (median) |"))
        print("|---|---|---|" + ("" if args.no_browser else "---|"))
        served = {}
        for name, path in pages.items():
            repeat = 1 if name.startswith("search (first") or "no match" in name \
                else args.repeat
            seconds, body = timed(lambda p=path: fetch(base + p), repeat)  # type: ignore[misc]
            served[name] = (seconds, len(body))  # type: ignore[arg-type]
        loads = {} if args.no_browser else browser_load_ms(
            {n: base + p for n, p in pages.items() if not n.startswith("search")},
            args.repeat)
        for name, (seconds, size) in served.items():
            browser = "" if args.no_browser else (
                f" {loads[name]:.0f} |" if name in loads else " (server figure) |")
            print(f"| {name} | {1000 * seconds:.0f} | {size / 1024:.0f} |{browser}")
        server.shutdown()
        print(f"# {load()}")
        if args.bundle:
            done = write_bundle(store, root / "bundle")
            print(f"bundle: {done.runs:,} run pages, {done.bytes / 1e6:.0f} MB in "
                  f"{done.seconds:.0f} s; {load()}")


if __name__ == "__main__":
    main()
