from MimecastActionRunner import run_action
from MimecastManagedUrlAction import managed_url_action, managed_url_spec

SPEC = managed_url_spec("permit")

if __name__ == "__main__":
    run_action(SPEC, managed_url_action(SPEC, "permit"))
