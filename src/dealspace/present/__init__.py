"""Presentation helpers below the analyses: the document model (tables, text, chart
specs), HTML and Markdown rendering, chart drawing, notebook display.

Nothing here knows an analysis type: a result says how it is drawn (its
``to_frame()`` and ``chart()``), and these modules draw it.
"""
