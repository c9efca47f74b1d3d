"""The repository stands alone: no file cites a document a user of it does not have (the
study contract and the reference figures live in docs/), and every docs/ page cited exists."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO

TEXT = (".py", ".md", ".yaml", ".yml", ".toml", ".in", ".cfg", ".txt", "Makefile")
OUTSIDE = re.compile(r"(?<![\w/])STUDY\.md|\bshared/[A-Z]+\.md")
DOCS_PAGE = re.compile(r"\bdocs/[\w-]+\.md")


def repository_files() -> list[str]:
    """Tracked files and new ones not ignored: what a clone (or the next commit) holds."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [f for f in listed.splitlines() if f.endswith(TEXT) and (REPO / f).is_file()]


def test_no_citation_of_documents_outside_the_repository() -> None:
    found = [f"{name}:{i}: {line.strip()}" for name in repository_files()
             for i, line in enumerate((REPO / name).read_text(errors="replace").splitlines(), 1)
             if OUTSIDE.search(line)]
    assert not found, "cite docs/study.md or docs/reference.md instead:\n" + "\n".join(found)


def test_every_cited_docs_page_exists() -> None:
    missing = sorted({f"{name}: {page}" for name in repository_files()
                      for page in DOCS_PAGE.findall((REPO / name).read_text(errors="replace"))
                      if not (REPO / page).is_file()})
    assert not missing, missing


def test_the_contract_and_the_reference_figures_are_in_docs() -> None:
    study = (REPO / "docs" / "study.md").read_text()
    for section in range(1, 8):
        assert re.search(rf"^## {section}\. ", study, re.MULTILINE), section
    reference = (REPO / "docs" / "reference.md").read_text()
    # the figures the report's "reference study vs this study" table quotes
    for figure in ("0.875", "0.767", "d = 1.86", "p = 0.61", "37.7%", "5,006"):
        assert figure in reference, figure
