"""A layer type added by one catalog entry gets its card (and palette entry) from that entry."""
from __future__ import annotations

from engine.catalog import CATALOG
from gui.formatting import key_params_text
from tests.engine.test_layer_in_one_place import register_throwaway


def test_a_new_layers_card_text_comes_from_its_spec(tmp_path, build_view, editor):
    remove = register_throwaway(tmp_path)
    try:
        spec = CATALOG.get("throwaway_hardtanh")
        assert key_params_text(spec, {"max_val": 2.0}) == "clip -1..2"
        node_id = editor.add_layer("throwaway_hardtanh", (0.0, 0.0))
        text = build_view.scene.node_item(node_id).card_text()
        assert text.title == "Hardtanh (test)" and text.detail == "clip -1..1" and text.category == "Activation"
    finally:
        remove()
