"""The public contract of the integration, written once.

Parameter names, option values, defaults and output messages are used by playbooks already written for
the incumbent integration: do not rename them. Each action and the connector declare their spec (name,
parameters, texts) in their own script; what several of them share is here.
"""

from MimecastSpecs import CHECKBOX, PASSWORD, STRING, ParamSpec

INTEGRATION_IDENTIFIER = "Mimecast"
INTEGRATION_DISPLAY_NAME = "Mimecast"
SCRIPT_RESULT_NAME = "is_success"

# The runners' words in a failure's advice (MimecastExceptions.Terms): doing it again, where the connection is set.
ACTION_AGAIN = "running the action again"
CONNECTION_SETTINGS = "the integration instance"

# Integration instance
API_ROOT = "API Root"
APPLICATION_ID = "Application ID"
APPLICATION_KEY = "Application Key"
ACCESS_KEY = "Access Key"
SECRET_KEY = "Secret Key"
CLIENT_ID = "Client ID"
CLIENT_SECRET = "Client Secret"
VERIFY_SSL = "Verify SSL"
DEFAULT_API_ROOT = "https://api.services.mimecast.com"

API1_FIELDS = (APPLICATION_ID, APPLICATION_KEY, ACCESS_KEY, SECRET_KEY)
API2_FIELDS = (CLIENT_ID, CLIENT_SECRET)
SECRET_FIELDS = (APPLICATION_KEY, ACCESS_KEY, SECRET_KEY, CLIENT_SECRET)

INTEGRATION_PARAMS = (
    ParamSpec(API_ROOT, STRING, DEFAULT_API_ROOT, mandatory=True),
    ParamSpec(APPLICATION_ID, STRING),
    ParamSpec(APPLICATION_KEY, PASSWORD),
    ParamSpec(ACCESS_KEY, PASSWORD),
    ParamSpec(SECRET_KEY, PASSWORD),
    ParamSpec(CLIENT_ID, STRING),
    ParamSpec(CLIENT_SECRET, PASSWORD),
    ParamSpec(VERIFY_SSL, CHECKBOX, "true", mandatory=True),
)

AUTH_API1 = "API 1.0"
AUTH_API2 = "API 2.0"
AUTH_MODE_LABELS = {
    AUTH_API1: "API 1.0 (Application ID, Application Key, Access Key, Secret Key)",
    AUTH_API2: "API 2.0 (Client ID, Client Secret)",
}
NO_AUTH_MESSAGE = "No authentication parameters provided."

TIME_FRAME_LAST_HOUR = "Last Hour"
TIME_FRAME_LAST_6_HOURS = "Last 6 Hours"
TIME_FRAME_LAST_24_HOURS = "Last 24 Hours"
TIME_FRAME_LAST_WEEK = "Last Week"
TIME_FRAME_LAST_MONTH = "Last Month"
TIME_FRAME_CUSTOM = "Custom"
TIME_FRAMES = (
    TIME_FRAME_LAST_HOUR,
    TIME_FRAME_LAST_6_HOURS,
    TIME_FRAME_LAST_24_HOURS,
    TIME_FRAME_LAST_WEEK,
    TIME_FRAME_LAST_MONTH,
    TIME_FRAME_CUSTOM,
)
DEFAULT_ARCHIVE_FIELDS = (
    "attachmentcount,status,subject,size,receiveddate,displayfrom,displayfromaddress,id,displayto,"
    "displaytoaddresslist,smash"
)

FIELDS_TO_RETURN = "Fields To Return"
MAILBOXES = "Mailboxes"
FROM = "From"
TO = "To"
SUBJECT = "Subject"
TIME_FRAME = "Time Frame"
START_TIME = "Start Time"
END_TIME = "End Time"
MAX_EMAILS_TO_RETURN = "Max Emails To Return"
XML_QUERY = "XML Query"
# Parameter names that several actions share.
MESSAGE_ID = "Message ID"
SENDER = "Sender"
RECIPIENT = "Recipient"
COMMENT = "Comment"
ARCHIVE_RESULTS_TABLE = "Results"
# The largest page the integration asks for: 500 worked on a live tenant.
ARCHIVE_MAX_PAGE_SIZE = 500
# The most emails either archive search returns: Simple Archive Search refuses a larger Max Emails To Return,
# Advanced Archive Search (no limit parameter) follows `next` up to it. It keeps a result of Mimecast's
# default fields well under the platform's 15 MB result limit.
ARCHIVE_MAX_EMAILS = 5000
ARCHIVE_FOUND_MESSAGE = "Successfully found archive emails for the provided criteria in Mimecast"
ARCHIVE_NOT_FOUND_MESSAGE = "No archive emails were found for the provided criteria in Mimecast"
# What both archive searches return: a list of the emails, newest first, with the fields asked for.
ARCHIVE_RESULT_EXAMPLE = [
    {
        "attachmentcount": 1,
        "status": "ARCHIVED",
        "subject": "Invoice 48213 is due",
        "size": 48211,
        "receiveddate": "2025-03-07T15:41:00+0000",
        "displayfrom": "Billing Team",
        "displayfromaddress": "billing@northwind.example",
        "id": "eNo1jk0LgkAYhP_KsueCVVvd9RalQkVEdOgSYu-uSZjrRy5F9N_bDrsdZuaZF2ZGSAs5d7Y3XKM6lmQG5mW4cQpU",
        "displayto": "Alex Rivera",
        "displaytoaddresslist": [{"displayableName": "Alex Rivera", "emailAddress": "alex.rivera@example.com"}],
        "smash": "1b61550b5e0c7ee28107a38919464dfd786771a2",
    },
    {
        "attachmentcount": 0,
        "status": "ARCHIVED",
        "subject": "Re: Quarterly report",
        "size": 11370,
        "receiveddate": "2025-03-07T15:12:00+0000",
        "displayfrom": "Sam Okafor",
        "displayfromaddress": "sam.okafor@example.com",
        "id": "eNolj0tvgzAQhP-LzyDtGmNDOKUPklZNKzX0lQsytklpeLTY0EPV_16n7OHTajSa2f0h1qhpNI0mK5J_MPxxTz",
        "displayto": "Robin Novak, Casey Tanaka",
        "displaytoaddresslist": [
            {"displayableName": "Robin Novak", "emailAddress": "robin.novak@example.com"},
            {"displayableName": "Casey Tanaka", "emailAddress": "casey.tanaka@example.com"},
        ],
        "smash": "6dc4a295a30866658cf1c5ae84db9f0e1c2d3a47",
    },
]
START_TIME_REQUIRED_MESSAGE = '"Start Time" should be provided, when "Custom" is selected in "Time Frame" parameter.'
END_BEFORE_START_MESSAGE = '"End Time" should be later than "Start Time".'

REJECT_REASON_SELECT_ONE = "Select One"
REJECT_REASONS = {
    REJECT_REASON_SELECT_ONE: None,
    "Inappropriate Communication": "INAPPROPRIATE COMMUNICATION",
    "Confidential Information": "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
    "Against Email Policy": "MESSAGE GOES AGAINST EMAIL POLICIES",
    "Restricted Content": "REVIEWER DISAPPROVES OF CONTENT",
}
REJECT_SUCCESS_MESSAGE = 'Successfully rejected message with ID "{message_id}" in Mimecast'

RELEASE_SUCCESS_MESSAGE = 'Successfully released message with ID "{message_id}" in Mimecast'

REPORT_TYPES = {"Spam": "spam", "Malware": "malware", "Phishing": "phishing"}
REPORT_SUCCESS_MESSAGE = 'Successfully reported the following messages with ID "{message_id}" in Mimecast'

BLOCK_SENDER_SUCCESS_MESSAGE = "Successfully blocked sender {sender} for recipient {recipient} in Mimecast"
PERMIT_SENDER_SUCCESS_MESSAGE = "Successfully permitted sender {sender} for recipient {recipient} in Mimecast"

POLICY_RESPONSES = {"No Action": "no_action", "Block Sender": "block_sender"}
POLICY_EXTRACTED_DATA = {"Both": "both", "From Envelope": "envelope_from", "From Headers": "header_from"}
POLICY_ADDRESS_TYPES = {
    "Everyone": "everyone",
    "Email Address": "individual_email_address",
    "Email Domain": "email_domain",
    "Header Display Name": "header_display_name",
    "Internal Addresses": "internal_addresses",
    "External Addresses": "external_addresses",
}
CREATE_POLICY_SUCCESS_MESSAGE = "Successfully created a block sender policy in Mimecast"
# Appended for a policy whose Response is No Action, so nobody takes it for a block.
CREATE_POLICY_NO_ACTION_NOTE = ". Its Response is No Action: it does not block or change the mail it matches."
# {name} is "Sender" or "Recipient": the value is required for the address types that carry one.
POLICY_VALUE_REQUIRED_MESSAGE = (
    "{name} is required when {name} Type is Email Domain, Email Address, or Header Display Name."
)

# Search Message Tracking, Get Message Details, List Held Messages
INTERNET_MESSAGE_ID = "Internet Message ID"
SENDER_IP = "Sender IP"
ROUTE = "Route"
REASON = "Reason"
TRACKING_ID = "Tracking ID"
# The most messages either search returns: a result well under the platform's 15 MB limit.
FINDER_MAX_MESSAGES = 1000
TRACKING_FOUND_MESSAGE = (
    "Successfully found {count} tracked message(s) for the provided criteria in Mimecast: {statuses}"
)
TRACKING_NOT_FOUND_MESSAGE = "No tracked messages were found for the provided criteria in Mimecast"
DETAILS_FOUND_MESSAGE = (
    'Successfully retrieved the details of the message with tracking ID "{tracking_id}" from Mimecast'
)
DETAILS_NOT_FOUND_MESSAGE = 'No message with tracking ID "{tracking_id}" was found in Mimecast'
HELD_FOUND_MESSAGE = "Successfully found {count} held message(s) for the provided criteria in Mimecast"
HELD_NOT_FOUND_MESSAGE = "No held messages were found for the provided criteria in Mimecast"

# Delivered-message response: remediation, managed URLs, Blocked Senders policies listed and deleted.
REMEDIATE_SUCCESS_MESSAGE = (
    'Successfully created remediation incident "{code}" in Mimecast: {identified} message(s) identified, '
    "{removed} removed and {failed} failed so far"
)
INCIDENT_MESSAGE = (
    'Remediation incident "{code}" in Mimecast: {identified} message(s) identified, {removed} removed, {failed} '
    "failed, {restored} restored"
)
INCIDENT_TABLE = "Remediation Incident"
MANAGED_URL_MATCH_TYPES = {"Explicit": "explicit", "Domain": "domain"}
MANAGED_URL_SUCCESS_MESSAGE = 'Successfully {done} the URL "{url}" in Mimecast'
MANAGED_URL_EXISTS_MESSAGE = 'The URL "{url}" is already {done} in Mimecast: the existing entry was kept'
MANAGED_URL_TABLE = "Managed URL"
POLICIES_FOUND_MESSAGE = "Successfully found {count} block sender policies in Mimecast"
POLICIES_NOT_FOUND_MESSAGE = "No block sender policies were found in Mimecast"
POLICIES_TABLE = "Block Sender Policies"
DELETE_POLICY_SUCCESS_MESSAGE = 'Successfully deleted the block sender policy with ID "{policy_id}" in Mimecast'

# Endpoints and the Mimecast role permission each needs (the README lists them; named in 403 failures).
PATH_GET_ACCOUNT = "/api/account/get-account"
PATH_OAUTH_TOKEN = "/oauth/token"
PATH_ARCHIVE_SEARCH = "/api/archive/search"
PATH_HOLD_MESSAGE_LIST = "/api/gateway/get-hold-message-list"
PATH_HOLD_RELEASE = "/api/gateway/hold-release"
PATH_HOLD_REJECT = "/api/gateway/hold-reject"
PATH_RELEASE_TO_SANDBOX = "/api/message-finder/release-held-email-to-sandbox"
PATH_REPORT_MESSAGE = "/api/message-finder/report-message"
PATH_PERMIT_OR_BLOCK_SENDER = "/api/managedsender/permit-or-block-sender"
PATH_CREATE_BLOCKED_SENDER_POLICY = "/api/policy/blockedsenders/create-policy"
PATH_GET_BLOCKED_SENDER_POLICY = "/api/policy/blockedsenders/get-policy"
PATH_MESSAGE_FINDER_SEARCH = "/api/message-finder/search"
PATH_MESSAGE_INFO = "/api/message-finder/get-message-info"
PATH_CREATE_REMEDIATION = "/api/ttp/remediation/create"
PATH_GET_REMEDIATION_INCIDENT = "/api/ttp/remediation/get-incident"
PATH_CREATE_MANAGED_URL = "/api/ttp/url/create-managed-url"
PATH_LIST_MANAGED_URLS = "/api/ttp/url/get-all-managed-urls"
PATH_DELETE_BLOCKED_SENDER_POLICY = "/api/policy/blockedsenders/delete-policy"

PERMISSION_DASHBOARD_READ = "Account | Dashboard | Read"
PERMISSION_HELD_EDIT = "Account | Monitoring | Held | Edit"
PERMISSION_ARCHIVE_SEARCH_READ = "Archive | Search Logs | Read"
PERMISSION_ARCHIVE_VIEW_READ = "Archive | View Logs | Read"
PERMISSION_MANAGED_SENDERS_EDIT = "Gateway | Managed Senders | Edit"
PERMISSION_POLICIES_EDIT = "Gateway | Policies | Edit"
PERMISSION_POLICIES_READ = "Gateway | Policies | Read"
PERMISSION_TRACKING_READ = "Gateway | Tracking | Read"
PERMISSION_REMEDIATION_EDIT = "Services | Threat Remediation | Edit"
PERMISSION_REMEDIATION_READ = "Services | Threat Remediation | Read"
# Mimecast's pages name this one for create-managed-url and, oddly, also for the list.
PERMISSION_URL_PROTECT_EDIT = "Services | Targeted Threat Protection - URL Protect | Edit"

PATH_PERMISSIONS = {
    PATH_GET_ACCOUNT: PERMISSION_DASHBOARD_READ,
    PATH_ARCHIVE_SEARCH: PERMISSION_ARCHIVE_SEARCH_READ,
    PATH_HOLD_MESSAGE_LIST: PERMISSION_DASHBOARD_READ,
    PATH_HOLD_RELEASE: PERMISSION_HELD_EDIT,
    PATH_HOLD_REJECT: PERMISSION_HELD_EDIT,
    PATH_RELEASE_TO_SANDBOX: PERMISSION_HELD_EDIT,
    PATH_REPORT_MESSAGE: PERMISSION_ARCHIVE_VIEW_READ,
    PATH_PERMIT_OR_BLOCK_SENDER: PERMISSION_MANAGED_SENDERS_EDIT,
    PATH_CREATE_BLOCKED_SENDER_POLICY: PERMISSION_POLICIES_EDIT,
    PATH_GET_BLOCKED_SENDER_POLICY: PERMISSION_POLICIES_READ,
    PATH_MESSAGE_FINDER_SEARCH: PERMISSION_TRACKING_READ,
    PATH_MESSAGE_INFO: PERMISSION_TRACKING_READ,
    PATH_CREATE_REMEDIATION: PERMISSION_REMEDIATION_EDIT,
    PATH_GET_REMEDIATION_INCIDENT: PERMISSION_REMEDIATION_READ,
    PATH_CREATE_MANAGED_URL: PERMISSION_URL_PROTECT_EDIT,
    PATH_LIST_MANAGED_URLS: PERMISSION_URL_PROTECT_EDIT,
    # Undocumented; create-policy's permission (the likely one).
    PATH_DELETE_BLOCKED_SENDER_POLICY: PERMISSION_POLICIES_EDIT,
}

# Connector
DEVICE_PRODUCT_FIELD = "DeviceProductField"
EVENT_CLASS_ID = "EventClassId"
ENVIRONMENT_FIELD_NAME = "Environment Field Name"
ENVIRONMENT_REGEX_PATTERN = "Environment Regex Pattern"
PYTHON_PROCESS_TIMEOUT = "PythonProcessTimeout"
DOMAINS = "Domains"
LOWEST_RISK_TO_FETCH = "Lowest Risk To Fetch"
STATUS_FILTER = "Status Filter"
ROUTE_FILTER = "Route Filter"
QUEUE_REASON_FILTER = "Queue Reason Filter"
INGEST_WITHOUT_RISK = "Ingest Messages Without Risk"
MAX_HOURS_BACKWARDS = "Max Hours Backwards"
MAX_MESSAGES_TO_RETURN = "Max Messages To Return"
WHITELIST_AS_BLACKLIST = "Use whitelist as a blacklist"
PROXY_SERVER_ADDRESS = "Proxy Server Address"
PROXY_USERNAME = "Proxy Username"
PROXY_PASSWORD = "Proxy Password"
CONCURRENT_DETAIL_REQUESTS = "Concurrent Detail Requests"

TRACKING_STATUSES = ("delivery", "held", "accepted", "bounced", "deferred", "rejected", "archived")
TRACKING_ROUTES = ("internal", "outbound", "inbound")
RISK_LEVELS = ("Negligible", "Low", "Medium", "High")
# Alert priority from the message's risk: -1 Informational, 40 Low, 60 Medium, 80 High.
RISK_PRIORITIES = {"negligible": -1, "low": 40, "medium": 60, "high": 80}
NO_RISK_PRIORITY = -1
MAX_HOURS_BACKWARDS_LIMIT = 720
MAX_CONCURRENT_DETAIL_REQUESTS = 16

CONNECTOR_SECRET_FIELDS = (*SECRET_FIELDS, PROXY_PASSWORD)

# Connector events: flat dicts whose field names are a contract for playbooks (README "Message Tracking connector").
EVENT_TYPE = "event_type"
EVENT_MESSAGE = "Message"
EVENT_RECIPIENT = "Recipient"
EVENT_ATTACHMENT = "Attachment"
EVENT_TRACKING_ID = "tracking_id"
EVENT_STATUS = "status"
EVENT_ROUTE = "route"
EVENT_INFO = "info"
EVENT_SENDER = "sender"
EVENT_SENDER_HEADER = "sender_header"
EVENT_SENDER_NAME = "sender_name"
EVENT_RECIPIENTS = "recipients"
EVENT_RECIPIENT_ADDRESS = "recipient"
EVENT_RECIPIENT_NAME = "recipient_name"
EVENT_SUBJECT = "subject"
EVENT_SENDER_IP = "sender_ip"
EVENT_INTERNET_MESSAGE_ID = "internet_message_id"
EVENT_RISK = "risk"
EVENT_QUEUE_REASON = "queue_reason"
EVENT_QUEUE_DETAIL_STATUS = "queue_detail_status"
EVENT_HELD_MESSAGE_ID = "held_message_id"
EVENT_HELD_MESSAGE_IDS = "held_message_ids"
EVENT_RECEIVED = "received"
EVENT_SENT = "sent"
EVENT_START_TIME = "start_time"
EVENT_END_TIME = "end_time"
EVENT_DETAILS_AVAILABLE = "details_available"
EVENT_ATTACHMENT_COUNT = "attachment_count"
EVENT_FILE_NAME = "file_name"
EVENT_FILE_TYPE = "file_type"
EVENT_FILE_SIZE = "file_size"
EVENT_FILE_HASH = "file_hash"
EVENT_DELIVERY_EVENT = "delivery_event"
EVENT_TYPES = (EVENT_MESSAGE, EVENT_RECIPIENT, EVENT_ATTACHMENT)
# Every field name the events carry under a stable name (besides the flattened `tracked_*` / `details_*` data).
EVENT_FIELDS = (
    EVENT_TYPE,
    EVENT_TRACKING_ID,
    EVENT_STATUS,
    EVENT_ROUTE,
    EVENT_INFO,
    EVENT_SENDER,
    EVENT_SENDER_HEADER,
    EVENT_SENDER_NAME,
    EVENT_RECIPIENTS,
    EVENT_RECIPIENT_ADDRESS,
    EVENT_RECIPIENT_NAME,
    EVENT_SUBJECT,
    EVENT_SENDER_IP,
    EVENT_INTERNET_MESSAGE_ID,
    EVENT_RISK,
    EVENT_QUEUE_REASON,
    EVENT_QUEUE_DETAIL_STATUS,
    EVENT_HELD_MESSAGE_ID,
    EVENT_HELD_MESSAGE_IDS,
    EVENT_RECEIVED,
    EVENT_SENT,
    EVENT_START_TIME,
    EVENT_END_TIME,
    EVENT_DETAILS_AVAILABLE,
    EVENT_ATTACHMENT_COUNT,
    EVENT_FILE_NAME,
    EVENT_FILE_TYPE,
    EVENT_FILE_SIZE,
    EVENT_FILE_HASH,
    EVENT_DELIVERY_EVENT,
)
ALERT_VENDOR = "Mimecast"
ALERT_DEFAULT_PRODUCT = "Mimecast"
ALERT_DEFAULT_RULE = "Mimecast Email"
