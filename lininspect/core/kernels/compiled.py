"""Compiled loops of the classic and read-level corrections, bit for bit the pipeline's arithmetic.

numpy evaluates the polynomial one whole-array operation at a time, so every sample crosses the
cache once per coefficient; these loops take one sample through the whole polynomial in registers
and so run at about the speed of copying the ramp (bench_core.py, bench_readlevel.py).

Exactness: ``fastmath=False`` keeps every IEEE operation separate and rounded (LLVM fuses a
multiply and an add only when allowed to; tests/test_kernels.py checks the machine code has no
fused multiply-add), float32 operands give float32 operations, float32 promoted to float64 is
exact, and each operation is written in the pipeline's order. Flush-to-zero is never enabled, so
denormals behave as in numpy.

The small helpers are inlined (``inline="always"``): as calls, every call would count
references to each coefficient plane it is handed, atomically, per sample.

Coefficients arrive as a tuple of 2-D planes, highest power first (its length, part of the type,
is the polynomial's degree, which lets the compiler unroll it), plus the constant plane.
Rows ``[0, height)`` of the coefficient planes go with rows ``[raw_row, raw_row + height)`` of
``raw`` (ngroups, rows, nx), ``[flags_row, ...)`` of ``flags`` and ``[out_row, ...)`` of ``out``, so a
whole integration in memory and a tile buffer both work without copies.
"""

from __future__ import annotations

import numba
import numpy as np

SATURATED = 2  # dq.SATURATED, a literal here so the compiled code sees a constant

#: numpy sums runs up to this long in one block (PW_BLOCKSIZE).
_PAIRWISE_BLOCK = 128

_COMPILE = dict(nogil=True, cache=True, fastmath=False, error_model="numpy", boundscheck=False)


@numba.njit(**_COMPILE)
def classic_rows(planes, constant, raw, raw_row, flags, flags_row, out, out_row):  # pragma: no cover
    """The float32 Horner correction of a row range, all groups; saturated samples keep raw.

    Returns how many samples kept their raw value. ``flags`` (uint8 GROUPDQ) may be None.
    """
    degree = len(planes)
    height, nx = constant.shape
    ngroups = raw.shape[0]
    kept = 0
    for y in range(height):
        top, zero = planes[0][y], constant[y]
        for g in range(ngroups):
            values, target = raw[g, raw_row + y], out[g, out_row + y]
            if flags is None:
                for x in range(nx):
                    sample = values[x]
                    result = top[x] * sample
                    for k in range(1, degree):
                        result = (result + planes[k][y, x]) * sample
                    target[x] = result + zero[x]
            else:
                marks = flags[g, flags_row + y]
                for x in range(nx):
                    sample = values[x]
                    result = top[x] * sample
                    for k in range(1, degree):
                        result = (result + planes[k][y, x]) * sample
                    result = result + zero[x]
                    saturated = (marks[x] >> 1) & 1
                    target[x] = sample if saturated else result
                    kept += saturated
    return kept


@numba.njit(**_COMPILE, inline="always")
def _horner(planes, constant, y, x, value):  # pragma: no cover - compiled
    """One pixel's polynomial at ``value``, in the dtype the operands promote to."""
    result = _mul(planes[0][y, x], value)
    for k in range(1, len(planes)):
        result = _mul(_add(result, planes[k][y, x]), value)
    return _add(result, constant[y, x])


# Where two NaNs meet, x86 returns the first operand's, as numpy's loops do; a compiler may swap
# the operands of + and *, so the read-level loop, where NaNs of different signs meet (a NaN
# sample and one made of inf - inf), says which NaN wins. Elsewhere at most one operand is NaN.
@numba.njit(**_COMPILE, inline="always")
def _first_nan(a, b, result):  # pragma: no cover - compiled
    """``result``, unless an operand is NaN: then the first NaN operand (selects, no branches)."""
    result = b if b != b else result
    return a if a != a else result


@numba.njit(**_COMPILE, inline="always")
def _add(a, b):  # pragma: no cover - compiled
    return _first_nan(a, b, a + b)


@numba.njit(**_COMPILE, inline="always")
def _sub(a, b):  # pragma: no cover - compiled
    return _first_nan(a, b, a - b)


@numba.njit(**_COMPILE, inline="always")
def _mul(a, b):  # pragma: no cover - compiled
    return _first_nan(a, b, a * b)


@numba.njit(**_COMPILE, inline="always")
def _div(a, b):  # pragma: no cover - compiled
    return _first_nan(a, b, a / b)


@numba.njit(**_COMPILE)
def _numpy_pairwise_sum(values, count):  # pragma: no cover - compiled
    """numpy's pairwise summation of ``values[:count]``: blocks of at most 128 summed in 8 lanes,
    longer runs split in two (the first half a multiple of 8) and the halves' sums added.

    The splitting is walked with an explicit stack: numba cannot cache a recursive function.
    """
    if count <= _PAIRWISE_BLOCK:
        return _pairwise_block(values, 0, count)
    starts = np.empty(64, dtype=np.int64)
    counts = np.empty(64, dtype=np.int64)
    lefts = np.empty(64, dtype=np.float64)
    right_next = np.zeros(64, dtype=np.bool_)
    depth = 0
    starts[0], counts[0] = 0, count
    while True:
        half = counts[depth] // 2
        half -= half % 8
        if right_next[depth]:
            child_start, child_count = starts[depth] + half, counts[depth] - half
        else:
            child_start, child_count = starts[depth], half
        if child_count > _PAIRWISE_BLOCK:
            depth += 1
            starts[depth], counts[depth], right_next[depth] = child_start, child_count, False
            continue
        total = _pairwise_block(values, child_start, child_count)
        while right_next[depth]:  # both halves of this run are summed: hand the sum up
            total = _add(lefts[depth], total)
            if depth == 0:
                return total
            depth -= 1
        lefts[depth], right_next[depth] = total, True


@numba.njit(**_COMPILE)
def _pairwise_block(values, start, count):  # pragma: no cover - compiled
    """numpy's sum of at most 128 values: in order from -0.0 below 8, else in 8 interleaved lanes."""
    if count < 8:
        total = -0.0
        for k in range(start, start + count):
            total = _add(total, values[k])
        return total
    lanes = values[start : start + 8].copy()
    k = 8
    while k < count - count % 8:
        for lane in range(8):
            lanes[lane] = _add(lanes[lane], values[start + k + lane])
        k += 8
    total = _add(
        _add(_add(lanes[0], lanes[1]), _add(lanes[2], lanes[3])),
        _add(_add(lanes[4], lanes[5]), _add(lanes[6], lanes[7])),
    )
    while k < count:
        total = _add(total, values[start + k])
        k += 1
    return total


@numba.njit(**_COMPILE, inline="always")
def _mean(values, count, pairwise):  # pragma: no cover - compiled
    """``np.mean`` over the reads axis as numpy computes it for the pipeline's array.

    numpy's sum starts from +0.0 (so reads that are all -0.0 average to +0.0). Over an axis that
    is not the innermost it adds plane after plane in order; only when a tile holds one pixel
    does the reads axis become the inner loop, summed pairwise.
    """
    total = 0.0
    if pairwise:
        total = _add(total, _numpy_pairwise_sum(values, count))
    else:
        for k in range(count):
            total = _add(total, values[k])
    return _div(total, np.float64(count))


@numba.njit(**_COMPILE)
def read_level_rows(
    forward, forward0, inverse, inverse0, raw, raw_row, flags, flags_row, out, out_row,
    offsets, read_counts, mean_reads, pairwise_row, group_first, group_last,
):  # pragma: no cover - compiled
    """The read-level correction of a row range of one integration, groups ``group_first:group_last``
    (each needs only the first and anchor groups besides its own); returns samples kept raw.

    ``offsets[g, :read_counts[g]]`` are group g's read numbers less the first group's mean read;
    ``mean_reads`` the groups' mean read numbers. ``pairwise_row`` is the one row (or -1) whose
    means numpy sums pairwise: the pipeline's single-pixel tile of a one-column exposure.
    Each step runs along a row, pixel after pixel, so that the compiler can take several pixels
    at once (one pixel's Horner steps depend on each other and would wait on every rounding).
    The polynomials are evaluated in functions of their own, each compiled once per length of its
    coefficient set: inlined here, every pair of forward and inverse lengths would cost a
    compilation of its own (about 7 s each).
    """
    height, nx = forward0.shape
    most_reads = offsets.shape[1]
    reads = np.empty((most_reads, nx), dtype=np.float64)
    corrected = np.empty((most_reads, nx), dtype=np.float64)
    first64 = np.empty(nx, dtype=np.float64)
    rate = np.empty(nx, dtype=np.float64)
    shift = np.empty(nx, dtype=np.float64)
    kept = 0
    for y in range(height):
        _first_and_rate_row(forward, forward0, raw, raw_row, flags, flags_row, y, mean_reads, first64, rate)
        for g in range(group_first, group_last):
            count = read_counts[g]
            samples = raw[g, raw_row + y]
            _reads_on_the_line_row(inverse, inverse0, y, first64, rate, offsets[g], count, reads)
            _means(reads, count, y == pairwise_row, shift)
            for x in range(nx):
                shift[x] = _sub(np.float64(samples[x]), shift[x])
            _corrected_reads_row(forward, forward0, y, reads, shift, count, corrected)
            _means(corrected, count, y == pairwise_row, shift)
            target = out[g, out_row + y]
            for x in range(nx):
                if flags is not None and (flags[g, flags_row + y, x] >> 1) & 1:
                    target[x] = samples[x]
                    kept += 1
                else:
                    target[x] = np.float32(shift[x])
    return kept


@numba.njit(**_COMPILE)
def _first_and_rate_row(
    forward, forward0, raw, raw_row, flags, flags_row, y, mean_reads, first64, rate
):  # pragma: no cover - compiled
    """For each pixel of row ``y``: the corrected first group, into ``first64``, and the count rate from it
    to the anchor group (the last unsaturated but one, at least group 1), into ``rate``."""
    ngroups = raw.shape[0]
    for x in range(first64.shape[0]):
        unsaturated = ngroups
        if flags is not None:
            for g in range(ngroups):
                unsaturated -= (flags[g, flags_row + y, x] >> 1) & 1
        anchor = max(unsaturated - 1, 2) - 1
        first = _classic_sample(forward, forward0, raw, raw_row, flags, flags_row, y, x, 0)
        last = _classic_sample(forward, forward0, raw, raw_row, flags, flags_row, y, x, anchor)
        first64[x] = first
        rate[x] = _div(np.float64(_sub(last, first)), mean_reads[anchor] - mean_reads[0])


@numba.njit(**_COMPILE)
def _reads_on_the_line_row(inverse, inverse0, y, first64, rate, offsets, count, reads):  # pragma: no cover - compiled
    """``reads[k, x]``: the straight line of pixel (y, x) at the group's read ``k`` (``offsets[k]`` from the
    first group's mean read), un-linearised by the inverse polynomial."""
    for k in range(count):
        offset = offsets[k]
        for x in range(first64.shape[0]):
            line = _add(first64[x], _mul(rate[x], offset))
            reads[k, x] = _horner(inverse, inverse0, y, x, line)


@numba.njit(**_COMPILE)
def _corrected_reads_row(forward, forward0, y, reads, shift, count, corrected):  # pragma: no cover - compiled
    """``corrected[k, x]``: read ``k`` of pixel (y, x) shifted onto the raw group and corrected."""
    for k in range(count):
        for x in range(shift.shape[0]):
            corrected[k, x] = _horner(forward, forward0, y, x, _add(reads[k, x], shift[x]))


@numba.njit(**_COMPILE)
def _means(values, count, pairwise, out):  # pragma: no cover - compiled
    """``out[x]`` = the mean of ``values[:count, x]``, as :func:`_mean` computes it, for a row."""
    nx = values.shape[1]
    if pairwise:
        for x in range(nx):
            out[x] = _mean(values[:, x], count, True)
        return
    for x in range(nx):
        out[x] = 0.0
    for k in range(count):
        for x in range(nx):
            out[x] = _add(out[x], values[k, x])
    for x in range(nx):
        out[x] = _div(out[x], np.float64(count))


@numba.njit(**_COMPILE, inline="always")
def _classic_sample(planes, constant, raw, raw_row, flags, flags_row, y, x, g):  # pragma: no cover - compiled
    """The float32 classic correction of one sample; a saturated one keeps its raw value."""
    sample = raw[g, raw_row + y, x]
    if flags is not None and (flags[g, flags_row + y, x] >> 1) & 1:
        return sample
    return _horner(planes, constant, y, x, sample)


@numba.njit(**_COMPILE)
def line_fit_rows(values, flags, rss, count, rise=None):  # pragma: no cover - compiled
    """:func:`~lininspect.core.analysis.analysis.line_fit_sums` in one pass: for each pixel of ``values``
    (ngroups, rows, nx), the sum of squared residuals of its least-squares line against the group
    index over the usable groups (finite, GROUPDQ 0), into ``rss``; how many were usable, into ``count``;
    and when given, what the line rises from the first usable group to the last, into ``rise``
    (the signal the survey's residuals are relative to).

    The same normal equations in float64, each sum taken over the groups in order.
    Without ``rise`` (the A/B comparison), the first and last usable groups are not tracked: the
    ``rise is not None`` tests are settled when numba compiles, which halves the loop's time.
    """
    ngroups, height, nx = values.shape
    n, sx, sy = np.empty(nx), np.empty(nx), np.empty(nx)
    sxx, sxy = np.empty(nx), np.empty(nx)
    slope, intercept = np.empty(nx), np.empty(nx)
    first, last = np.empty(nx), np.empty(nx)
    for y in range(height):
        n[:], sx[:], sy[:], sxx[:], sxy[:] = 0.0, 0.0, 0.0, 0.0, 0.0
        if rise is not None:
            first[:], last[:] = 0.0, 0.0
        for g in range(ngroups):  # selects, not branches, so that the compiler takes several pixels at once
            index = np.float64(g)
            samples, marks = values[g, y], flags[g, y]
            for x in range(nx):
                sample = np.float64(samples[x])
                good = (marks[x] == 0) & np.isfinite(sample)
                weight = 1.0 if good else 0.0
                kept = sample if good else 0.0
                if rise is not None:
                    first[x] = index if good and n[x] == 0.0 else first[x]
                    last[x] = index if good else last[x]
                n[x] += weight
                sx[x] += weight * index
                sy[x] += kept
                sxx[x] += weight * (index * index)
                sxy[x] += index * kept
        for x in range(nx):
            slope[x] = (n[x] * sxy[x] - sx[x] * sy[x]) / (n[x] * sxx[x] - sx[x] * sx[x])
            intercept[x] = (sy[x] - slope[x] * sx[x]) / n[x]
            rss[y, x] = 0.0
            count[y, x] = n[x]
            if rise is not None:
                rise[y, x] = slope[x] * (last[x] - first[x])
        for g in range(ngroups):
            index = np.float64(g)
            samples, marks = values[g, y], flags[g, y]
            for x in range(nx):
                sample = np.float64(samples[x])
                residual = sample - intercept[x] - slope[x] * index
                good = (marks[x] == 0) & np.isfinite(sample)
                rss[y, x] += residual * residual if good else 0.0


@numba.njit(**_COMPILE)
def last_unsaturated_rows(raw, flags, last):  # pragma: no cover - compiled
    """Per pixel of ``raw`` (ngroups, rows, nx), the last group whose sample is finite and not
    SATURATED, into ``last`` (-1: none); returns how many samples are SATURATED."""
    ngroups, height, nx = raw.shape
    saturated = 0
    for y in range(height):
        found = last[y]
        for x in range(nx):
            found[x] = -1
        for g in range(ngroups):  # a select, not a branch: the compiler takes several pixels at once (2x)
            samples, marks = raw[g, y], flags[g, y]
            for x in range(nx):
                marked = (marks[x] >> 1) & 1
                saturated += marked
                usable = (marked == 0) & np.isfinite(samples[x])
                found[x] = g if usable else found[x]
    return saturated


@numba.njit(**_COMPILE)
def stack_add(values, edges, histogram, sums, counts):  # pragma: no cover - compiled
    """Fold one exposure's map ``values`` (ny, nx) into a stack's per-pixel partials, in place: at each
    finite value, one count in ``histogram`` (bins, ny, nx) in the bin ``edges[b] <= value < edges[b + 1]``
    (``histogram`` may be None), the value into ``sums`` (float64) and one into ``counts``."""
    ny, nx = values.shape
    top = len(edges) - 1
    for y in range(ny):
        for x in range(nx):
            value = values[y, x]
            if not np.isfinite(value):
                continue
            sums[y, x] += np.float64(value)
            counts[y, x] += 1
            if histogram is not None:
                low, high = 0, top  # the last edge not above the value, by bisection
                while high - low > 1:
                    middle = (low + high) // 2
                    if edges[middle] <= value:
                        low = middle
                    else:
                        high = middle
                histogram[low, y, x] += 1


@numba.njit(**_COMPILE)
def histogram_medians(histogram, edges, median, total):  # pragma: no cover - compiled
    """Per pixel of a stack's ``histogram`` (bins, ny, nx) over ``edges``: the median, interpolated in its
    bin geometrically (linearly in a bin starting at 0; an open last bin gives its lower edge), into
    ``median`` (float32, NaN where empty), and the count, into ``total`` (uint32).

    numpy took 1 s a full frame for this (a float64 cumulative sum of every bin, the survey's last
    step, when the workers have nothing else to do); the arithmetic is the same, counts exact in float64.
    """
    bins, ny, nx = histogram.shape
    count = np.empty(nx)
    running = np.empty(nx)
    below = np.empty(nx)
    inside = np.empty(nx)
    index = np.empty(nx, dtype=np.int64)
    for y in range(ny):
        count[:] = 0.0
        for b in range(bins):
            for x in range(nx):
                count[x] += np.float64(histogram[b, y, x])
        running[:] = 0.0
        index[:] = -1
        for b in range(bins):
            for x in range(nx):
                here = np.float64(histogram[b, y, x])
                running[x] += here
                if index[x] < 0 and running[x] >= count[x] / 2:
                    index[x] = b
                    below[x] = running[x] - here
                    inside[x] = here
        for x in range(nx):
            total[y, x] = np.uint32(count[x])
            if count[x] == 0:
                median[y, x] = np.nan
                continue
            low, high = edges[index[x]], edges[index[x] + 1]
            fraction = min(max((count[x] / 2 - below[x]) / inside[x], 0.0), 1.0)
            if not np.isfinite(high):
                value = low
            elif low > 0:
                value = low * (high / low) ** fraction
            else:
                value = low + (high - low) * fraction
            median[y, x] = np.float32(value)


@numba.njit(**_COMPILE)
def highest_usable_rows(raw, flags, best_group, best):  # pragma: no cover - compiled
    """For each pixel of ``raw`` (ngroups, rows, nx): the first group holding its highest finite, unsaturated
    sample, into ``best_group``, and that sample in float64, into ``best`` (-inf and group 0 when none is).

    What ``np.argmax`` of the samples with the others set to -inf gives, in one pass instead of five
    whole-block operations.
    """
    ngroups, height, nx = raw.shape
    for y in range(height):
        for x in range(nx):
            best_group[y, x] = 0
            best[y, x] = -np.inf
        for g in range(ngroups):
            samples, marks = raw[g, y], flags[g, y]
            for x in range(nx):
                sample = np.float64(samples[x])
                if sample > best[y, x] and np.isfinite(sample) and (marks[x] & SATURATED) == 0:
                    best[y, x] = sample
                    best_group[y, x] = g


def _cache_when_there_is_room(dispatcher: numba.core.dispatcher.Dispatcher) -> None:
    """A full disk or a file-size limit must not fail a correction because numba cannot keep its cache.

    numba registers the freshly compiled code before it writes the cache file, and then lets the
    write's OSError end the call; the cache only saves the next process the compilation.
    """
    save = dispatcher._cache.save_overload

    def save_if_room(signature, data):  # type: ignore[no-untyped-def]
        try:
            save(signature, data)
        except OSError:
            pass

    dispatcher._cache.save_overload = save_if_room


for _dispatcher in (classic_rows, _numpy_pairwise_sum, _pairwise_block, read_level_rows, _first_and_rate_row,
                    _reads_on_the_line_row, _corrected_reads_row, _means, line_fit_rows,
                    highest_usable_rows, last_unsaturated_rows, stack_add, histogram_medians):
    _cache_when_there_is_room(_dispatcher)
