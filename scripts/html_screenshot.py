"""Render the sample check report as HTML and screenshot it in headless Chromium; also the
browser harness that tests/render/test_html.py uses (stdlib only).

Usage: python scripts/html_screenshot.py [--out docs/sample_report.png] [--width 1200]
           [--max-height 4200] [--html PATH]

Runs ``mlmon check sample_logs --config examples/mlmon.toml --format html``, loads the page
in headless Chromium (``chromium``, ``chromium-browser`` or ``google-chrome`` on PATH, or
``$CHROMIUM``), checks it (no console message, no error, nothing fetched, every chart drawn)
and writes a PNG of the whole page, up to --max-height pixels. Exit status 0, 1 when the
page fails a check, 2 without Chromium.

How a page is checked (:func:`load`): a copy gets a small probe script first in its
``<head>`` (the copy's Content-Security-Policy also allows inline scripts; the page itself
has none). The probe records error events (script errors and failed resource loads),
Content-Security-Policy violations, ``console.error``/``warn`` calls, the resources the
page fetched, and the size of every ``<svg>`` and of its drawn marks; ``--dump-dom``
returns them in the DOM. Chromium's own log (``--enable-logging=stderr``) lists every
console message too, caught or not.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CONSOLE = re.compile(r":CONSOLE[:(]")
PROBE_ID = "mlmon-probe"
MARKS = "circle,path.line,rect.share,rect.bar,rect.cell,rect.mark"
PROBE = """<script>(function(){
var seen={errors:[],csp:[],console:[]};
addEventListener('error',function(e){\
seen.errors.push(e.message||('failed to load '+((e.target&&(e.target.src||e.target.href))||'?')))},true);
addEventListener('securitypolicyviolation',function(e){seen.csp.push(e.violatedDirective+' '+e.blockedURI)});
['error','warn'].forEach(function(k){var f=console[k];\
console[k]=function(){seen.console.push(k+': '+Array.prototype.join.call(arguments,' '));\
return f.apply(console,arguments)}});
addEventListener('load',function(){
 var svgs=[];document.querySelectorAll('svg').forEach(function(s){var b=s.getBoundingClientRect(),drawn=0;
  s.querySelectorAll('%s').forEach(function(m){var r=m.getBoundingClientRect();if(r.width>0&&r.height>0)drawn++});
  svgs.push({label:s.getAttribute('aria-label'),width:b.width,height:b.height,drawn:drawn})});
 seen.svgs=svgs;seen.resources=performance.getEntriesByType('resource').map(function(r){return r.name});
 seen.height=document.documentElement.scrollHeight;
 var p=document.createElement('pre');p.id='%s';p.textContent=JSON.stringify(seen);document.body.appendChild(p)});
})();</script>""" % (MARKS, PROBE_ID)  # noqa: UP031 - str.format and f-strings would double every brace of the JavaScript


def find_chromium() -> str | None:
    """The headless browser to use: ``$CHROMIUM``, else the first of :data:`BROWSERS` on PATH."""
    chosen = os.environ.get("CHROMIUM")
    if chosen:
        return shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def _run(browser: str, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Chromium headless with a throwaway profile; ``--no-sandbox`` so it runs as root in a
    container too (it only ever opens our own local file)."""
    with tempfile.TemporaryDirectory(prefix="mlmon-chromium-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def load(page: Path, browser: str, width: int = 1200, timeout: float = 30) -> dict:
    """Load ``page`` in a ``width`` pixels wide window with the probe (see the module
    docstring) and return what it saw, plus ``log``: Chromium's console lines for the page."""
    text = Path(page).read_text(encoding="utf-8")
    text = text.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
    text = re.sub(r"<head>", "<head>" + PROBE, text, count=1)
    with tempfile.TemporaryDirectory(prefix="mlmon-page-") as folder:
        copy = Path(folder) / Path(page).name
        copy.write_text(text, encoding="utf-8")
        run = _run(browser, [f"--window-size={width},900", "--dump-dom", copy.as_uri()], timeout)
    found = re.search(rf'<pre id="{PROBE_ID}">(.*?)</pre>', run.stdout, re.DOTALL)
    if found is None:
        raise RuntimeError(f"the probe did not report (exit {run.returncode}): {run.stderr[-1500:]}")
    seen = json.loads(html.unescape(found.group(1)))
    seen["log"] = [line for line in run.stderr.splitlines() if CONSOLE.search(line)]
    return seen


def problems(seen: dict) -> list[str]:
    """What is wrong with a loaded page: console lines, errors, fetches, undrawn charts."""
    found = [*seen["log"], *seen["errors"], *(f"CSP: {c}" for c in seen["csp"]), *seen["console"]]
    found += [f"fetched {name}" for name in seen["resources"]]
    for svg in seen["svgs"]:
        if not (svg["width"] > 0 and svg["height"] > 0 and svg["drawn"] > 0):
            found.append(f"chart not drawn: {svg}")
    return found


def screenshot(page: Path, png: Path, browser: str, width: int, height: int, timeout: float = 60) -> None:
    """A ``width`` x ``height`` PNG of the top of ``page``."""
    png.parent.mkdir(parents=True, exist_ok=True)
    run = _run(
        browser, [f"--screenshot={png}", f"--window-size={width},{height}", Path(page).resolve().as_uri()], timeout
    )
    if not png.is_file():
        raise RuntimeError(f"no screenshot (exit {run.returncode}): {run.stderr[-1500:]}")


def render_sample(target: Path) -> None:
    """``mlmon check`` of the sample logs, as HTML, into ``target`` (exit 1: rules fired)."""
    code = "import sys; from mlmon.cli import main; sys.argv[0] = 'mlmon'; main()"
    args = ["check", "sample_logs", "--config", "examples/mlmon.toml", "--format", "html", "--output", str(target)]
    run = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1) or not target.is_file():
        raise RuntimeError(f"mlmon check failed (exit {run.returncode}): {run.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "sample_report.png")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--max-height", type=int, default=4200)
    parser.add_argument("--html", type=Path, help="also keep the HTML page here")
    args = parser.parse_args(argv)
    browser = find_chromium()
    if browser is None:
        print("html_screenshot: Chromium not installed (apt-get install chromium, or set CHROMIUM)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mlmon-sample-") as folder:
        page = args.html or Path(folder) / "sample_report.html"
        render_sample(page.resolve())
        seen = load(page, browser, args.width)
        wrong = problems(seen)
        for line in wrong:
            print(f"html_screenshot: {line}", file=sys.stderr)
        height = min(int(seen["height"]) + 16, args.max_height)
        screenshot(page, args.out, browser, args.width, height)
    size = args.out.stat().st_size
    print(
        f"{args.out}: {args.width}x{height}, {size / 1024:.0f} KB; page {page.name}: {len(seen['svgs'])} charts drawn, "
        f"{len(wrong)} problem(s)"
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
