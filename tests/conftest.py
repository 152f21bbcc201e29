"""Test-wide setup: headless Qt before any QApplication exists, and deterministic torch."""
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Autosaves and rescued results never land in the real user data folder during tests.
if "NETWRIGHT_RECOVERY" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["NETWRIGHT_RECOVERY"] = tempfile.mkdtemp(prefix="netwright-test-recovery-")
    atexit.register(shutil.rmtree, os.environ["NETWRIGHT_RECOVERY"], True)
