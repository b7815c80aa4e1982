"""A fresh helper process for one measurement: `python -m bench.probe` reads a JSON job on stdin, prints a JSON result.

Peak RSS of a script is read with getrusage(RUSAGE_CHILDREN) after the script's process was waited for: the
probe starts nothing else, so its only child is the script (or the command) being measured. Kinds of job:

* `action` — `{"name", "params", "instance", "timeout_s"}`: one action run through devkit.runner.
* `connector` — `{"params", "store", "timeout_s"}`: one connector iteration through devkit.runner.
* `command` — `{"argv"}`: any command, e.g. the `import requests` floor.
* `archive` — `{"instance", "emails", "page_size"?, "days"?}`: the Manager's `search_archive` driven directly in
  this process, with its page size as shipped or, given `page_size`, pinned to that fixed page.
* `finder` — `{"what": "tracking"|"held", "instance", "results", "sender", "page_size"?, "hours"?}`: the Manager's
  `search_message_tracking` or `find_held_messages` driven the same way.
"""

import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from devkit import REPO_ROOT
from devkit.definitions import MANAGERS_DIR


def _peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def run_action_job(job: dict) -> dict:
    from devkit.runner import run_action

    started = time.perf_counter()
    run = run_action(
        job["name"], job.get("params") or {}, instance=job["instance"], timeout_s=job.get("timeout_s", 300)
    )
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "peak_rss_kb": _peak_rss_kb(),
        "exit_code": run.exit_code,
        "completed": run.completed,
        "message": run.message,
        "json_items": len(run.json_result) if isinstance(run.json_result, list) else None,
        "stderr_tail": run.stderr[-2000:] if not run.completed else "",
    }


def run_connector_job(job: dict) -> dict:
    from devkit.runner import run_connector

    started = time.perf_counter()
    run = run_connector(job["params"], store=job["store"], kill_after_s=job.get("timeout_s"))
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "peak_rss_kb": _peak_rss_kb(),
        "exit_code": run.exit_code,
        "timed_out": run.timed_out,
        "ticket_ids": [alert.get("ticket_id") for alert in run.ingested_alerts],
        "stderr_tail": run.stderr[-2000:] if run.exit_code else "",
    }


def run_command_job(job: dict) -> dict:
    started = time.perf_counter()
    completed = subprocess.run(job["argv"], capture_output=True, check=False)
    return {
        "wall_s": time.perf_counter() - started,
        "peak_rss_kb": _peak_rss_kb(),
        "exit_code": completed.returncode,
    }


def run_archive_job(job: dict) -> dict:
    """The product's paging code with the page size as shipped, or pinned to a smaller fixed page (the baseline)."""
    sys.path.insert(0, str(REPO_ROOT / MANAGERS_DIR))
    import MimecastManager
    from MimecastArchiveQuery import SimpleArchiveQuery
    from MimecastConstants import DEFAULT_ARCHIVE_FIELDS
    from MimecastParameters import split_csv

    shipped_page = MimecastManager.ARCHIVE_MAX_PAGE_SIZE
    if job.get("page_size"):
        MimecastManager.ARCHIVE_MAX_PAGE_SIZE = int(job["page_size"])
    page_size = MimecastManager.ARCHIVE_MAX_PAGE_SIZE
    emails = int(job["emails"])
    now = datetime.now(UTC)
    query = SimpleArchiveQuery(
        fields=split_csv(DEFAULT_ARCHIVE_FIELDS), start=now - timedelta(days=int(job.get("days", 90))), end=now
    ).check()
    manager = MimecastManager.MimecastManager.from_configuration(job["instance"])
    try:
        manager.get_account()  # fetches the API 2.0 token, so only the search is timed
        before = manager.request_count
        started = time.perf_counter()
        found = manager.search_archive(query.to_xml(min(emails, page_size)), emails)
        wall = time.perf_counter() - started
    finally:
        manager.close()
    return {
        "wall_s": wall,
        "requests": manager.request_count - before,
        "returned": len(found),
        "shipped_page_size": shipped_page,
    }


def run_finder_job(job: dict) -> dict:
    """Search Message Tracking's or List Held Messages' paging, as shipped or pinned to a fixed page (the baseline)."""
    sys.path.insert(0, str(REPO_ROOT / MANAGERS_DIR))
    import MimecastFinderOperations
    import MimecastManager

    if job.get("page_size"):
        MimecastFinderOperations.FINDER_MAX_PAGE_SIZE = int(job["page_size"])
    results = int(job["results"])
    end = datetime.now(UTC)
    start = end - timedelta(hours=int(job.get("hours", 2)))
    manager = MimecastManager.MimecastManager.from_configuration(job["instance"])
    try:
        manager.get_account()  # fetches the API 2.0 token, so only the search is timed
        before = manager.request_count
        started = time.perf_counter()
        if job["what"] == "tracking":
            search = MimecastFinderOperations.TrackingSearch(start, end, sender=job["sender"])
            found: list = manager.search_message_tracking(search, results)
        else:
            held = MimecastFinderOperations.HeldSearch(start, end, sender=job["sender"])
            found = manager.find_held_messages(held, results)
        wall = time.perf_counter() - started
    finally:
        manager.close()
    return {"wall_s": wall, "requests": manager.request_count - before, "returned": len(found)}


JOBS = {
    "action": run_action_job,
    "connector": run_connector_job,
    "command": run_command_job,
    "archive": run_archive_job,
    "finder": run_finder_job,
}


def probe(job: dict, *, timeout_s: float = 900) -> dict:
    """Run `job` in a fresh `python -m bench.probe` process and return its JSON answer."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.probe"],
        input=json.dumps(job).encode("utf-8"),
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=timeout_s,
        check=False,
    )
    lines = completed.stdout.decode("utf-8", "replace").strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"bench probe for a {job.get('kind')} job failed (exit {completed.returncode}): "
            f"{completed.stderr.decode('utf-8', 'replace')[-2000:]}"
        )
    return json.loads(lines[-1])


def main() -> None:
    job = json.loads(sys.stdin.read())
    result = JOBS[job["kind"]](job)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
