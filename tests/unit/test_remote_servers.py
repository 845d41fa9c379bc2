"""The MongoDB and OpenSearch suites (tests/remote.py): a server named by its variable
must answer, else they fail (never skip); and `-m backends` selects them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bureau.process import free_port

ROOT = Path(__file__).resolve().parents[2]
SUITES = {
    "BUREAU_MONGODB_URI": "tests/contracts/test_blobs_gridfs.py",
    "BUREAU_OPENSEARCH_URL": "tests/contracts/test_index_opensearch.py",
}


def _pytest(*arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SUITES}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", *arguments],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.mark.parametrize("variable", list(SUITES))
def test_a_set_variable_whose_server_does_not_answer_fails_the_suite(variable: str) -> None:
    port = free_port()  # nothing listens there
    url = {
        "BUREAU_MONGODB_URI": f"mongodb://127.0.0.1:{port}/?directConnection=true",
        "BUREAU_OPENSEARCH_URL": f"http://127.0.0.1:{port}",
    }[variable]
    run = _pytest("-q", "-m", "backends", SUITES[variable], **{variable: url})
    assert run.returncode == 1, run.stdout[-2000:]
    assert f"{variable} is set but" in run.stdout
    assert "skipped" not in run.stdout.splitlines()[-1]


def test_the_backends_marker_selects_the_suites_that_need_a_server() -> None:
    run = _pytest("--collect-only", "-q", "-m", "backends", "tests/contracts")
    assert run.returncode == 0, run.stdout[-2000:]
    files = {line.split("::")[0] for line in run.stdout.splitlines() if "::" in line}
    assert set(SUITES.values()) | {"tests/contracts/test_mailbox_mongo.py"} <= files
    assert "tests/contracts/test_sqlite_adapters.py" not in files


def test_the_workflow_runs_the_make_target_with_the_variables_the_fixtures_read() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/backends.yml").read_text())
    assert set(workflow[True]) == {"push", "pull_request"}  # YAML 1.1 reads `on` as True
    job = workflow["jobs"]["backends"]
    assert set(SUITES) <= set(job["env"])
    assert "replicaSet=rs0" in job["env"]["BUREAU_MONGODB_URI"]
    runs = [step.get("run", "") for step in job["steps"]]
    assert any("--replSet rs0" in run for run in runs)
    assert any("rs.initiate" in run and "myState" in run for run in runs)
    assert runs[-1] == "make test-backends"
    assert job["services"]["opensearch"]["image"].startswith("opensearchproject/opensearch:2")
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\ntest-backends:", 1)[1].split("\n\n", 1)[0]
    assert "-m backends" in target
