"""Without Debian's chromium the browser tests are skipped, and the end of the run says so."""

import pytest
from page_harness import NO_CHROMIUM


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = [report for report in terminalreporter.stats.get("skipped", []) if NO_CHROMIUM in str(report.longrepr)]
    if skipped:
        terminalreporter.write_line(f"SKIPPED {len(skipped)} widget browser tests: {NO_CHROMIUM}", yellow=True)
