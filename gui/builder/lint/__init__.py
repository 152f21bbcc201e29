"""Lint warnings in the window: computing them for the document (`LintState`), carrying out a fix
or a dismissal as one undo step (`fixes`), painting the warning style (`style`) and the panel that
lists them with their reasons and buttons (`LintPanel`). A neutral package: the Build view and any
other view may use it; it imports no view.
"""
