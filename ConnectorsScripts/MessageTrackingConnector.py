import time

# Measured first: PythonProcessTimeout counts from process start, and imports take time too.
STARTED = time.monotonic()

from MimecastConstants import (  # noqa: E402
    ACCESS_KEY,
    API_ROOT,
    APPLICATION_ID,
    APPLICATION_KEY,
    CLIENT_ID,
    CLIENT_SECRET,
    CONCURRENT_DETAIL_REQUESTS,
    DEVICE_PRODUCT_FIELD,
    DOMAINS,
    ENVIRONMENT_FIELD_NAME,
    ENVIRONMENT_REGEX_PATTERN,
    EVENT_CLASS_ID,
    INGEST_WITHOUT_RISK,
    INTEGRATION_PARAMS,
    LOWEST_RISK_TO_FETCH,
    MAX_HOURS_BACKWARDS,
    MAX_MESSAGES_TO_RETURN,
    PROXY_PASSWORD,
    PROXY_SERVER_ADDRESS,
    PROXY_USERNAME,
    PYTHON_PROCESS_TIMEOUT,
    QUEUE_REASON_FILTER,
    ROUTE_FILTER,
    SECRET_KEY,
    STATUS_FILTER,
    VERIFY_SSL,
    WHITELIST_AS_BLACKLIST,
)
from MimecastSpecs import CHECKBOX, INTEGER, PASSWORD, ConnectorSpec, ParamSpec  # noqa: E402

# The integration instance's parameters, which the connector takes too (with its own descriptions).
INSTANCE = {param.name: param for param in INTEGRATION_PARAMS}
SPEC = ConnectorSpec(
    "Mimecast - Message Tracking Connector",
    description=(
        "Pulls messages from Mimecast Message Tracking and creates one alert per tracked message: held, "
        "rejected, bounced or any other status, for the configured domains in both directions. Every message "
        "that passes the filters becomes exactly one alert, also across runs cut short by the limit or the "
        "timeout and messages Mimecast indexes late. Events carry the held-queue id that Release Message and "
        "Reject Message accept. Needs the Mimecast permissions Gateway | Tracking | Read and Account | "
        "Dashboard | Read."
    ),
    params=(
        ParamSpec(
            DEVICE_PRODUCT_FIELD,
            default="Product Name",
            mandatory=True,
            description=(
                "Event field whose value becomes the alert's product; when the message event has no such field, the "
                "product is Mimecast."
            ),
        ),
        ParamSpec(
            EVENT_CLASS_ID,
            default="event_type",
            mandatory=True,
            description="Event field that names the event type: Message, Recipient or Attachment.",
        ),
        ParamSpec(
            ENVIRONMENT_FIELD_NAME,
            description=(
                "Field of the (flattened) message event whose value is the alert's environment. Empty: the "
                "connector's default environment."
            ),
            advanced=True,
        ),
        ParamSpec(
            ENVIRONMENT_REGEX_PATTERN,
            default=".*",
            description=(
                "Regular expression applied to the value of the Environment Field Name; the match (its first group, "
                "if it has one) is the environment."
            ),
            advanced=True,
        ),
        ParamSpec(
            PYTHON_PROCESS_TIMEOUT,
            INTEGER,
            "180",
            mandatory=True,
            description=(
                "Seconds before the platform stops a run. The connector stops taking new work with a safety margin "
                "before it and hands over what it has; the rest comes in the next run."
            ),
        ),
        INSTANCE[API_ROOT]._replace(
            description=(
                "Mimecast API host. API 2.0: https://api.services.mimecast.com (global), "
                "https://us-api.services.mimecast.com or https://uk-api.services.mimecast.com. API 1.0 keys need the "
                "account's regional host, e.g. https://eu-api.mimecast.com or https://us-api.mimecast.com."
            )
        ),
        INSTANCE[APPLICATION_ID]._replace(
            description=(
                "API 1.0 (HMAC) Application ID. If any API 1.0 field is set, all four are required and API 1.0 is used."
            )
        ),
        INSTANCE[APPLICATION_KEY]._replace(description="API 1.0 Application Key."),
        INSTANCE[ACCESS_KEY]._replace(description="API 1.0 Access Key of the binding."),
        INSTANCE[SECRET_KEY]._replace(description="API 1.0 Secret Key of the binding, base64 as issued by Mimecast."),
        INSTANCE[CLIENT_ID]._replace(
            description="API 2.0 Client ID (OAuth 2.0 client credentials). Used when no API 1.0 field is set."
        ),
        INSTANCE[CLIENT_SECRET]._replace(description="API 2.0 Client Secret."),
        ParamSpec(
            DOMAINS,
            mandatory=True,
            description=(
                "Comma-separated domains. Each is searched as the recipient domain and as the sender domain "
                "(inbound, outbound and internal mail)."
            ),
        ),
        ParamSpec(
            LOWEST_RISK_TO_FETCH,
            description=(
                "Negligible, Low, Medium or High: only messages with at least this risk. Empty: all messages, "
                "whatever their risk."
            ),
        ),
        ParamSpec(
            STATUS_FILTER,
            default="held",
            description=(
                "Comma-separated statuses to fetch: delivery, held, accepted, bounced, deferred, rejected, archived. "
                "Invalid values are ignored (and logged). Empty: all messages, whatever their status (a new connector "
                "starts with held)."
            ),
        ),
        ParamSpec(
            ROUTE_FILTER,
            description=(
                "Comma-separated routes to fetch: internal, outbound, inbound. Empty: all messages, whatever their "
                "route."
            ),
        ),
        ParamSpec(
            QUEUE_REASON_FILTER,
            description=(
                "Comma-separated queue reasons (case-insensitive), e.g. Fraud Alert: only messages with one of them. "
                "Empty: all messages, whatever their queue reason."
            ),
        ),
        ParamSpec(
            INGEST_WITHOUT_RISK,
            CHECKBOX,
            "true",
            mandatory=True,
            description="Also create alerts for messages that have no risk verdict.",
        ),
        ParamSpec(
            MAX_HOURS_BACKWARDS,
            INTEGER,
            "1",
            description=(
                "Hours to look back on the first run (at most 720, about 30 days). Later runs continue where the "
                "previous one stopped."
            ),
        ),
        ParamSpec(
            MAX_MESSAGES_TO_RETURN,
            INTEGER,
            "100",
            description="Most messages whose details are fetched in one run; the rest come in the next runs.",
        ),
        ParamSpec(
            WHITELIST_AS_BLACKLIST,
            CHECKBOX,
            "true",
            mandatory=True,
            description=(
                "When checked, the connector's allowlist is used as a blocklist: messages whose tracking info text "
                "is listed are skipped. Unchecked: only listed ones are fetched."
            ),
        ),
        INSTANCE[VERIFY_SSL]._replace(description="Verify the Mimecast server certificate."),
        ParamSpec(
            PROXY_SERVER_ADDRESS,
            description=(
                "Proxy for the calls to Mimecast: http:// or https://, host and port, e.g. "
                "http://proxy.example.com:3128. Put the user name and password in their own parameters."
            ),
        ),
        ParamSpec(PROXY_USERNAME, description="Proxy user name."),
        ParamSpec(PROXY_PASSWORD, PASSWORD, description="Proxy password."),
        ParamSpec(
            CONCURRENT_DETAIL_REQUESTS,
            INTEGER,
            "10",
            description=(
                "How many message-detail requests run at the same time (1-16; 1 = one at a time). Requests are paced "
                "to stay within Mimecast's rate limit."
            ),
            advanced=True,
        ),
    ),
    documentation_anchor="mimecast-message-tracking-connector",
)


def run() -> None:
    from MimecastConnectorRunner import run_tracking_connector, start_connector_run

    siemplify = start_connector_run()
    siemplify.script_name = SPEC.name
    run_tracking_connector(siemplify, STARTED, SPEC)


if __name__ == "__main__":
    # The SDK is imported only here: it replaces sys.stdout, and the devkit imports this script to read SPEC.
    from SiemplifyUtils import output_handler

    from MimecastConnectorRunner import end_process

    output_handler(run)()
    end_process()
