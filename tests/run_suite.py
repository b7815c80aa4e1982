"""`make test`: the whole suite as two pytest processes side by side, one per CPU of a 2-CPU machine.

Most of the suite's time is platform subprocesses and headless Chromium, run one at a time by each pytest
process, so one process keeps one CPU busy. The test files are split in two halves of about the same
length: the connector's files (their names hold "connector" or "tracking") and everything else. Each half's
report is printed when both have finished; the exit status is non-zero when either half failed.

`python tests/run_suite.py --jobs 1` runs the suite as one process; any other argument goes to both pytest
processes. A single module runs as usual: `.venv/bin/python -m pytest tests/e2e/test_e2e_ping.py`.
"""

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
CONNECTOR_FILES = re.compile(r"connector|tracking")


def halves() -> list[list[str]]:
    files = sorted(str(path.relative_to(ROOT)) for path in TESTS.rglob("test_*.py"))
    connector = [name for name in files if CONNECTOR_FILES.search(Path(name).name)]
    rest = [name for name in files if name not in connector]
    return [half for half in (connector, rest) if half]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, choices=(1, 2), default=2)
    options, pytest_args = parser.parse_known_args(argv)
    command = [sys.executable, "-m", "pytest", *pytest_args]
    if options.jobs == 1:
        return subprocess.call(command, cwd=ROOT)
    started = time.monotonic()
    parts = halves()
    sizes = " and ".join(str(len(files)) for files in parts)
    print(f"Running the suite as {len(parts)} pytest processes side by side ({sizes} test files)")
    sys.stdout.flush()
    with tempfile.TemporaryDirectory(prefix="run-suite-") as scratch:
        reports = [Path(scratch) / f"half-{number}.txt" for number in range(len(parts))]
        processes = []
        for files, report in zip(parts, reports, strict=True):
            with report.open("w") as out:
                processes.append(subprocess.Popen([*command, *files], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT))
        codes = [process.wait() for process in processes]
        for number, (report, code) in enumerate(zip(reports, codes, strict=True), start=1):
            print(f"\n===== half {number} of {len(parts)} (pytest exit status {code}) =====")
            print(report.read_text(errors="replace"), end="")
    print(f"\nThe whole suite took {time.monotonic() - started:.0f} s; {'passed' if not any(codes) else 'FAILED'}.")
    return max(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
