"""The web UI for officials: a Solara app, offline, in Chinese and English (``cogov ui``).

``app.py`` holds the page, ``components.py`` its parts, ``state.py`` the per-session runs and
everything that does not need Solara, ``charts.py`` the server-side pictures, ``i18n.py`` the
texts and ``cli.py`` the ``cogov ui`` command. Importing this package imports no Solara.
"""
