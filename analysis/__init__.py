"""Analysis of treatysim results: statistics (``analysis.stats``), terminal reports (``analysis.report``) and
matplotlib figures (``analysis.plots``, whose ``save_figure`` writes every figure file). Plot functions take data and
an optional ``ax`` and return the ``ax``; they never compute statistics or choose file names.

The commands: ``treatysim-compare`` (``analysis.compare``), ``treatysim-sensitivity`` (``analysis.sensitivity``) and
``treatysim-aggregate`` (``analysis.sweep``: a sweep's jobs; ``analysis.sweep_tables``, ``analysis.sweep_stats`` and
``analysis.sweep_plots``: its tables, statistics and figures)."""
