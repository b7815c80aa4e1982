from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import INCIDENT_MESSAGE, INCIDENT_TABLE
from MimecastSpecs import ActionSpec, AiSpec, ParamSpec

INCIDENT_ID_PARAM = ParamSpec(
    "Incident ID",
    mandatory=True,
    description="The id of the remediation incident: the 'id' of Remediate Message's JSON result (not its code).",
    ai_description="The incident's id from Remediate Message's JSON result.",
)
SPEC = ActionSpec(
    "Get Remediation Incident",
    description=(
        "Get a Mimecast threat remediation incident with its counts as of now (POST "
        "/api/ttp/remediation/get-incident): how many messages were identified, removed (successful), failed "
        "and restored, so a playbook can wait until identified = successful + failed. Works with API 1.0 and "
        "API 2.0 credentials. Needs the permission 'Services | Threat Remediation | Read'. An unknown id makes "
        "the action fail, saying so. JSON result: the incident as Mimecast returns it."
    ),
    params=(INCIDENT_ID_PARAM,),
    result_example={
        "id": "eNo1jrsOgjAAAP-lM0Npi4KJg_EFvoJIRd2wVCwoxRYkaPx3cXC-remediation",
        "code": "TR-0007-00001-A",
        "type": "manual",
        "reason": "Phishing reported by user, SOAR case 1234",
        "identified": 3,
        "successful": 2,
        "failed": 1,
        "restored": 0,
        "create": "2026-01-31T12:00:00+0000",
        "modified": "2026-01-31T12:00:06+0000",
        "searchCriteria": {
            "from": "",
            "to": "",
            "start": "2026-01-01T00:00:00+0000",
            "end": "2026-01-31T12:00:00+0000",
            "messageId": "<CAE0897Aqtq2HaSRyLNGTn=QBgKhR5Tuc@mail.example.com>",
            "fileHash": "",
            "url": "",
            "subject": "",
            "restoreCode": "",
            "unremediateCode": "",
        },
    },
    documentation_anchor="get_remediation_incident",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Reads a Mimecast threat remediation incident: how many messages it identified, removed, failed to "
            "remove and restored so far.\n"
            "\n"
            "### When to use it\n"
            "After Remediate Message, to wait until Mimecast has handled every identified message (identified "
            "equals successful plus failed) and to report what was removed.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Nothing: it only reads.\n"
            "\n"
            "### Parameters\n"
            "Incident ID (required): the id of Remediate Message's JSON result.\n"
            "\n"
            "### Flow\n"
            "1. Calls /api/ttp/remediation/get-incident.\n"
            "2. Returns the incident with its counts; an unknown id fails, saying so."
        ),
        short_description="Reads a Mimecast remediation incident's identified, removed and failed counts.",
        capabilities="Reads one remediation incident from Mimecast; changes nothing.",
        fetches_data=True,
        outcomes=("search_email",),
    ),
)


def get_remediation_incident(context: ActionContext) -> ActionResult:
    incident = context.manager.get_remediation_incident(context.text(INCIDENT_ID_PARAM) or "")
    message = INCIDENT_MESSAGE.format(
        code=incident.code or incident.id,
        identified=incident.identified,
        removed=incident.removed,
        failed=incident.failed,
        restored=incident.restored,
    )
    message += f"; {incident.pending} still pending" if incident.pending else "; every identified message is handled"
    return ActionResult(message, incident.to_json(), ((INCIDENT_TABLE, [incident.to_table()]),))


if __name__ == "__main__":
    run_action(SPEC, get_remediation_incident)
