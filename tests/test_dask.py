"""The Dask executor (generator/cluster.py) on a LocalCluster of two worker processes:
the same bytes as a local build, a lost worker fails the build cleanly, and the cluster
is checked before anything is sent."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from generator.build import BuildFailed, build
from generator.cluster import DaskSettings
from generator.errors import UsageProblem

from .conftest import dask_workers_forked, output_files, require_tool

REPO = Path(__file__).resolve().parent.parent
AUDIENCES = ["delegation-zahran"]  # right to left, in Arabic


def test_a_right_to_left_build_on_the_cluster_equals_the_local_build(
        dask_cluster: Any, tmp_path: Path) -> None:
    """The Arabic delegation's brief and deck: its fonts and its theme's logo travel to the
    workers by content hash. (Every format, numbered copies and a brief in parts, on the
    canary project: tests/test_leaks.py.)"""
    cluster, _client = dask_cluster
    local = build(REPO, AUDIENCES, out=tmp_path / "local", jobs=2)
    remote = build(REPO, AUDIENCES, out=tmp_path / "dask",
                   cluster=DaskSettings(cluster.scheduler_address))
    assert sorted(r.job.format for r in remote.built) == ["pdf", "pptx"]
    assert output_files(tmp_path / "dask") == output_files(tmp_path / "local")
    assert [r.warnings for r in remote.results] == [r.warnings for r in local.results]


def test_a_worker_killed_mid_build_fails_it_cleanly(dask_cluster: Any, tmp_path: Path) -> None:
    cluster, client = dask_cluster
    out = tmp_path / "out"
    build(REPO, ["minister"], ["pdf", "html"], out, jobs=2)
    before = output_files(out)
    pids = client.run(os.getpid)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            build(REPO, ["minister"], ["pdf", "html"], out, force=True,
                  cluster=DaskSettings(cluster.scheduler_address))
        except BuildFailed as exc:
            outcome["failed"] = exc
        except BaseException as exc:  # reported below
            outcome["other"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    killed = None
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        busy = [w for w, keys in client.processing().items()
                if any(str(k).startswith("briefgen-") for k in keys)]
        if busy:
            killed = busy[0]
            os.kill(pids[killed], signal.SIGKILL)
        time.sleep(0.02)
    thread.join(120)
    client.wait_for_workers(2, timeout=60)  # the nanny starts another: later tests need it
    assert killed is not None, "no task was seen running"
    assert "other" not in outcome, outcome.get("other")
    failure = outcome["failed"]
    messages = [f"{d.file}: {d.message}" for d in failure.diagnostics]
    # the worker running the task, or the one holding the files it reads (scattered to one
    # worker), whichever the kill met first: either way the loss is named
    assert any(m.startswith("minister/brief.") and "was lost" in m for m in messages), messages
    assert output_files(out) == before  # every previous output untouched, nothing staged
    assert not list((out / ".briefgen").glob("staging-*"))


def test_plain_tcp_to_another_machine_is_refused_before_connecting(tmp_path: Path) -> None:
    with pytest.raises(UsageProblem) as refused:
        build(REPO, ["press"], ["html"], tmp_path / "out", force=True,
              cluster=DaskSettings("tcp://192.0.2.10:8786"))
    assert "plain TCP to another machine is refused" in refused.value.diagnostics[0].message
    assert not (tmp_path / "out").exists()


def test_a_worker_of_other_versions_is_refused_by_name(dask_cluster: Any,
                                                       tmp_path: Path) -> None:
    cluster, client = dask_cluster

    def older() -> None:  # on each worker: report another WeasyPrint
        import generator.cluster as module

        real = module.versions
        module._real_versions = real  # type: ignore[attr-defined]
        module.versions = lambda: {**real(), "WeasyPrint": "0.0"}  # type: ignore[assignment]

    def restore() -> None:
        import generator.cluster as module

        module.versions = module._real_versions  # type: ignore[attr-defined]

    client.run(older)
    try:
        with pytest.raises(BuildFailed) as refused:
            build(REPO, ["press"], ["html"], tmp_path / "out", force=True,
                  cluster=DaskSettings(cluster.scheduler_address))
    finally:
        client.run(restore)
    messages = [d.message for d in refused.value.diagnostics]
    assert len(messages) == 2  # each worker, named
    assert all("runs WeasyPrint 0.0, this machine" in m for m in messages), messages
    assert not (tmp_path / "out").exists()


def test_the_gate_judges_what_a_remote_worker_returns(dask_cluster: Any,
                                                      tmp_path: Path) -> None:
    """Workers render without the release gate; the client runs it on every file that
    comes back (generator.build.gated), so a worker cannot pass a file the gate refuses."""
    from generator.build import JobResult, gated, plan
    from generator.content import load_project
    from generator.tailor import tailor

    project = load_project(REPO)
    job = next(j for j in plan(project, {"press": tailor(project, "press")}, ["html"]))
    refused = gated(JobResult(job, "built", data=b"<!DOCTYPE html><p>no banner</p>"))
    assert refused.status == "failed" and refused.errors and refused.data is None


def _certificates(folder: Path) -> dict[str, str]:
    """A certificate authority and one certificate for 127.0.0.1 signed by it (openssl)."""
    openssl = require_tool("openssl")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
        "ca.pem", "-days", "1", "-subj", "/CN=briefgen test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "node.key", "-out", "node.csr",
        "-subj", "/CN=127.0.0.1")
    (folder / "ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                "extendedKeyUsage=serverAuth,clientAuth\n")
    run("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "node.pem", "-days", "1", "-extfile", "ext")
    return {name: str(folder / name) for name in ("ca.pem", "node.pem", "node.key")}


def test_a_build_over_tls_with_certificates(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from distributed.security import Security

    certs = _certificates(tmp_path)
    security = Security(tls_ca_file=certs["ca.pem"], tls_scheduler_cert=certs["node.pem"],
                        tls_scheduler_key=certs["node.key"], tls_worker_cert=certs["node.pem"],
                        tls_worker_key=certs["node.key"], tls_client_cert=certs["node.pem"],
                        tls_client_key=certs["node.key"], require_encryption=True)
    local = build(REPO, ["press"], ["html"], tmp_path / "local", jobs=1)
    with dask_workers_forked(), distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, protocol="tls://",
            host="127.0.0.1", security=security, dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        remote = build(REPO, ["press"], ["html"], tmp_path / "tls", cluster=DaskSettings(
            address, certs["ca.pem"], certs["node.pem"], certs["node.key"]))
        assert not remote.warnings  # encrypted: no warning
        assert output_files(tmp_path / "tls") == output_files(tmp_path / "local")
        assert [r.status for r in local.results] == ["built"]
        # without a client certificate the cluster does not let briefgen in
        with pytest.raises(BuildFailed) as refused:
            build(REPO, ["press"], ["html"], tmp_path / "none", force=True,
                  cluster=DaskSettings(address, certs["ca.pem"]))
        assert "cannot connect to the Dask scheduler" in refused.value.diagnostics[0].message
        assert not (tmp_path / "none").exists()
