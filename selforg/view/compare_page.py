"""Two runs side by side: one page holding both run pages, each scrolling on its own.

The page is static (the run ids come from its query string, `compare.html?a=ID&b=ID`), so the
server and a bundle share it byte for byte; run pages link to it for every other run of the
same task.
"""

from __future__ import annotations

from selforg.view.layout import page

SCRIPT = """<script>
(function () {
  var params = new URLSearchParams(location.search), safe = /^[A-Za-z0-9_.-]+$/;
  ["a", "b"].forEach(function (side) {
    var id = params.get(side) || "", frame = document.getElementById("run-" + side);
    var label = document.getElementById("label-" + side);
    if (safe.test(id)) {
      frame.src = "runs/" + id + ".html";
      label.textContent = id;
      label.href = "runs/" + id + ".html";
    } else {
      label.textContent = "no run given: open compare.html?a=RUN_ID&b=RUN_ID";
    }
  });
})();
</script>"""


def compare_html() -> str:
    body = ('<h1>Two runs side by side</h1><p class="note">Pick pairs from a run page\'s "Other '
            'runs of this task".</p><div class="compare">'
            '<div style="flex:1"><a id="label-a"></a><div class="compare"><iframe id="run-a" '
            'title="first run"></iframe></div></div>'
            '<div style="flex:1"><a id="label-b"></a><div class="compare"><iframe id="run-b" '
            'title="second run"></iframe></div></div></div>')
    return page("selforg: two runs side by side", body, script=SCRIPT)
