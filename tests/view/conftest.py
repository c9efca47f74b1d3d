"""A small judged study on the scripted model, built once, and one headless Chromium.

The browser is Debian's chromium driven by its chromedriver (`make install` installs both),
started with flags that keep it off the network, with a fresh profile. If
SELFORG_SCREENSHOTS names a directory, the browser tests save the screenshots of
docs/viewer.md there (`SELFORG_SCREENSHOTS=docs/images pytest tests/view`).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from selforg.view.server import App, make_server
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import scripted_params, write_params

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1280,900")


@pytest.fixture(scope="session")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two tasks x (single, sequential, coordinator at N = 5) and their drop-2 twins, judged."""
    root = tmp_path_factory.mktemp("view-study")
    params = scripted_params(root / "cache")
    params["study"].update(protocols=["single", "sequential", "coordinator"], n_agents=[5],
                           shocks=[{"name": "drop2", "remove": {"k": 2, "target": "random"}}])
    path = write_params(root / "params.yaml", params)
    generate_tasks(path, root)
    run_protocol(path, root)
    judge(path, root)
    return root


@pytest.fixture
def study_copy(study: Path, tmp_path: Path) -> Path:
    """The study's data in a fresh root, for tests that write (ratings)."""
    shutil.copytree(study / "data", tmp_path / "data")
    return tmp_path


class Served:
    """An app served on a free port of 127.0.0.1 in a background thread."""

    def __init__(self, app: App) -> None:
        self.server = make_server(app, 0)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Any]:
    served: list[Served] = []

    def start(app: App) -> Served:
        served.append(Served(app))
        return served[-1]

    yield start
    for s in served:
        s.close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMEDRIVER.is_file() or shutil.which("chromium") is None:
        pytest.fail("chromium and chromium-driver are not installed: `make install` installs "
                    "them (apt-get install -y chromium chromium-driver, as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                              options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def screenshot(driver: Any, name: str, element: Any = None) -> None:
    """Save a docs screenshot when SELFORG_SCREENSHOTS is set (the element alone if given)."""
    folder = os.environ.get("SELFORG_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    target = Path(folder) / f"{name}.png"
    if element is not None:
        element.screenshot(str(target))
    else:
        driver.save_screenshot(str(target))
    from PIL import Image

    with Image.open(target) as image:  # 64 colours: a third of the size, text still crisp
        small = image.convert("RGB").quantize(colors=64)
    small.save(target, optimize=True)
