"""The documentation under docs/ builds with Sphinx without a single warning, and reaches every page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_the_docs_build_warning_free_with_every_page_in_the_contents(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                            "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""
    index = (tmp_path / "html" / "index.html").read_text()
    pages = {path.stem for path in DOCS.glob("*.md")} - {"index"}
    linked = set(re.findall(r'href="([\w.-]+)\.html"', index))
    assert pages <= linked, f"not in the contents: {sorted(pages - linked)}"


def test_each_page_has_one_title_then_sections() -> None:
    """Every page is included in one book: one top-level title each, or the contents would break up."""
    for page in DOCS.glob("*.md"):
        text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)  # no headings in code
        titles = re.findall(r"^# ", text, re.M)
        assert len(titles) == 1 and text.startswith("# "), page.name


def test_the_installation_page_gives_the_readme_set_up_commands_verbatim() -> None:
    readme = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    page = re.findall(r"```sh\n(.*?)\n```", (DOCS / "packaging.md").read_text(), re.S)
    setup = [block for block in readme if "python3 -m venv" in block]
    assert len(setup) == 2 and all(block in page for block in setup)
