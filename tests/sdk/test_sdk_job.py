"""SiemplifyJob: the job context, extract_job_param and end()."""

import json

from sdk_harness import ScriptRunner

JOB = """
from SiemplifyJob import SiemplifyJob
from SiemplifyUtils import output_handler


@output_handler
def main():
    siemplify = SiemplifyJob()
    days = siemplify.extract_job_param("Days", default_value=7, input_type=int, print_value=True)
    name = siemplify.extract_job_param("Name", is_mandatory=True)
    siemplify.end(f"{siemplify.unique_identifier}:{name}:{days}", True)


main()
"""


def test_job_reads_its_context_and_ends_like_an_action(runner: ScriptRunner) -> None:
    run = runner.run(JOB, ["api-key-1"], {"parameters": {"Name": "cleanup", "Days": ""}, "unique_identifier": "job-1"})
    assert run.returncode == 0
    output = json.loads(run.stdout)
    assert list(output) == ["Message", "ResultObjectJson", "ResultValue", "DebugOutput", "ExecutionState"]
    assert output["Message"] == "job-1:cleanup:7"
    assert output["DebugOutput"] == "Parameter Days was not found or was empty, used default 7 instead\nDays: 7\n"


def test_job_missing_mandatory_param(runner: ScriptRunner) -> None:
    run = runner.run(JOB, ["api-key-1"], {"parameters": None})
    assert run.returncode == 1
    assert run.stderr.rstrip().endswith("Exception: Missing mandatory parameter Name")


def test_job_context_requires_parameters(runner: ScriptRunner) -> None:
    run = runner.run(JOB, ["api-key-1"], {"unique_identifier": "job-1"})
    assert run.returncode == 1
    assert "KeyError: 'parameters'" in run.stderr
