"""The CLI's subcommands, one module each; :mod:`digitcanvas.cli` dispatches to them.

Each command formats output and picks exit codes; the work itself is in the Qt-free core.
"""
