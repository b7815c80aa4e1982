"""The finder scenario's measuring job: the calls it counts are the Manager's paging, as shipped or pinned."""

import pytest

from bench.cli import parse_args
from bench.finder import PATHS, SENDER_DOMAIN, seed
from bench.harness import instance, request_counts
from bench.probe import probe

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("what", sorted(PATHS))
def test_the_job_returns_what_was_asked_in_the_fewest_pages_and_the_baseline_in_pages_of_100(simulator, what):
    seed(simulator, 620)
    counted = {}
    for label, page_size in (("ours", None), ("baseline", 100)):
        simulator.state.log.reset()
        job = {"kind": "finder", "what": what, "instance": instance(simulator.url), "results": 550}
        answer = probe({**job, "sender": SENDER_DOMAIN, "page_size": page_size})
        assert answer["returned"] == 550
        sizes = [e["body"]["meta"]["pagination"]["pageSize"] for e in simulator.state.log.entries(path=PATHS[what])]
        counted[label] = (answer["requests"], request_counts(simulator).get(PATHS[what], 0), sizes)

    assert counted == {"ours": (2, 2, [500, 50]), "baseline": (6, 6, [100] * 5 + [50])}


def test_the_finder_scenario_can_be_run_alone():
    assert parse_args(["--only", "finder"]).only == ["finder"]
