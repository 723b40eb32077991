"""Build and run ``bench/loadgen``, a small Go HTTP load generator, from the Python benchmarks.

Why: the benchmarks run on a 2-core machine, and a Python HTTP client (httpx) costs about 1 ms of
CPU per request. Driving 1,500+ requests/s from Python would take most of both cores, so the
client, not the service, would be the bottleneck, and it would compete with the service under
test for the same cores. The Go generator (standard library only) needs a small fraction of that
per request, keeps an open-loop arrival rate honest (latency from each request's scheduled time,
no coordinated omission) and prints one JSON object that ``run_loadgen`` returns:

    {"requests": 2000, "statuses": {"202": 1998, "error": 2}, "elapsed_s": 4.001,
     "requests_per_s": 499.3, "ok_per_s": 499.3, "summed": 5994, "summed_per_s": 1498.1,
     "latency_ms": {"p50": 1.2, "p90": 2.0, "p99": 4.1, "max": 9.7}}

``summed`` and ``summed_per_s`` are only there with ``sum_field``; latencies are over 2xx answers.

    binary = build_loadgen(Path(".cache/bench"))
    result = run_loadgen(binary, url=f"{base}/v1/events", headers={"Authorization": f"Bearer {key}"},
                         bodies=[json.dumps(report) for report in reports], mode="rate", rate=1500)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SOURCE_DIR = Path(__file__).resolve().parent / "loadgen"
SOURCES = ("go.mod", "main.go")
FALLBACK_GO = Path("/usr/local/go/bin/go")
MODES = ("closed", "rate")


def find_go() -> str:
    """The ``go`` command: from PATH, else the usual tarball install location."""
    found = shutil.which("go")
    if found:
        return found
    if os.access(FALLBACK_GO, os.X_OK):
        return str(FALLBACK_GO)
    msg = (
        "`go` was not found on PATH nor at /usr/local/go/bin/go; it is needed to build bench/loadgen. "
        "Install Go 1.22 or newer (https://go.dev/dl/, or e.g. `apt-get install golang-go`) and put it on PATH."
    )
    raise RuntimeError(msg)


def source_hash() -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0")
        digest.update((SOURCE_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_loadgen(cache_dir: Path) -> Path:
    """Build the generator into ``cache_dir`` (once per version of its sources) and return its path."""
    binary = cache_dir / f"loadgen-{source_hash()}"
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    go = find_go()
    cache_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}
    if not any(env.get(name) for name in ("GOCACHE", "XDG_CACHE_HOME", "HOME")):
        env["GOCACHE"] = str(cache_dir.resolve() / "go-build")
    partial = binary.with_name(f"{binary.name}.{os.getpid()}.tmp")
    completed = subprocess.run(  # noqa: S603 - our own build command, never a shell
        [go, "build", "-o", str(partial.resolve()), "."],
        cwd=SOURCE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        partial.unlink(missing_ok=True)
        msg = f"`go build` of {SOURCE_DIR} failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}"
        raise RuntimeError(msg)
    partial.replace(binary)  # atomic, so concurrent builds never expose a half-written binary
    return binary


def _checked_lines(
    bodies: list[bytes] | list[str], mode: str, concurrency: int | None, rate: float | None
) -> list[bytes]:
    if mode not in MODES:
        msg = f"mode must be one of {MODES}, got {mode!r}"
        raise ValueError(msg)
    if mode == "rate" and (rate is None or rate <= 0):
        msg = f"mode 'rate' needs a positive rate, got {rate!r}"
        raise ValueError(msg)
    if mode == "closed" and rate is not None:
        msg = "rate is only meaningful with mode 'rate'"
        raise ValueError(msg)
    if concurrency is not None and concurrency < 1:
        msg = f"concurrency must be at least 1, got {concurrency}"
        raise ValueError(msg)
    if not bodies:
        msg = "no bodies to send"
        raise ValueError(msg)
    lines = [body.encode() if isinstance(body, str) else body for body in bodies]
    for index, line in enumerate(lines):
        if b"\n" in line or b"\r" in line or not line.strip():
            msg = f"body {index} is empty or spans several lines; serialise it with json.dumps without indent"
            raise ValueError(msg)
    return lines


def run_loadgen(
    binary: Path,
    *,
    url: str,
    headers: dict[str, str],
    bodies: list[bytes] | list[str],
    mode: str,
    concurrency: int | None = None,
    rate: float | None = None,
    sum_field: str | None = None,
    timeout_s: float = 60.0,
) -> dict[str, Any]:
    """POST each of ``bodies`` once, in order, to ``url``; return the generator's JSON report.

    ``mode="closed"``: ``concurrency`` workers (default 64) each send the next body as soon as their
    previous answer arrived. ``mode="rate"``: open loop at ``rate`` requests/s, latency from each
    request's scheduled time; ``concurrency`` caps the requests in flight (default 1024).
    Bodies must be single lines (serialise with ``json.dumps`` without ``indent``).
    """
    lines = _checked_lines(bodies, mode, concurrency, rate)
    args = [str(binary), "-url", url, "-mode", mode, "-timeout", f"{timeout_s}s"]
    for name, value in headers.items():
        args += ["-header", f"{name}: {value}"]
    if concurrency is not None:
        args += ["-concurrency", str(concurrency)]
    if rate is not None:
        args += ["-rate", repr(float(rate))]
    if sum_field is not None:
        args += ["-sum-field", sum_field]

    with tempfile.TemporaryDirectory(prefix="loadgen-") as tmp:
        bodies_file = Path(tmp) / "bodies.jsonl"
        bodies_file.write_bytes(b"\n".join(lines) + b"\n")
        completed = subprocess.run(  # noqa: S603 - our own generator binary, never a shell
            [*args, "-bodies", str(bodies_file)],
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        msg = f"loadgen failed ({completed.returncode}): {completed.stderr.strip()}"
        raise RuntimeError(msg)
    if completed.stderr:
        sys.stderr.write(completed.stderr)  # the first transport errors, if any
    try:
        result: dict[str, Any] = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        msg = f"loadgen printed no JSON report: {completed.stdout!r}; stderr: {completed.stderr.strip()}"
        raise RuntimeError(msg) from error
    return result
