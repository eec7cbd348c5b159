"""
A procedural scene and its graph-based caption
==============================================

:func:`sklot.datasets.make_shape_scenes` draws small images of coloured shapes together with the
GBC graph that describes each exactly (Hsieh et al., 2024): the image root ``""`` carries the short
and the detailed captions, every object is an entity vertex with the bbox of its drawn pixels, a
shape drawn more than once gets a composition vertex, and every pair of shapes a relation vertex
("the circles are left of the red square"). Left: the image with the entity bboxes; right: the
graph drawn with networkx (:func:`sklot.gbc.to_networkx`), edges labelled with their text, which
is a phrase of the source vertex's caption.
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.patches import Rectangle

from sklot.datasets import make_shape_scenes
from sklot.gbc import to_networkx

images, graphs = make_shape_scenes(6, image_size=64, min_objects=4, max_objects=5, random_state=2)
image, graph = images[0], graphs[0]
print("short caption: ", graph.short_caption)
print("detail caption:", graph.detail_caption)
for v in graph.vertices:
    print(f"  {v.label:11s} {v.vertex_id!r:24s} {[d.text for d in v.descs]}")

g = to_networkx(graph)
fig, (ax_img, ax_graph) = plt.subplots(1, 2, figsize=(14, 6), gridspec_kw={"width_ratios": [1, 1.6]})
ax_img.imshow(image.transpose(1, 2, 0), extent=(0, 1, 1, 0))
colours = {"entity": "tab:orange", "composition": "tab:green", "relation": "tab:purple", "image": "tab:blue"}
for v in graph.vertices:
    if v.label == "entity":
        b = v.bbox
        ax_img.add_patch(Rectangle((b.left, b.top), b.right - b.left, b.bottom - b.top, fill=False,
                                   edgecolor="white", linewidth=1.2))
        ax_img.text(b.left, b.top - 0.01, v.vertex_id, color="white", fontsize=8, va="bottom")
ax_img.set_title(graph.short_caption)
ax_img.set_xticks([])
ax_img.set_yticks([])

# layer = longest path from the root (relations above the objects they relate)
depth = dict.fromkeys(g.nodes, 0)
for node in nx.topological_sort(g):
    for child in g.successors(node):
        depth[child] = max(depth[child], depth[node] + 1)
layers = {}
for node, d in depth.items():
    layers.setdefault(d, []).append(node)
pos = {}
for d, nodes in layers.items():
    for i, node in enumerate(sorted(nodes)):
        pos[node] = ((i + 1) / (len(nodes) + 1), -d)
labels = {n: (n if n else "image") for n in g.nodes}
nx.draw_networkx_nodes(g, pos, ax=ax_graph, node_size=900,
                       node_color=[colours[g.nodes[n]["label"]] for n in g.nodes])
nx.draw_networkx_labels(g, pos, labels, ax=ax_graph, font_size=7)
nx.draw_networkx_edges(g, pos, ax=ax_graph, arrows=True, node_size=900, edge_color="0.5")
edge_text = {(u, v): d["text"] if len(d["text"]) < 28 else d["text"][:25] + "..."
             for u, v, d in g.edges(data=True)}
nx.draw_networkx_edge_labels(g, pos, edge_text, ax=ax_graph, font_size=6)
ax_graph.set_title("GBC graph (blue image, orange entity, green composition, purple relation)")
ax_graph.axis("off")
fig.tight_layout()
out = os.environ.get("SKLOT_EXAMPLES_OUT", ".")
fig.savefig(os.path.join(out, "gbc_scene_graph.png"), dpi=100)
