"""Rerun every complete ``$ mlmon ...`` block of ``README.md`` and ``docs/`` and write what
mlmon prints now in its place (what ``tests/e2e/test_doc_examples.py`` checks byte for
byte, run the same way: in a scratch directory, piped, ``NO_COLOR``). Blocks cut with
``...`` and blocks marked ``<!-- example not run: ... -->`` are left as they are. Review
the diff: a changed number in an example is a changed behaviour.

Run from anywhere: ``python scripts/refresh_doc_examples.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.test_doc_examples import examples, run, scratch  # noqa: E402


def refresh() -> list[str]:
    """Rewrite the pages whose examples print something else now; the pages changed."""
    runner = CliRunner()
    os.environ.pop("COLUMNS", None)
    changed: dict[Path, str] = {}
    with tempfile.TemporaryDirectory() as where:
        os.chdir(scratch(Path(where)))
        for example in examples():
            if not example.complete or example.not_run is not None:
                continue
            shown, code = run(runner, example.command)
            tail = f"$ echo $?\n{code}\n" if "$ echo $?\n" in example.block.text else ""
            new = f"$ {example.command}\n{shown}{tail}"
            if new != example.block.text:
                page = REPO / example.block.page
                text = changed.get(page, page.read_text(encoding="utf-8"))
                fence = f"```{example.block.language}\n"
                assert text.count(fence + example.block.text + "```") == 1, (
                    f"{page}: the block of {example.command!r} is not unique"
                )
                changed[page] = text.replace(fence + example.block.text + "```", fence + new + "```")
        os.chdir(REPO)
    for page, text in changed.items():
        page.write_text(text, encoding="utf-8")
    return [str(page.relative_to(REPO)) for page in changed]


if __name__ == "__main__":
    for name in refresh():
        print(f"rewrote {name}")
