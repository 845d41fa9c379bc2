"""The outside programs the tests drive, and whether each can do what a test needs of it.

A test skips, with the reason, when its program is missing or lacks the ability it needs
(`.ci/run` installs them all on CI). Checking the ability, not only the program, keeps a
half-installed tool — swaks without its TLS modules — from failing a test."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess


@functools.cache
def swaks_tls() -> str | None:
    """Why swaks cannot speak TLS here (None: it can)."""
    if shutil.which("swaks") is None:
        return "swaks is not installed (Debian package swaks)"
    support = subprocess.run(
        ["swaks", "--support"], capture_output=True, text=True, timeout=30, check=False
    )
    if "=== TLS supported" not in support.stdout + support.stderr:
        return "swaks has no TLS (Debian packages libnet-ssleay-perl and libio-socket-ssl-perl)"
    return None


@functools.cache
def kustomize() -> tuple[str | None, str | None]:
    """kubectl's path and why its built-in kustomize cannot build `deploy/k8s` here."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None, "kubectl is not installed (its built-in kustomize v4+ builds deploy/k8s)"
    version = subprocess.run(
        [kubectl, "version", "--client"], capture_output=True, text=True, timeout=30, check=False
    )
    found = re.search(r"Kustomize Version: v(\d+)", version.stdout)
    if found is None or int(found.group(1)) < 4:
        return None, "kubectl's built-in kustomize is older than v4 (Debian's is)"
    return kubectl, None
