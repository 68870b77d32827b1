"""Draw the schematics of the sharing architectures for the user guide.

Run from the repository root to regenerate the PNG files beside this script::

    python docs/images/architectures/draw_architectures.py

Colours: shared parts blue, task 1 orange, task 2 green, gates grey; data
flows from the inputs (bottom) to the task outputs (top); a dashed arrow is a
gate's weights, a circle a weighted sum (mixture).
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

HERE = Path(__file__).resolve().parent
SHARED, TASK1, TASK2, GATE = "#9ecae1", "#fdae6b", "#a1d99b", "#e0e0e0"
EDGE, LIGHT = "#404040", "#8c8c8c"


class Canvas:
    """One schematic, in data coordinates 10 wide and ``height`` high."""

    def __init__(self, title, height):
        self.fig, self.ax = plt.subplots(figsize=(4.0, 0.4 * height + 0.35))
        self.ax.set_xlim(0, 10)
        self.ax.set_ylim(0, height)
        self.ax.axis("off")
        self.ax.set_title(title, fontsize=10)

    def box(self, x, y, w, h, text, color, fontsize=7.5):
        """A box centred on (x, y); returns its anchors."""
        self.ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0.02",
                facecolor=color,
                edgecolor=EDGE,
                linewidth=0.8,
            )
        )
        self.ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)
        return {
            "top": (x, y + h / 2),
            "bottom": (x, y - h / 2),
            "left": (x - w / 2, y),
            "right": (x + w / 2, y),
        }

    def gate(self, x, y):
        return self.box(x, y, 0.9, 0.42, "gate", GATE, fontsize=6.5)

    def mix(self, x, y, color):
        """A mixture node (weighted sum)."""
        r = 0.2
        self.ax.add_patch(
            plt.Circle((x, y), r, facecolor=color, edgecolor=EDGE, lw=0.8, zorder=3)
        )
        self.ax.text(x, y, "+", ha="center", va="center", fontsize=8, zorder=4)
        return {
            "top": (x, y + r),
            "bottom": (x, y - r),
            "left": (x - r, y),
            "right": (x + r, y),
        }

    def arrow(self, start, end, color=EDGE, lw=0.7, ls="-", style="-|>"):
        self.ax.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops={
                "arrowstyle": style,
                "color": color,
                "lw": lw,
                "linestyle": ls,
                "shrinkA": 0,
                "shrinkB": 0,
                "mutation_scale": 7,
            },
        )

    def label(self, x, y, text):
        self.ax.text(x, y, text, ha="left", va="center", fontsize=6.5, color=LIGHT)

    def save(self, name):
        self.fig.tight_layout(pad=0.15)
        self.fig.savefig(HERE / f"{name}.png", dpi=100)
        plt.close(self.fig)


def ends(c, top, xs):
    """The inputs at the bottom and the outputs y1, y2 at height ``top``."""
    x = c.box(5, 0.4, 2.2, 0.45, "inputs x", "white")
    outputs = [
        c.box(xs[0], top, 1.1, 0.45, "y1", TASK1),
        c.box(xs[1], top, 1.1, 0.45, "y2", TASK2),
    ]
    return x, outputs


def towers(c, y, sources, outputs, xs):
    for xt, color, source, out, t in zip(
        xs, (TASK1, TASK2), sources, outputs, (1, 2), strict=True
    ):
        tower = c.box(xt, y, 1.6, 0.5, f"tower {t}", color)
        c.arrow(source, tower["bottom"])
        c.arrow(tower["top"], out["bottom"])


def expert_row(c, y, specs, source=None, w=1.15):
    boxes = []
    for xe, text, color in specs:
        box = c.box(xe, y, w, 0.62, text, color, fontsize=7)
        if source is not None:
            c.arrow(source, box["bottom"], lw=0.6)
        boxes.append(box)
    return boxes


def mixture(c, x, y, color, experts, gate_side, gate_source=None):
    """A task's (or the shared) gate and mixture of ``experts``."""
    mix = c.mix(x, y, color)
    for box in experts:
        c.arrow(box["top"], mix["bottom"], lw=0.45, color=LIGHT)
    gx = x - 1.05 if gate_side == "left" else x + 1.05
    gate = c.gate(gx, y)
    c.arrow(
        gate["right" if gate_side == "left" else "left"],
        mix[gate_side],
        lw=0.6,
        ls="--",
    )
    if gate_source is not None:
        c.arrow(gate_source, gate["bottom"], lw=0.45, ls=":", color=LIGHT)
    return mix


def hard_sharing():
    c = Canvas("Hard sharing (MultiTaskMLP)", 4.8)
    xs = (3.0, 7.0)
    x, outputs = ends(c, 4.35, xs)
    trunk = c.box(5, 1.65, 5.2, 0.8, "shared trunk", SHARED)
    c.arrow(x["top"], trunk["bottom"])
    towers(c, 3.3, [(3.0, 2.05), (7.0, 2.05)], outputs, xs)
    c.save("hard_sharing")


def mmoe():
    c = Canvas("MMoE: shared experts, one gate per task", 5.6)
    xs = (2.4, 7.6)
    x, outputs = ends(c, 5.15, xs)
    specs = [(2.9 + 1.4 * i, f"expert {i + 1}", SHARED) for i in range(4)]
    experts = expert_row(c, 1.55, specs, x["top"])
    mixes = [
        mixture(c, 2.4, 2.95, TASK1, experts, "left", x["left"]),
        mixture(c, 7.6, 2.95, TASK2, experts, "right", x["right"]),
    ]
    towers(c, 4.1, [m["top"] for m in mixes], outputs, xs)
    c.save("mmoe")


CGC_ROW = [
    (2.9, "task 1\nexpert", TASK1),
    (4.3, "shared\nexpert", SHARED),
    (5.7, "shared\nexpert", SHARED),
    (7.1, "task 2\nexpert", TASK2),
]


def cgc():
    c = Canvas("CGC: shared and task-specific experts", 5.6)
    xs = (2.4, 7.6)
    x, outputs = ends(c, 5.15, xs)
    e = expert_row(c, 1.55, CGC_ROW, x["top"])
    mixes = [
        mixture(c, 2.4, 2.95, TASK1, e[:3], "left", x["left"]),
        mixture(c, 7.6, 2.95, TASK2, e[1:], "right", x["right"]),
    ]
    towers(c, 4.1, [m["top"] for m in mixes], outputs, xs)
    c.save("cgc")


def ple():
    c = Canvas("PLE: levels of CGC with a shared gate", 7.8)
    xs = (2.4, 7.6)
    x, outputs = ends(c, 7.35, xs)
    level1 = expert_row(c, 1.5, CGC_ROW, x["top"])
    mix1 = [
        mixture(c, 2.9, 2.85, TASK1, level1[:3], "left"),
        mixture(c, 5.0, 2.85, SHARED, level1, "right"),
        mixture(c, 7.1, 2.85, TASK2, level1[1:], "right"),
    ]
    level2 = expert_row(c, 4.25, CGC_ROW)
    for box, source in zip(level2, [mix1[0], mix1[1], mix1[1], mix1[2]], strict=True):
        c.arrow(source["top"], box["bottom"], lw=0.6)
    mix2 = [
        mixture(c, 2.4, 5.4, TASK1, level2[:3], "left"),
        mixture(c, 7.6, 5.4, TASK2, level2[1:], "right"),
    ]
    towers(c, 6.4, [m["top"] for m in mix2], outputs, xs)
    c.label(0.0, 1.5, "level 1")
    c.label(0.0, 4.25, "level 2")
    c.save("ple")


def cross_stitch():
    c = Canvas("Cross-stitch: one column per task, mixed", 6.4)
    xs = (2.6, 7.4)
    x, outputs = ends(c, 5.95, xs)
    sources = [x["top"], x["top"]]
    for level, y in enumerate((1.45, 3.25)):
        layers = [
            c.box(2.6, y, 2.0, 0.55, f"layer {level + 1}", TASK1),
            c.box(7.4, y, 2.0, 0.55, f"layer {level + 1}", TASK2),
        ]
        for source, layer in zip(sources, layers, strict=True):
            c.arrow(source, layer["bottom"], lw=0.6)
        unit = c.box(5.0, y + 0.8, 2.2, 0.45, "cross-stitch unit", GATE, 6.5)
        c.arrow(layers[0]["top"], unit["left"], lw=0.5, color=LIGHT)
        c.arrow(layers[1]["top"], unit["right"], lw=0.5, color=LIGHT)
        sources = [unit["top"], unit["top"]]
    towers(c, 5.05, sources, outputs, xs)
    c.save("cross_stitch")


def soft_sharing():
    c = Canvas("Soft sharing: one trunk per task, tied", 4.8)
    xs = (3.0, 7.0)
    x, outputs = ends(c, 4.35, xs)
    trunks = [
        c.box(3.0, 1.65, 2.8, 0.8, "trunk 1", TASK1),
        c.box(7.0, 1.65, 2.8, 0.8, "trunk 2", TASK2),
    ]
    for trunk in trunks:
        c.arrow(x["top"], trunk["bottom"], lw=0.6)
    purple = "#6a51a3"
    c.arrow(trunks[0]["right"], trunks[1]["left"], color=purple, ls="--", style="<|-|>")
    c.ax.text(
        5.0,
        2.25,
        r"penalty $\frac{\alpha}{2}\sum_t\|\theta_t-\bar\theta\|^2$",
        ha="center",
        va="bottom",
        fontsize=7,
        color=purple,
    )
    towers(c, 3.3, [t["top"] for t in trunks], outputs, xs)
    c.save("soft_sharing")


if __name__ == "__main__":
    for draw in (hard_sharing, mmoe, cgc, ple, cross_stitch, soft_sharing):
        draw()
