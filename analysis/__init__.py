"""Analysis of treatysim results: statistics (``analysis.stats``), terminal reports (``analysis.report``) and
matplotlib figures (``analysis.plots``). Plot functions take data and an optional ``ax`` and return the ``ax``;
they never compute statistics or choose file names."""
