"""The grid search's morphology runs on OpenCV and gives, pixel for pixel, what
scipy.ndimage gave (minimum/maximum filters with mirrored edges, a cross dilation with empty
edges, 4-connected labels), so the same grids are found on every page."""

from __future__ import annotations

import random

import numpy as np
from scipy import ndimage

from docintel.pipeline.pages import tesseract as tess
from docintel.testkit.page_samples import scanned, table_page, text_page


def _scipy_grids(image) -> list[tuple[list[int], list[int]]]:
    """The grid search as it was on scipy.ndimage (the reference)."""
    dark = np.asarray(tess.grey(image), dtype=np.uint8) < 128
    h, w = dark.shape
    across, down = max(40, w // 25), max(30, h // 45)
    horizontal = ndimage.maximum_filter1d(
        ndimage.minimum_filter1d(dark, across, axis=1), across, axis=1
    )
    vertical = ndimage.maximum_filter1d(ndimage.minimum_filter1d(dark, down, axis=0), down, axis=0)
    labels, _ = ndimage.label(ndimage.binary_dilation(horizontal | vertical, iterations=2))
    grids = []
    for index, box in enumerate(ndimage.find_objects(labels), 1):
        inside = labels[box] == index
        hrows = (horizontal[box] & inside).mean(axis=1) > 0.5
        vcols = (vertical[box] & inside).mean(axis=0) > 0.5
        rows = [(a + b) // 2 + box[0].start for a, b in tess._runs(hrows, 1)]
        cols = [(a + b) // 2 + box[1].start for a, b in tess._runs(vcols, 1)]
        if len(rows) >= 3 and len(cols) >= 3:
            grids.append((rows, cols))
    return sorted(grids)


def test_the_filters_and_labels_are_scipys_pixel_for_pixel():
    rng = np.random.default_rng(3)
    for _ in range(60):
        h, w = (int(n) for n in rng.integers(5, 70, 2))
        mask = rng.random((h, w)) < rng.uniform(0.2, 0.95)
        ink = mask.view(np.uint8)
        for size in (1, 2, 3, 8, 25, 40):
            for axis in (0, 1):
                low = tess._along(ink, size, axis, widest=False).astype(bool)
                assert np.array_equal(low, ndimage.minimum_filter1d(mask, size, axis=axis))
                high = tess._along(ink, size, axis, widest=True).astype(bool)
                assert np.array_equal(high, ndimage.maximum_filter1d(mask, size, axis=axis))
        labels, count = ndimage.label(ndimage.binary_dilation(mask, iterations=2))
        figures = tess._figures(ink)
        assert len(figures) == count
        for index, (box, inside) in enumerate(figures, 1):
            assert box == ndimage.find_objects(labels)[index - 1]
            assert np.array_equal(inside, labels[box] == index)


def test_strokes_in_part_of_the_page_make_scipys_figures_at_the_pages_place():
    """The dilation and the labels work on the strokes' own box and the two pixels the
    dilation grows them by: the figures are the whole page's, at the page's coordinates,
    next to its edges too; a page without strokes has none."""
    rng = np.random.default_rng(11)
    for _ in range(80):
        h, w = (int(n) for n in rng.integers(20, 120, 2))
        top, left = int(rng.integers(0, h - 2)), int(rng.integers(0, w - 2))
        bottom, right = int(rng.integers(top + 1, h + 1)), int(rng.integers(left + 1, w + 1))
        mask = np.zeros((h, w), bool)
        mask[top:bottom, left:right] = rng.random((bottom - top, right - left)) < 0.3
        labels, count = ndimage.label(ndimage.binary_dilation(mask, iterations=2))
        figures = tess._figures(mask.view(np.uint8))
        assert len(figures) == count
        for index, (box, inside) in enumerate(figures, 1):
            assert box == ndimage.find_objects(labels)[index - 1]
            assert np.array_equal(inside, labels[box] == index)
    assert tess._figures(np.zeros((30, 40), np.uint8)) == []


def test_the_grids_found_are_the_ones_scipy_found():
    rng = random.Random(5)
    found = 0
    for dpi in (150, 300):
        for _ in range(3):
            page, _ = table_page(rng, dpi=dpi)
            for image in (page, tess.deskew(scanned(page, rng))):
                ours = sorted((g.ys, g.xs) for g in tess.ruled_grids(image))
                assert ours == _scipy_grids(image)
                found += len(ours)
        prose, _ = text_page(rng, dpi=dpi)
        assert tess.ruled_grids(prose) == [] and _scipy_grids(prose) == []
    assert found >= 10  # every table page's grid, clean and scanned
