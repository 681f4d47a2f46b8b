"""Analysis of treatysim results: statistics (``analysis.stats``), terminal reports (``analysis.report``) and
matplotlib figures (``analysis.plots``, whose ``figure_style`` is every figure's style and ``save_figure`` writes every
figure file, in each format asked; ``analysis.labels`` names settings, issues and scenarios on them). Plot functions
take data and an optional ``ax`` and return the ``ax``; they never compute statistics or choose file names.

The commands: ``treatysim-compare`` (``analysis.compare``), ``treatysim-sensitivity`` (``analysis.sensitivity``) and
``treatysim-aggregate`` (``analysis.sweep``: a sweep's jobs; ``analysis.sweep_tables``, ``analysis.sweep_stats`` and
``analysis.sweep_plots``: its tables, statistics and figures)."""
