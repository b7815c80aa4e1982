"""Imported by Python at start-up in a script run whose PYTHONPATH starts with this folder (the read-timeout
cells of test_e2e_fault_matrix.py): the Manager's read timeout becomes the one the test set in
MIMECAST_TEST_READ_TIMEOUT_S, far below the run's time, so how long start-up takes cannot change what the
run reports. Nothing else changes; the platform never loads this.
"""

import os

import MimecastManager

MimecastManager.MimecastManager.__init__.__kwdefaults__["read_timeout"] = float(
    os.environ["MIMECAST_TEST_READ_TIMEOUT_S"]
)
