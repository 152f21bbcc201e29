"""Background jobs shared by the Train and Draw views: worker threads, dataset loading,
training runs and adopting their results into the document.

A neutral home: the views import from here, never from each other. Nothing here touches
a widget.
"""
