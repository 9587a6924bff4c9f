"""Experiments: design, execution and analysis kept apart (as EMA Workbench does).

- :mod:`~sim.experiments.design`: experiment files, validated, and their plans of runs;
- :mod:`~sim.experiments.execution`: executors (local processes, Dask) and the resumable sweep;
- :mod:`~sim.experiments.analysis`: summaries, tables, figures, sensitivity indices, references;
- :mod:`~sim.experiments.district`: a district of many coupled communities.

The data (experiment files and their references) live in the repository's ``experiments/``.
"""
