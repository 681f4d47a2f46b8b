"""Test configuration: scenario builders live in ``tests.builders``.

Property-based tests (hypothesis) run *derandomised* by default: the same examples on every run and every machine,
so the suite CI runs is reproducible and cannot turn red by chance. To explore new examples — which is how a search
bug of the Nash chair was found — run ``HYPOTHESIS_PROFILE=explore pytest``; a failure it finds is then added to the
test as an explicit ``@example``.
"""

from __future__ import annotations

import logging
import os

from hypothesis import settings

# Solara's background threads say "thread done!" at INFO after a test has ended; by then the handler a command-line
# test's Hydra run installed writes to pytest's closed capture stream ("--- Logging error ---" in the output, not a
# failure). The dashboard's own messages are warnings and errors, which still show.
logging.getLogger("solara.hooks.use_thread").setLevel(logging.WARNING)

settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
