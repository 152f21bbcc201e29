"""Engine results for an opened project, computed on the loading thread so the window keeps painting.

`prepare(content)` runs, with the freshly read content on the worker thread that read the file (no
other code holds that graph yet), the engine steps the window would otherwise run on the GUI thread
right after the swap: the analysis; the block totals (`engine.block_analysis` memoizes them per
graph revision and analysis, so the Build view's summary and the canvas find them ready); the
canvas's units with every block open (`engine.blocks.fold`, memoized the same way); the lint
warnings; every run's curve-doctor diagnosis (cached on the run; the runs list shows its verdict).
The document and the lint state take these results only while they still belong to the content as
it is now (same graph revision, same runs, meta and sections objects); after any edit they
recompute as before, so the numbers never describe another network. Must not import widgets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from engine.analysis import Analysis, analyze
from engine.block_analysis import analyze_blocks
from engine.blocks import fold
from engine.graph import Graph
from engine.lint import LintWarning, lint, lint_context

if TYPE_CHECKING:
    from engine.runs import Run

    from .document import Content


@dataclass(frozen=True, eq=False)
class Prepared:
    """What `prepare` computed, and for exactly which graph revision and lint context."""
    graph: Graph
    revision: int
    analysis: Analysis
    runs: tuple[Run, ...]
    adopted_run: str | None
    meta: Mapping[str, Any]
    sections: Mapping[str, Any]
    lints: tuple[LintWarning, ...]

    def analysis_for(self, graph: Graph) -> Analysis | None:
        """The prepared analysis while `graph` is the prepared one, unedited; else None."""
        return self.analysis if graph is self.graph and graph.revision == self.revision else None

    def lints_for(self, graph: Graph, analysis: Analysis, runs: tuple[Run, ...], adopted_run: str | None,
                  meta: Mapping[str, Any], sections: Mapping[str, Any]) -> tuple[LintWarning, ...] | None:
        """The prepared warnings while nothing lint reads has changed since; else None."""
        same = (analysis is self.analysis and self.analysis_for(graph) is not None and runs is self.runs
                and adopted_run == self.adopted_run and meta is self.meta and sections is self.sections)
        return self.lints if same else None


def prepare(content: Content) -> Content:
    """Attach the engine's results for `content` (call where nothing else uses its graph yet)."""
    graph = content.graph
    analysis = analyze(graph)
    analyze_blocks(graph, analysis)  # memoized in the engine for this revision and analysis
    fold(graph, ())  # the canvas's units with every block open (memoized for this revision)
    found = lint(graph, analysis, **lint_context(content.runs, content.adopted_run, content.meta, content.sections))
    for run in content.runs:
        run.diagnosis  # noqa: B018 -- the curve doctor's verdict, cached on the run, for the runs list
    content.prepared = Prepared(graph, graph.revision, analysis, content.runs, content.adopted_run,
                                content.meta, content.sections, found)
    return content
