"""The viewer and the rating page in a real browser (headless Chromium through chromedriver).

What a reviewer does: open a run and read its turns and the prompts behind them, narrow the
study list with a filter, rate an answer blind and find the rating saved, and open a bundle
from file:// with no server at all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from selforg.judging.rubric import DIMENSIONS
from selforg.paths import Paths
from selforg.protocols import registry
from selforg.ratings import load_ratings
from selforg.tables import read_table
from selforg.view.app import ViewApp
from selforg.view.bundle import write_bundle
from selforg.view.filters import Filters
from selforg.view.rate_app import RateApp
from selforg.view.store import StudyStore
from tests.view.conftest import screenshot

SCORES = {"accuracy": 3, "completeness": 2, "coherence": 4, "actionability": 1, "mission": 3}


def _click_and_wait(browser: Any, element: Any, url_part: str) -> None:
    """Click (a submit button or a link) and wait until the new page has loaded: a click
    does not wait for the navigation it starts."""
    before = browser.current_url
    element.click()
    WebDriverWait(browser, 30).until(
        lambda d: d.current_url != before and url_part in d.current_url
        and d.execute_script("return document.readyState") == "complete")


def _wait_for(browser: Any, condition: Any) -> None:
    """Wait until `condition(driver)` holds; an element replaced mid-check is looked up again."""
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        condition)


def _visible_rows(browser: Any) -> list[Any]:
    return [r for r in browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr") if r.is_displayed()]


def _column(rows: list[Any], index: int) -> list[str]:
    return [r.find_elements(By.TAG_NAME, "td")[index].text for r in rows]


def test_run_page_shows_its_turns_and_prompts(browser: Any, serve: Any, study: Path) -> None:
    store = StudyStore(study)
    run = store.runs_page(Filters(protocol="sequential", shock="none")).rows[0]["run_id"]
    site = serve(ViewApp(store))
    browser.get(f"{site.url}/runs/{run}.html")
    turns = read_table("turns", Paths(study).turns)
    mine = turns[turns["run_id"] == run]
    sections = browser.find_elements(By.CSS_SELECTOR, "section.turn")
    assert len(sections) == len(mine) == 6  # five agents and the assembly call
    assert [s.get_attribute("data-agent") for s in sections] == ["0", "1", "2", "3", "4", "-1"]
    second = sections[1]
    prompt = second.find_element(By.CSS_SELECTOR, "details.prompt")
    text = prompt.find_elements(By.TAG_NAME, "pre")[1]
    assert not text.is_displayed(), "prompts are collapsed by default"
    browser.execute_script("arguments[0].scrollIntoView()", second)
    prompt.find_element(By.TAG_NAME, "summary").click()
    assert text.is_displayed()
    exact = store.run(run).prompts[(1, 0)].messages[1]["content"]  # type: ignore[union-attr]
    assert text.get_attribute("textContent") == exact
    assert "You are agent 1." in text.text and "[agent 0 |" in text.text
    screenshot(browser, "run-turns")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.org g.agent")) == 5
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.org path.builds-on")) == 4
    assert browser.find_element(By.ID, "final-answer").text.strip()
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.judgments tbody tr")) == 2
    assert "code checker finds the final answer" in browser.find_element(By.ID, "verdict").text
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "run-page")


def test_coordinator_picture_and_two_runs_side_by_side(browser: Any, serve: Any,
                                                       study: Path) -> None:
    store = StudyStore(study)
    run = store.runs_page(Filters(protocol="coordinator", shock="none")).rows[0]["run_id"]
    site = serve(ViewApp(store))
    browser.get(f"{site.url}/runs/{run}.html")
    picture = browser.find_element(By.CSS_SELECTOR, "svg.org")
    assert len(picture.find_elements(By.CSS_SELECTOR, "path.follows")) == 5  # workers -> 0
    screenshot(browser, "organisation", picture)
    sequential = [row for row in browser.find_elements(By.CSS_SELECTOR, "tr")
                  if [c.text for c in row.find_elements(By.TAG_NAME, "td")][1:5:3]
                  == ["sequential", "-"]]
    link = sequential[0].find_element(By.CSS_SELECTOR, "a.compare")
    other = link.get_attribute("href").split("b=")[1]
    assert other.startswith("sequential-")
    _click_and_wait(browser, link, "compare.html")
    for side, expected in (("a", run), ("b", other)):
        browser.switch_to.frame(browser.find_element(By.ID, f"run-{side}"))
        assert browser.find_element(By.TAG_NAME, "h1").text == f"Run {expected}"
        browser.switch_to.default_content()
    screenshot(browser, "compare")


def test_a_filter_narrows_the_list(browser: Any, serve: Any, study: Path) -> None:
    runs = read_table("runs", Paths(study).runs)
    site = serve(ViewApp(StudyStore(study)))
    browser.get(f"{site.url}/index.html")
    assert len(_visible_rows(browser)) == len(runs) == 10
    screenshot(browser, "study-page")
    Select(browser.find_element(By.NAME, "protocol")).select_by_value("coordinator")
    Select(browser.find_element(By.NAME, "shock")).select_by_value("none")
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button"),
                    "protocol=coordinator")
    rows = _visible_rows(browser)
    assert len(rows) == ((runs["protocol"] == "coordinator") & runs["shock"].isna()).sum() == 2
    assert set(_column(rows, 3)) == {"coordinator"}
    browser.get(f"{site.url}/index.html?search=proposes+step+1")
    assert 0 < len(_visible_rows(browser)) < len(runs)
    assert all("proposes step 1" in m for m in _column(_visible_rows(browser), 14))
    screenshot(browser, "study-search")


def test_a_rating_is_saved_and_read_back(browser: Any, serve: Any, study_copy: Path) -> None:
    app = RateApp(study_copy, sample_size=4, seed=0)
    site = serve(app)
    browser.get(f"{site.url}/")
    browser.find_element(By.ID, "rater").send_keys("tester")
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"),
                    "rater=tester")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Answer 1 of 4"
    page = browser.page_source
    runs = read_table("runs", Paths(study_copy).runs)
    assert not any(run in page for run in runs["run_id"]), "the page names a run"
    for word in (*registry.names(), "fake", "scripted", "N ="):
        assert not re.search(rf"\b{re.escape(word)}\b", page), f"the page shows {word!r}"
    for dim in DIMENSIONS:
        assert browser.find_element(By.ID, f"dim-{dim}").text.count(" = ") == 4  # anchors
    screenshot(browser, "rating-page")
    for dim, score in SCORES.items():
        browser.find_element(By.CSS_SELECTOR, f"input[name={dim}][value='{score}']").click()
    browser.find_element(By.ID, "save").click()
    _wait_for(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Answer 2 of 4")

    saved = load_ratings(Paths(study_copy).human_ratings)
    assert len(saved) == 1
    row = saved.iloc[0]
    assert row["rater"] == "tester" and row["run_id"] in app.sample
    assert {d: int(row[d]) for d in DIMENSIONS} == SCORES and row["seconds"] >= 0
    browser.get(f"{site.url}/ratings?rater=tester")
    assert browser.find_element(By.ID, "saved-count").text == "1 saved"
    cells = browser.find_elements(By.CSS_SELECTOR, "#ratings tbody td")
    assert [c.text for c in cells[1:6]] == [str(SCORES[d]) for d in DIMENSIONS]
    browser.get(f"{site.url}/rate?rater=tester&item=1")
    _wait_for(browser, lambda d: "rated this answer before" in d.page_source)
    checked = {dim: browser.find_element(By.CSS_SELECTOR, f"input[name={dim}]:checked")
               .get_attribute("value") for dim in DIMENSIONS}
    assert checked == {dim: str(score) for dim, score in SCORES.items()}


def test_the_bundle_works_from_file_urls(browser: Any, study: Path, tmp_path: Path) -> None:
    store = StudyStore(study)
    site = write_bundle(store, tmp_path / "site").path
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), page
    runs = read_table("runs", Paths(study).runs)
    browser.get((site / "index.html").as_uri())
    assert len(_visible_rows(browser)) == len(runs)
    Select(browser.find_element(By.NAME, "protocol")).select_by_value("sequential")
    _click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button"),
                    "protocol=sequential")
    assert browser.current_url.startswith("file://")
    assert len(_visible_rows(browser)) == (runs["protocol"] == "sequential").sum() == 4
    browser.get((site / "index.html").as_uri() + "?search=proposes+step+1")
    hits = len(_visible_rows(browser))
    assert hits == len(store.search("proposes step 1")) > 0
    browser.get((site / "index.html").as_uri())
    _click_and_wait(browser, _visible_rows(browser)[0].find_element(By.TAG_NAME, "a"), "runs/")
    assert browser.current_url.startswith("file://")
    assert browser.find_elements(By.CSS_SELECTOR, "section.turn")
    summary = browser.find_element(By.CSS_SELECTOR, "details.prompt summary")
    browser.execute_script("arguments[0].scrollIntoView()", summary)
    summary.click()
    assert "TASK:" in browser.find_element(By.CSS_SELECTOR, "details.prompt").text
