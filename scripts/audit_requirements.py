"""Audit the runtime dependencies for known vulnerabilities: `make audit`, and the test in
tests/security/test_dependency_audit.py (so `make test` runs it).

What is audited: requirements.txt and everything it pulls in, at the versions installed in this
environment (`make` installs exactly the pins), listed with exact versions and handed to
pip-audit (`--no-deps --disable-pip`: nothing is installed or resolved again), which looks each
one up in PyPI's advisory data (PYSEC/GHSA/OSV ids).

Some package mirrors and proxies serve PyPI's project JSON (`/pypi/<name>/json`) but not the
per-release JSON (`/pypi/<name>/<version>/json`) that pip-audit reads, and pip-audit then skips
every dependency as "not found on PyPI". For those, this falls back to the advisories the
project JSON lists — PyPI publishes them for the project's latest release: a pin *at* the latest
release is audited that way; any other pin cannot be audited and fails the audit.

Exit status 0: every dependency audited and none has a known vulnerability; 1: a known
vulnerability; 2: PyPI could not be reached at all; 3: no known vulnerability, but some
dependency could not be audited (listed) — with `--allow-unaudited` that is 0 as well.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPI = "https://pypi.org/pypi"
TIMEOUT_S = 20


def pinned_closure(requirements: Path) -> dict[str, str]:
    """Every distribution requirements.txt needs (with extras and markers evaluated), at its
    installed version; fails when a top-level pin is not what is installed."""
    wanted: list[tuple[Requirement, set[str]]] = []
    # A lock continues a requirement over lines (`\`) with its `--hash=` options.
    joined = requirements.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in joined.splitlines():
        text = line.split("#", 1)[0].split(" --", 1)[0].strip()
        if text and not text.startswith("-"):
            requirement = Requirement(text)
            wanted.append((requirement, set(requirement.extras)))
    versions: dict[str, str] = {}
    while wanted:
        requirement, extras = wanted.pop()
        if requirement.marker and not any(
            requirement.marker.evaluate({"extra": extra}) for extra in (extras or {""})
        ):
            continue
        name = canonicalize_name(requirement.name)
        try:
            installed = distribution(requirement.name)
        except PackageNotFoundError:
            sys.exit(f"audit: {requirement.name} is not installed (run `make` first)")
        if requirement.specifier and installed.version not in requirement.specifier:
            sys.exit(f"audit: {requirement} wanted, {installed.version} installed")
        if name in versions:
            continue
        versions[name] = installed.version
        for dependency in installed.requires or []:
            nested = Requirement(dependency)
            if nested.marker and not any(
                nested.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            wanted.append((nested, set(nested.extras)))
    return versions


def pip_audit(versions: dict[str, str]) -> dict[str, Any]:
    """pip-audit's JSON report on exactly these pins."""
    with tempfile.TemporaryDirectory() as folder:
        pins = Path(folder) / "requirements-pinned.txt"
        pins.write_text("".join(f"{n}=={v}\n" for n, v in sorted(versions.items())))
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--requirement",
                str(pins),
                "--no-deps",
                "--disable-pip",
                "--format",
                "json",
                "--progress-spinner",
                "off",
                "--timeout",
                str(TIMEOUT_S),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stdout + done.stderr, file=sys.stderr)
        sys.exit(2 if "ConnectionError" in done.stderr else 1)
    return report


def project_advisories(name: str, version: str) -> list[str] | None:
    """The advisories PyPI's project JSON lists, when `version` is the latest release (None
    when it is not, so it cannot be audited this way)."""
    with urllib.request.urlopen(f"{PYPI}/{name}/json", timeout=TIMEOUT_S) as answer:
        project = json.load(answer)
    if project["info"]["version"] != version:
        return None
    return [v["id"] for v in project.get("vulnerabilities") or []]


def main() -> int:
    versions = pinned_closure(ROOT / "requirements.txt")
    try:
        urllib.request.urlopen(f"{PYPI}/pip/json", timeout=TIMEOUT_S).close()
    except (urllib.error.URLError, OSError) as exc:
        print(f"audit: PyPI is not reachable ({exc})", file=sys.stderr)
        return 2
    report = pip_audit(versions)
    findings: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    unaudited: list[str] = []
    for dependency in report.get("dependencies", []):
        name, version = (
            dependency["name"],
            dependency.get("version") or versions.get(canonicalize_name(dependency["name"]), "?"),
        )
        if "skip_reason" not in dependency:
            findings[name] = [v["id"] for v in dependency.get("vulns", [])]
            sources[name] = "pip-audit"
            continue
        advisories = project_advisories(name, version)
        if advisories is None:
            unaudited.append(f"{name} {version}: {dependency['skip_reason']}")
            continue
        findings[name] = advisories
        sources[name] = "PyPI project JSON (latest release)"
    width = max(len(n) for n in versions)
    for name in sorted(versions):
        ids = findings.get(name)
        state = "NOT AUDITED" if ids is None else (", ".join(ids) or "no known vulnerability")
        print(f"{name:<{width}}  {versions[name]:<12} {state}  [{sources.get(name, '-')}]")
    vulnerable = {n: ids for n, ids in findings.items() if ids}
    if vulnerable:
        print(f"\naudit: known vulnerabilities: {vulnerable}", file=sys.stderr)
        return 1
    if unaudited or len(findings) != len(versions):
        print("\naudit: could not be audited:\n  " + "\n  ".join(unaudited), file=sys.stderr)
        return 0 if "--allow-unaudited" in sys.argv[1:] else 3
    print(f"\naudit: {len(versions)} runtime dependencies, no known vulnerability")
    return 0


if __name__ == "__main__":
    sys.exit(main())
