import time

# Measured first: PythonProcessTimeout counts from process start, and imports take time too.
STARTED = time.monotonic()

from SiemplifyUtils import output_handler  # noqa: E402

from MimecastConnectorRunner import end_process, run_tracking_connector, start_connector_run  # noqa: E402
from MimecastConstants import MESSAGE_TRACKING_CONNECTOR  # noqa: E402


@output_handler
def main() -> None:
    siemplify = start_connector_run()
    siemplify.script_name = MESSAGE_TRACKING_CONNECTOR.name
    run_tracking_connector(siemplify, STARTED)


if __name__ == "__main__":
    main()
    end_process()
