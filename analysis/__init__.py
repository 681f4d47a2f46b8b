"""Analysis of treatysim results: statistics (``sim.analysis.stats``), terminal reports (``sim.analysis.report``)
and matplotlib figures (``sim.analysis.plots``, whose ``figure_style`` is every figure's style and ``save_figure``
writes every figure file, in each format asked; ``sim.analysis.labels`` names settings, issues and scenarios on them).
Plot functions take data and an optional ``ax`` and return the ``ax``; they never compute statistics or choose file
names.

The commands: ``treatysim-compare`` (``sim.analysis.compare``), ``treatysim-sensitivity``
(``sim.analysis.sensitivity``) and ``treatysim-aggregate`` (``sim.analysis.sweep``: a sweep's jobs;
``sim.analysis.sweep_tables``, ``sim.analysis.sweep_stats`` and ``sim.analysis.sweep_plots``: its tables, statistics
and figures).

This folder is the package ``sim.analysis``, inside the project's namespace: a wheel installs it as ``sim/analysis``,
and a checkout finds it here through ``sim.__path__`` (``sim/__init__.py``); nothing installs a top-level
``analysis``."""
