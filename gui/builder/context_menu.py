"""Right-click menus on the canvas: for a layer, a connection, a block (its card or its frame)
and the empty canvas. Each entry calls the build view's own actions or the Editor, so a menu
adds no behaviour of its own. Must not mutate the document directly.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMenu

from engine.blocks import block_tree

from .block_item import BlockItem, FrameLabelItem
from .edge_item import EdgeItem
from .node_item import NodeItem


def build_menu(view, pos: QPointF) -> QMenu:
    """The menu for a right-click at scene `pos` in BuildView `view`."""
    scene = view.scene
    scene.materialize_at(pos)  # a huge network's stand-in card under the cursor becomes real first
    hit = next((i for i in scene.items(pos) if isinstance(i, (NodeItem, BlockItem, EdgeItem, FrameLabelItem))),
               None) or scene.edge_at(pos)
    menu = QMenu(view)
    if isinstance(hit, (NodeItem, BlockItem)) and not hit.isSelected():
        scene.select_units([hit.unit])
    if isinstance(hit, NodeItem):
        _layer_menu(view, menu, hit)
    elif isinstance(hit, BlockItem):
        _block_menu(view, menu, hit.path, folded=True)
    elif isinstance(hit, FrameLabelItem):
        _block_menu(view, menu, hit.path, folded=False)
    elif isinstance(hit, EdgeItem):
        _edge_menu(view, menu, hit)
    else:
        _canvas_menu(view, menu, pos)
    return menu


def _layer_menu(view, menu: QMenu, item: NodeItem) -> None:
    a = view.actions_by_name
    scene = view.scene
    if scene.has_detail(item.node_id):
        open_ = item.node_id in scene.detail_items()
        menu.addAction("Hide what is inside" if open_ else "Show what is inside",
                       lambda: scene.toggle_detail(item.node_id))
        menu.addSeparator()
    menu.addActions([a["cut"], a["copy"], a["paste"], a["delete"]])
    ids = scene.selected_member_ids()
    if len(ids) == 1 and view.editor.can_bridge(ids[0]):
        graph = view.document.graph
        joined = ", ".join(graph.outputs_of(ids[0]))
        menu.addAction(f"Delete and reconnect {graph.inputs_of(ids[0])[0]} → {joined}", view.delete_and_reconnect)
    menu.addSeparator()
    _freeze_actions(view, menu, scene.selected_member_ids() or [item.node_id], None)
    menu.addAction(a["group"])
    block = view.document.graph.node(item.node_id).block
    if block:
        menu.addAction(f"Fold {block}", lambda: scene.collapse_block(block))
        menu.addAction("Move out of its block",
                       lambda: view.editor.move_to_block(scene.selected_node_ids(), block.rpartition(".")[0]))


def _block_menu(view, menu: QMenu, path: str, folded: bool) -> None:
    scene, editor = view.scene, view.editor
    menu.addAction("Expand" if folded else "Fold", lambda: scene.toggle_block(path))
    menu.addAction("Rename…", lambda: view.rename_block(path))
    menu.addAction("Ungroup", lambda: editor.ungroup(path))
    menu.addSeparator()
    _freeze_actions(view, menu, list(block_tree(view.document.graph).members.get(path, ())), path)
    menu.addSeparator()
    menu.addAction("Copy block", lambda: view.copy_block(path))
    menu.addAction("Delete block", lambda: view.delete_block(path))
    menu.addSeparator()
    menu.addAction("Select its layers", lambda: view.select_block(path))


def _freeze_actions(view, menu: QMenu, node_ids: list[str], block: str | None) -> None:
    """"Freeze" and/or "Unfreeze" for what was clicked: whichever would change something."""
    graph = view.document.graph
    flags = [graph.node(n).frozen for n in node_ids if n in graph]
    names = [block] if block else node_ids
    what = "block" if block else ("layer" if len(flags) == 1 else f"{len(flags)} layers")
    if not all(flags):
        menu.addAction(f"Freeze {what}", lambda: view.editor.freeze(names, True))
    if any(flags):
        menu.addAction(f"Unfreeze {what}", lambda: view.editor.freeze(names, False))


def _edge_menu(view, menu: QMenu, item: EdgeItem) -> None:
    edges = list(item.graph_edges)
    text = "Delete connection" if len(edges) == 1 else f"Delete {len(edges)} connections"
    menu.addAction(text, lambda: view.editor.delete((), edges))
    src = item.edge.src
    menu.addAction(f"Select {src}", lambda: view.jump_to(item.src_item.unit))
    menu.addAction(f"Select {item.edge.dst}", lambda: view.jump_to(item.dst_item.unit))


def _canvas_menu(view, menu: QMenu, pos: QPointF) -> None:
    a = view.actions_by_name
    menu.addAction("Paste here", lambda: view.paste(pos)).setEnabled(view.has_clipboard())
    menu.addAction(a["select_all"])
    menu.addSeparator()
    menu.addActions([a["fit"], a["layout"], a["find"]])
    menu.addSeparator()
    menu.addActions([a["expand_all"], a["collapse_all"]])
    depth = menu.addMenu("Expand to depth")
    for n in range(view.scene.max_depth() + 1):
        depth.addAction(str(n), lambda n=n: view.expand_to_depth(n))
    depth.setEnabled(view.scene.max_depth() > 0)
