"""Looking at a study in the browser: `selforg view` and `selforg rate` (docs/viewer.md).

- `store`: DuckDB over the parquet tables; a run index in memory, everything else read per
  page (turns, prompts and judgments of one run, found by row-group statistics).
- `filters`: the study page's filters, parsed from and written to a query string.
- `graph`: the organisation of a run as an inline SVG (who followed or built on whom).
- `layout`, `study_page`, `run_page`, `compare_page`: the HTML, escaped, with inline CSS and no
  outside resource, so a page works offline and from file://.
- `app`: the viewer's routes; `bundle`: the same pages written as a static site.
- `rate_page`, `rate_app`: blind human rating in the browser.
- `server`: a small threaded HTTP server on 127.0.0.1 for either app.
"""
