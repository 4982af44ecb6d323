"""The README's shell examples, run as written (twice) against a live server with the Seoul data:
each answers with data, and the second run records nothing new."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ledger.importing.importer import Importer
from tests.support.live import Live
from tests.support.requirements import unavailable

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "seoul"
SCRIPT_PATH = "/usr/bin:/bin"
"""The PATH the README's script runs with: its tools must be found there."""


def readme_script() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Try it", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the README's Try it section holds one shell block"
    return str(blocks[0])


def answers(output: str) -> list[dict[str, object]]:
    """The JSON documents the script printed, one after the other."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := output.find("{", at)) != -1:
        value, at = decoder.raw_decode(output, start)
        found.append(value)
    return found


def test_the_readme_examples_answer_with_data_and_replay(live: Live, tmp_path: Path) -> None:
    if not shutil.which("curl", path=SCRIPT_PATH):
        unavailable("the README's examples use curl", "GOVLEDGER_REQUIRE_CURL")
    Importer(live.runtime.ledger).import_folder(DATA)
    live.caught_up()
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    govledger = bin_dir / "govledger"
    govledger.write_text(f'#!/bin/sh\nexec {sys.executable} -m cli.main "$@"\n')
    govledger.chmod(0o755)
    script = readme_script().replace("http://127.0.0.1:8000", live.url)
    env = {
        "PATH": SCRIPT_PATH,
        "DATABASE_URL": live.runtime.config.url(),
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
    }
    runs = []
    for _ in range(2):
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        runs.append(answers(done.stdout))
    first, second = runs
    assert len(first) == 4 and all("errors" not in answer for answer in first), first
    assert all(answer["data"] for answer in first)
    assert "시장비서실" in json.dumps(first[0], ensure_ascii=False)
    assert json.dumps(first[1], ensure_ascii=False).count("시장비서실") >= 1
    assert first[2]["data"]["recordStaffing"]["events"]  # type: ignore[index]
    assert second[2]["data"]["recordStaffing"]["events"] == []  # type: ignore[index]
    final = first[3]["data"]
    assert final["before"]["staffing"]["current"] == 21  # type: ignore[index]
    assert final["now"]["staffing"]["current"] == 22  # type: ignore[index]
