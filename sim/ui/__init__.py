"""The web UI for officials: a Solara app, offline, in Chinese and English (``cogov ui``).

``app.py`` holds the page, ``components.py`` its parts, ``state.py`` the per-session runs (an
ensemble of seeds per set) and everything that does not need Solara, ``summary.py`` what the
numbers mean (intervals, verdicts, the plain summary), ``charts.py`` the server-side pictures,
``report.py`` the PDF report, ``i18n.py`` the texts, and ``sim/cli/ui.py`` the ``cogov ui``
command. Importing this package imports no Solara.
"""
