"""Caption templates of the synthetic retrieval corpus, from ambiguous to identifying.

Every video gets `CAPTIONS_PER_VIDEO` captions:

- 2 short ones (3-6 words) that name ONE attribute only ("a red shape", "an object
  moves left"): each fits a tenth to a quarter of all combinations, so they are
  genuinely ambiguous;
- 1 medium one of 7-10 words naming two or three attributes;
- 2 medium ones of 11-20 words naming three or all four attributes;
- 2 long ones of 21+ words naming every attribute, so they identify their video.

That covers the length buckets the metrics use (1-10, 11-20, 21+ words) for every video.
"""

from __future__ import annotations

import re

import numpy as np

SHAPES = ("circle", "square", "triangle", "star", "cross")
# (short phrase, -ing phrase, long phrase); index // 2 is the motion group.
MOTIONS = (
    ("moves left", "moving left", "slowly moves from right to left"),
    ("moves right", "moving right", "slowly moves from left to right"),
    ("moves up", "moving up", "slowly rises from the bottom to the top"),
    ("moves down", "moving down", "slowly sinks from the top to the bottom"),
    ("grows", "growing", "grows larger and larger"),
    ("shrinks", "shrinking", "shrinks smaller and smaller"),
    ("stays still", "standing still", "stays perfectly still in the middle"),
    ("blinks", "blinking", "blinks on and off repeatedly"),
)
MOTION_GROUPS = ("horizontal motion", "vertical motion", "scale motion", "static")
COLOURS = (
    "red", "green", "blue", "yellow", "orange", "purple", "white", "pink", "cyan", "brown"
)  # fmt: skip
BACKGROUNDS = ("black", "gray", "dark blue", "dark green")

# One-attribute templates, 3-6 words; keyed by the attribute they name.
SHORT = {
    "colour": ("a {c} shape", "a {c} object", "something {c} is shown"),
    "shape": ("a {s} is shown", "there is a {s}", "a simple {s}"),
    "motion": ("an object {m}", "a shape that {m}", "the object {m}"),
    "background": ("a plain {b} background", "on a {b} background"),
}
# 7-10 words, two or three attributes.
MEDIUM_SHORT = (
    "a {c} {s} {m} in the video",
    "a {s} that {m} on a {b} background",
    "we see a {c} {s} on a {b} background",
    "a {c} shape {m} over a {b} background",
)
# 11-20 words, three or four attributes.
MEDIUM_LONG = (
    "in this clip a {c} {s} {m} while the {b} background stays the same",
    "a single {c} {s} is the only object here and it {m} during the clip",
    "the video shows a {s} {mi} on a plain {b} background and nothing else",
    "a {c} {s} {mi} in front of a plain {b} background",
)
# 21+ words, every attribute.
LONG = (
    "this short synthetic clip shows a single {c} {s} that {ml} over a plain {b} "
    "background, and nothing else happens in the whole scene",
    "on a plain {b} background there is exactly one {c} {s}; during the whole video "
    "the {s} {ml} and its colour never changes",
    "a {c} {s} {ml} in this video; the background is a plain {b} colour and the {s} "
    "is the only thing we can see",
    "the camera never moves while one {c} {s} {ml}; behind it there is nothing but "
    "a flat {b} background",
)
CAPTIONS_PER_VIDEO = 7


def category_name(shape: int, group: int) -> str:
    """The category of a (shape, motion group) pair, e.g. "circle / horizontal motion"."""
    return f"{SHAPES[shape]} / {MOTION_GROUPS[group]}"


def captions_for(
    shape: int, colour: int, motion: int, background: int, rng: np.random.Generator
) -> list[str]:
    """The captions of one video, templates drawn with `rng` (short to long)."""
    short, ing, long = MOTIONS[motion]
    words = {
        "c": COLOURS[colour],
        "s": SHAPES[shape],
        "m": short,
        "mi": ing,
        "ml": long,
        "b": BACKGROUNDS[background],
    }
    kinds = sorted(SHORT)
    chosen_kinds = rng.choice(len(kinds), size=2, replace=False)
    templates = [_pick(SHORT[kinds[int(k)]], rng) for k in chosen_kinds]
    templates.append(_pick(MEDIUM_SHORT, rng))
    templates += [MEDIUM_LONG[int(i)] for i in rng.choice(len(MEDIUM_LONG), 2, replace=False)]
    templates += [LONG[int(i)] for i in rng.choice(len(LONG), 2, replace=False)]
    return [_articles(template.format(**words)) for template in templates]


def _articles(text: str) -> str:
    """ "a" before a vowel becomes "an" ("a orange cross" -> "an orange cross")."""
    return re.sub(r"\b([Aa]) (?=[aeiou])", r"\1n ", text)


def _pick(options: tuple[str, ...], rng: np.random.Generator) -> str:
    return options[int(rng.integers(len(options)))]
