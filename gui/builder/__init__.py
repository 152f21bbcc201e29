"""The builder view: layer palette, node canvas, inspector and summary table.

Views here read the document and turn gestures into `gui.editing.Editor` calls;
they never mutate the engine graph themselves.
"""
