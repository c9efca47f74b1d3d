"""Build .dvc/plots_offline.html: DVC's plots page with Vega, Vega-Lite and vega-embed inlined.

Why: `dvc plots show` and `dvc plots diff` write a page that loads these three libraries from a
CDN, so offline (or behind a proxy) it is blank. DVC fills the page from the template named by
`plots.html_template` in .dvc/config; DVC's own `{scripts}` placeholder (the CDN <script src>
tags) is left out of this template, so the page loads nothing from the network.

The assembled template is committed, so a fresh clone renders plots offline with no npm, no
network and no `make install`. This script is how it was made and how to check it: each
library comes from its npm tarball, pinned by version and by the tarball's sha512 integrity
(the value the npm registry publishes), and the file taken from it is pinned by sha256 (which
tests/test_plots_template.py checks against the committed template, offline).

    python tools/build_plots_template.py           # download the pinned tarballs, write it
    python tools/build_plots_template.py --check   # rebuild in memory, compare byte for byte

Downloads go through `npm pack` (the registry's own client); npm must be on PATH.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / ".dvc" / "plots_offline.html"
# DVC (dvc_render.html.HTML) substitutes these three by plain string replacement.
PLACEHOLDERS = ("{plot_divs}", "{scripts}", "{refresh_tag}")


@dataclass(frozen=True)
class Library:
    name: str
    version: str
    integrity: str  # the npm registry's dist.integrity of the tarball
    file: str  # the UMD build inside the tarball, which defines a browser global
    sha256: str  # of that file
    license: str  # path of the LICENSE inside the tarball; "" when the tarball ships none


# Vega 5 / Vega-Lite 5 / vega-embed 6: the major versions DVC's own page loads (its specs are
# Vega-Lite v5); the newest release of each at the time of pinning.
LIBRARIES = (
    Library("vega", "5.33.1",
            "sha512-1fArfVDUqVbb5z8n+/nVQb+VNBzx8svY6CrsyTK4Ujm4yrd9I1auoKxBAPXLCavY1LcrbHUskQbGUP8gXOzyQw==",
            "build/vega.min.js",
            "463f3db6a40b20e9747b4ed38f37ed0add508838f9141b1cf8366784b07b30c8", ""),
    Library("vega-lite", "5.23.0",
            "sha512-l4J6+AWE3DIjvovEoHl2LdtCUkfm4zs8Xxx7INwZEAv+XVb6kR6vIN1gt3t2gN2gs/y4DYTs/RPoTeYAuEg6mA==",
            "build/vega-lite.min.js",
            "58c27358e26f2d319cf62f45bc17a4c8362f08645001df2ec8d341eee4097c7f", "LICENSE"),
    Library("vega-embed", "6.29.0",
            "sha512-PmlshTLtLFLgWtF/b23T1OwX53AugJ9RZ3qPE2c01VFAbgt3/GSNI/etzA/GzdrkceXFma+FDHNXUppKuM0U6Q==",
            "build/vega-embed.min.js",
            "12d02acfbe3ec59ef9a37dd4822a2e04e2961b5bbb671bbe661d2221715b99da", "LICENSE"),
)

VEGA_NOTICE = ("vega is BSD-3-Clause (its package.json; the tarball ships no LICENSE file), "
               "copyright University of Washington Interactive Data Lab.")


def fetch(lib: Library, workdir: Path) -> bytes:
    """The tarball from the npm registry, refused unless its sha512 is the pinned one."""
    subprocess.run(["npm", "pack", f"{lib.name}@{lib.version}", "--silent",
                    "--pack-destination", str(workdir)], check=True, capture_output=True)
    data = (workdir / f"{lib.name}-{lib.version}.tgz").read_bytes()
    got = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != lib.integrity:
        raise SystemExit(f"{lib.name}@{lib.version}: tarball integrity {got} != pinned "
                         f"{lib.integrity}")
    return data


def extract(lib: Library, tarball: bytes) -> tuple[str, str]:
    """(the UMD build, its LICENSE text or "") from the tarball, the build checked by sha256."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        def read(member: str) -> bytes:
            handle = tar.extractfile(f"package/{member}")
            assert handle is not None, member
            return handle.read()

        script = read(lib.file)
        license_text = read(lib.license).decode() if lib.license else ""
    if hashlib.sha256(script).hexdigest() != lib.sha256:
        raise SystemExit(f"{lib.name}@{lib.version}: {lib.file} sha256 differs from the pin")
    return script.decode(), license_text


def check_inlinable(lib: Library, script: str) -> None:
    """An inline script must not end early (`</script`) or hold a placeholder DVC replaces."""
    bad = [s for s in ("</script", "<!--", *PLACEHOLDERS) if s in script.lower()]
    if bad:
        raise SystemExit(f"{lib.name}: {lib.file} contains {bad}; it cannot be inlined as is")


HEAD = """<!DOCTYPE html>
<html>
<head>
    {refresh_tag}
    <meta charset="utf-8">
    <title>DVC Plot</title>
"""
TAIL = """    <style>
        table {
            border-spacing: 15px;
        }
    </style>
</head>
<body>
    {plot_divs}
</body>
</html>
"""


def assemble(parts: list[tuple[Library, str, str]]) -> str:
    """The template: DVC's page layout, a comment naming the sources and their licenses, and
    one inline <script> per library in place of DVC's `{scripts}`."""
    sources = "".join(f"      {lib.name}@{lib.version} ({lib.file}, sha256 {lib.sha256}), "
                      f"npm tarball integrity {lib.integrity}\n" for lib, _, _ in parts)
    licenses = "\n\n".join(f"{lib.name}:\n{text.strip()}" if text else
                            f"{lib.name}: {VEGA_NOTICE}" for lib, _, text in parts)
    comment = ("    <!--\n    selforg's offline template for `dvc plots show` and `dvc plots "
               "diff`,\n    built by tools/build_plots_template.py from these npm packages:\n"
               f"{sources}\n{licenses}\n    -->\n")
    scripts = "".join(f'    <script type="text/javascript" data-library="{lib.name}">'
                      f"{script}</script>\n" for lib, script, _ in parts)
    return HEAD + comment + scripts + TAIL


def build() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for lib in LIBRARIES:
            script, license_text = extract(lib, fetch(lib, Path(tmp)))
            check_inlinable(lib, script)
            parts.append((lib, script, license_text))
    return assemble(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="rebuild and compare with the committed template; write nothing")
    args = parser.parse_args()
    page = build()
    if args.check:
        same = TEMPLATE.is_file() and TEMPLATE.read_text(encoding="utf8") == page
        print(f"{TEMPLATE.relative_to(REPO)}: {'identical' if same else 'DIFFERS'} to the build")
        sys.exit(0 if same else 1)
    TEMPLATE.write_text(page, encoding="utf8")
    print(f"wrote {TEMPLATE.relative_to(REPO)} ({len(page.encode()):,} bytes)")


if __name__ == "__main__":
    main()
