"""Shortcuts in matplotlib's Agg drawing for explorers that redraw the same figure
again and again (lessonkit.widgets): each draws the same pixels as matplotlib alone, and
each falls back to matplotlib's own way when a matplotlib without the parts it relies on
is installed (tests/lessons/test_widgets.py checks both: the pixels, and that the
shortcuts are taken with the pinned matplotlib).

    keep_what_it_drew(renderer)     # its fonts' heights, texts' layouts, glyphs' bitmaps
    with TicksOnce(fig):            # each axis's ticks worked out once in this draw
        canvas.draw()
"""


def keep_what_it_drew(renderer):
    """All three of the renderer's keepers below, from the next draw on."""
    keep_font_heights(renderer)
    keep_text_layouts(renderer)
    keep_glyphs(renderer)


def keep_font_heights(renderer):
    """Let the renderer answer matplotlib's question of each text's font heights (the
    ascent, descent and line gap of its font, at this dpi) from what it answered before.

    matplotlib looks the font up and reads its tables for every text's every layout
    (~300 times a redraw of a three-panel figure: a tenth of the drawing); a renderer
    that offers ``_get_font_height_metrics`` is asked instead. The answer is worked out
    as matplotlib's text layout does it, once per font and size."""
    if hasattr(renderer, "_get_font_height_metrics"):
        return
    from matplotlib.font_manager import fontManager, get_font

    kept = {}

    def heights(prop):
        key = prop.copy()   # as matplotlib's own caches of text sizes key a font
        if key not in kept:
            kept[key] = None, None, None     # (matplotlib measures the text itself then)
            font = get_font(fontManager._find_fonts_by_props(prop))
            for table_name, gap_key, ascent_key, descent_key in (
                    ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                    ("hhea", "lineGap", "ascent", "descent")):
                table = font.get_sfnt_table(table_name)
                if table is None:
                    continue
                scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() \
                    * renderer.dpi / 72
                kept[key] = table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
                break
        return kept[key]

    renderer._get_font_height_metrics = heights


def keep_text_layouts(renderer):
    """Let the renderer keep the glyph layout of each text it draws (which glyph of which
    font goes where, for this string, font, size and dpi) from one redraw to the next.

    Laying a text out takes as long as drawing its glyphs (a rotated event name about
    0.3 ms); a redraw draws mostly the texts of the last one (tick labels, titles that
    keep their words). The glyphs are drawn anew, where the text is now, as the Agg
    renderer draws them: the pixels are the same. Another matplotlib, whose renderer
    draws text otherwise, keeps its own way."""
    if not all(hasattr(renderer, name) for name in ("_prepare_font", "_draw_text_glyphs_and_boxes")) \
            or "draw_text" in vars(renderer):
        return
    from matplotlib.backends.backend_agg import get_hinting_flag

    draw_text = renderer.draw_text
    kept = {}

    def keeping(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        flags = get_hinting_flag()
        key = (s, hash(prop), prop.get_size_in_points(), renderer.dpi, flags, repr(features), repr(language))
        items = kept.get(key)
        if items is None:
            if len(kept) >= 4096:
                kept.clear()
            items = kept[key] = list(renderer._prepare_font(prop)._layout(s, flags=flags, features=features,
                                                                          language=language))
        size = prop.get_size_in_points()
        renderer._draw_text_glyphs_and_boxes(
            gc, x, y, angle, ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items), [])

    renderer.draw_text = keeping


def keep_glyphs(renderer):
    """Let the renderer keep each glyph's bitmap (its font, size, rotation and the fraction
    of a pixel it starts at) and copy it where the glyph goes, instead of having FreeType
    draw it anew: drawing the glyphs is a third of drawing a figure of many labels.

    FreeType draws a glyph moved by whole pixels as the same bitmap, moved: the pixels
    are the ones the Agg renderer draws. A renderer that draws text otherwise (another
    matplotlib) keeps its own way."""
    if not hasattr(renderer, "_draw_text_glyphs_and_boxes") or "_draw_text_glyphs_and_boxes" in vars(renderer):
        return
    import math

    import numpy as np
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.ft2font import RenderMode

    draw_boxes = renderer._draw_text_glyphs_and_boxes
    kept = {}

    def glyphs_and_boxes(gc, x, y, angle, glyphs, boxes):
        # as RendererAgg._draw_text_glyphs_and_boxes: y is downwards, each glyph's dy upwards
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        flags = get_hinting_flag()
        antialiased = gc.get_antialiased()
        rotation = None
        for font, size, glyph_index, slant, extend, dx, dy in glyphs:
            if rotation is None or (slant, extend) != rotation[0]:
                matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])
                          @ [[extend, extend * slant], [0, 1]]).round().astype(int)
                rotation = (slant, extend), matrix, tuple(matrix.ravel())
            tx = round(0x40 * (x + dx * cos - dy * sin))
            ty = round(0x40 * (renderer.height - y + dx * sin + dy * cos))   # FreeType's y is upwards
            key = (font, size, renderer.dpi, glyph_index, rotation[2], tx % 64, ty % 64, flags, antialiased)
            glyph = kept.get(key)
            if glyph is None:
                if len(kept) >= 20000:
                    kept.clear()
                font.set_size(size, renderer.dpi)
                font._set_transform(rotation[1], [tx % 64, ty % 64])
                bitmap = font._render_glyph(glyph_index, flags, RenderMode.NORMAL if antialiased else RenderMode.MONO)
                buffer = np.array(bitmap.buffer)
                if not antialiased:
                    buffer *= 0xff
                glyph = kept[key] = buffer, bitmap.left, bitmap.top
            buffer, left, top = glyph
            renderer._renderer.draw_text_image(buffer, left + tx // 64,
                                               int(renderer.height) - (top + ty // 64) + buffer.shape[0], 0, gc)
        if boxes:
            draw_boxes(gc, x, y, angle, (), boxes)

    renderer._draw_text_glyphs_and_boxes = glyphs_and_boxes


def _once(method, copy):
    """``method`` (bound), worked out once for the same arguments; ``copy`` a result
    for each caller (matplotlib's callers may change the boxes they are given)."""
    kept = []

    def once(*args, **kwargs):
        for known, result in kept:
            if len(known[0]) == len(args) and all(a is b or type(a) is list and a == b
                                                  for a, b in zip(known[0], args)) and known[1] == kwargs:
                return copy(result)
        result = method(*args, **kwargs)
        kept.append(((args, kwargs), result))
        return copy(result)

    return once


def _frozen(box):
    return None if box is None else box.frozen()


def _frozen_pair(boxes):
    return [box.frozen() for box in boxes[0]], [box.frozen() for box in boxes[1]]


class TicksOnce:
    """While a figure whose panels do not move is drawn (and checked), each axis works out
    its ticks, their label boxes and its bounding box once, and each spine its extent:
    matplotlib asks again for each title's position, each axis label's, each spine's
    (4-5 times a draw), and the answers cannot change until something is set anew.
    Only for a draw without a layout engine, which would move the panels in between, and
    not for a figure with twin axes or a fixed aspect: an Axes then sets its limits when
    it is drawn, after a twin's title may have asked for its ticks."""

    METHODS = ((("_update_ticks", list), ("_get_ticklabel_bboxes", _frozen_pair),
                ("get_tightbbox", _frozen)), (("get_window_extent", _frozen),))

    def __init__(self, fig):
        self.patched = []
        if any(ax.get_aspect() != "auto" or len(ax._twinned_axes.get_siblings(ax)) > 1 for ax in fig.axes):
            return
        for ax in fig.axes:
            for owners, methods in ((ax._axis_map.values(), self.METHODS[0]),
                                    (ax.spines.values(), self.METHODS[1])):
                for owner in owners:
                    for name, copy in methods:
                        if name in vars(owner) or not hasattr(owner, name):
                            continue
                        setattr(owner, name, _once(getattr(owner, name), copy))
                        self.patched.append((owner, name))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for owner, name in self.patched:
            delattr(owner, name)
        self.patched = []
