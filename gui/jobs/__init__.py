"""Background jobs shared by the Train and Draw views: worker threads, dataset loading,
training runs (on a thread, `runner`, or in a warm training process, `process_runner`),
the document's one `RunCoordinator`, and adopting finished runs into the document
(`adoption`, the one adoption path).

A neutral home: the views import from here, never from each other. Nothing here touches
a widget.
"""
