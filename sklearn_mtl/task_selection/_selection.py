"""Choosing groups of tasks from their affinity (Fifty et al.'s network selection)."""

from numbers import Integral

import numpy as np

__all__ = ["EXACT_MAX_TASKS", "SEARCHES", "select_task_groups"]

SEARCHES = ("auto", "exact", "beam")
# search="auto" is exact up to this many tasks: the search visits every pair
# (served tasks, group) with the served tasks inside the group, 3 ** n_tasks of
# them (531441 for 12 tasks, well under a second).
EXACT_MAX_TASKS = 12
BEAM_WIDTH = 64


def select_task_groups(affinity, n_groups=2, *, search="auto"):
    """Select at most ``n_groups`` groups of tasks maximizing the total affinity.

    The network selection of Fifty et al. (2021): each chosen group is
    trained as one multi-task network, and each task is served (predicted)
    by one of the groups it belongs to. Groups may overlap: a task can be
    trained in a group that does not serve it, for the benefit of the tasks
    that group serves. The affinity of group ``G`` onto its member ``t`` is
    the mean of ``affinity[i, t]`` over the other members ``i`` of ``G``
    (0 for a group of one task: a task trained alone neither gains nor
    loses from others), and the selection maximizes the sum over the tasks
    of the affinity onto each task of the group that serves it.

    Parameters
    ----------
    affinity : array-like of shape (n_tasks, n_tasks)
        ``affinity[i, j]``: the effect of task ``i`` on task ``j``, such as
        :attr:`TaskAffinity.affinity_ <sklearn_mtl.task_selection.TaskAffinity>`.
        The diagonal is not used; NaN (no measurement) counts as 0.
    n_groups : int, default=2
        The most groups (networks) to use. With overlapping groups, more
        groups never lower the total, so the selection uses up to
        ``n_groups`` groups, fewer only when more cannot add anything.
    search : {"auto", "exact", "beam"}, default="auto"
        ``"exact"``: the optimum, by dynamic programming over the subsets of
        tasks (the best group for every set of served tasks, then the best
        partition of the tasks into at most ``n_groups`` served sets), in
        ``O(n_groups * 3 ** n_tasks)`` time: about a second for 12 tasks,
        too long beyond 14 or so. ``"beam"``: a heuristic for many tasks: a
        beam search (width 64) assigns the tasks one at a time to at most
        ``n_groups`` disjoint served sets, scored without overlap; single
        tasks are then moved between sets while it improves the total, and
        each set's group finally takes on, greedily, the extra members that
        raise the affinity onto the tasks it serves. ``"auto"``: exact up to
        12 tasks, beam beyond.

    Returns
    -------
    groups : list of list of int
        The members of each group (sorted task indices), groups ordered by
        the first task they serve. A task appears in at least one group.
    served_by : ndarray of shape (n_tasks,)
        Index in ``groups`` of the group that serves each task.

    References
    ----------
    C. Fifty, E. Amid, Z. Zhao, T. Yu, R. Anil and C. Finn, "Efficiently
    identifying task groupings for multi-task learning", NeurIPS 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.task_selection import select_task_groups
    >>> affinity = np.array([
    ...     [0.0, 0.3, -0.2, -0.1],
    ...     [0.2, 0.0, -0.1, -0.2],
    ...     [-0.3, -0.1, 0.0, 0.4],
    ...     [-0.1, -0.2, 0.3, 0.0],
    ... ])
    >>> groups, served_by = select_task_groups(affinity, n_groups=2)
    >>> groups
    [[0, 1], [2, 3]]
    >>> served_by
    array([0, 0, 1, 1])
    """
    affinity = _check_affinity(affinity)
    if isinstance(n_groups, bool) or not isinstance(n_groups, Integral) or n_groups < 1:
        raise ValueError(
            f"Expected n_groups to be an integer >= 1; got {n_groups!r} instead."
        )
    if search not in SEARCHES:
        raise ValueError(
            f"Expected search to be one of {', '.join(map(repr, SEARCHES))}; got "
            f"{search!r} instead."
        )
    n_tasks = affinity.shape[0]
    n_groups = min(int(n_groups), n_tasks)
    if search == "exact" or (search == "auto" and n_tasks <= EXACT_MAX_TASKS):
        pairs = _exact(affinity, n_groups)
    else:
        pairs = _beam(affinity, n_groups)
    return _as_groups(pairs, n_tasks)


def _check_affinity(affinity):
    affinity = np.asarray(affinity, dtype=np.float64)
    if affinity.ndim != 2 or affinity.shape[0] != affinity.shape[1]:
        raise ValueError(
            "Expected affinity to be a square array of shape (n_tasks, n_tasks); "
            f"got shape {affinity.shape} instead."
        )
    if affinity.shape[0] == 0:
        raise ValueError("Expected affinity for at least one task; got none.")
    if np.isinf(affinity).any():
        raise ValueError("Expected finite affinity values (or NaN); got inf.")
    affinity = np.nan_to_num(affinity, nan=0.0)
    np.fill_diagonal(affinity, 0.0)
    return affinity


def group_affinity(affinity, members):
    """Affinity of a group onto each of its members (0 for a single task).

    Parameters
    ----------
    affinity : ndarray of shape (n_tasks, n_tasks)
        With a zero diagonal.
    members : sequence of int

    Returns
    -------
    scores : ndarray of shape (len(members),)
    """
    members = list(members)
    if len(members) < 2:
        return np.zeros(len(members))
    block = affinity[np.ix_(members, members)]
    return block.sum(axis=0) / (len(members) - 1)


def total_affinity(affinity, groups, served_by):
    """The selection's objective: the sum of the affinities onto the served tasks.

    Parameters
    ----------
    affinity : ndarray of shape (n_tasks, n_tasks)
        With a zero diagonal.
    groups : list of list of int
    served_by : array-like of shape (n_tasks,)

    Returns
    -------
    total : float
    """
    total = 0.0
    for g, members in enumerate(groups):
        scores = group_affinity(affinity, members)
        total += sum(
            score
            for task, score in zip(members, scores, strict=True)
            if served_by[task] == g
        )
    return float(total)


# ------------------------------------------------------------------ exact
def _bits(mask):
    return [t for t in range(mask.bit_length()) if mask >> t & 1]


def _subset_sums(bits, values):
    """Codes and sums of every subset of ``bits`` (values aligned with bits)."""
    codes = np.zeros(1, dtype=np.int64)
    sums = np.zeros(1)
    for bit, value in zip(bits, values, strict=True):
        codes = np.concatenate([codes, codes | (1 << bit)])
        sums = np.concatenate([sums, sums + value])
    return codes, sums


def _best_groups(affinity):
    """For every set of served tasks ``A``, the best group ``G`` containing it.

    Returns ``value[A] = max_{G >= A} sum_{t in A} score(G, t)`` and the
    argmax ``group[A]`` (the smallest such group on ties).
    """
    n_tasks = affinity.shape[0]
    size = 1 << n_tasks
    value = np.full(size, -np.inf)
    value[0] = 0.0  # nothing served
    group = np.zeros(size, dtype=np.int64)
    # Smaller groups first: on ties, a group without needless members wins.
    order = sorted(range(1, size), key=lambda mask: (mask.bit_count(), mask))
    for mask in order:
        members = _bits(mask)
        codes, sums = _subset_sums(members, group_affinity(affinity, members))
        better = sums > value[codes]
        value[codes[better]] = sums[better]
        group[codes[better]] = mask
    return value, group


def _exact(affinity, n_groups):
    """The optimal (group, served tasks) pairs, as bit masks."""
    n_tasks = affinity.shape[0]
    full = (1 << n_tasks) - 1
    value, group = _best_groups(affinity)
    # best[k][mask]: the best split of the tasks of mask into <= k served sets.
    best = [None, value.copy()]
    choice = [None, np.arange(1 << n_tasks)]
    for k in range(2, n_groups + 1):
        previous = best[k - 1]
        current = previous.copy()
        chosen = np.zeros(1 << n_tasks, dtype=np.int64)
        masks = range(1, 1 << n_tasks) if k < n_groups else [full]
        for mask in masks:
            low = mask & -mask
            rest = _bits(mask ^ low)
            codes, _ = _subset_sums(rest, np.zeros(len(rest)))
            served = codes | low  # the served set holding the lowest task
            totals = value[served] + previous[mask ^ served]
            i = int(np.argmax(totals))
            if totals[i] > current[mask]:
                current[mask] = totals[i]
                chosen[mask] = served[i]
        best.append(current)
        choice.append(chosen)
    pairs, mask, k = [], full, n_groups
    while mask:
        served = int(choice[k][mask]) if k > 1 else mask
        if served == 0:  # fewer sets were as good
            k -= 1
            continue
        pairs.append((int(group[served]), served))
        mask ^= served
        k -= 1
    return pairs


# ------------------------------------------------------------------- beam
def _partition_score(affinity, blocks):
    return sum(group_affinity(affinity, block).sum() for block in blocks)


def _beam(affinity, n_groups):
    """Heuristic (group, served tasks) pairs for many tasks, as bit masks."""
    # Tasks with the strongest ties first, so the early blocks are telling.
    strength = np.abs(affinity).sum(axis=0) + np.abs(affinity).sum(axis=1)
    order = np.argsort(-strength, kind="stable")
    beam = [((), 0.0)]
    for task in order:
        candidates = {}
        for blocks, _ in beam:
            options = [
                (*blocks[:b], (*block, task), *blocks[b + 1 :])
                for b, block in enumerate(blocks)
            ]
            if len(blocks) < n_groups:
                options.append((*blocks, (task,)))
            for option in options:
                key = tuple(sorted(tuple(sorted(block)) for block in option))
                if key not in candidates:
                    candidates[key] = _partition_score(affinity, key)
        ranked = sorted(candidates.items(), key=lambda item: -item[1])
        beam = ranked[:BEAM_WIDTH]
    blocks = [list(block) for block in beam[0][0]]
    blocks = _improve_by_moves(affinity, blocks, n_groups)
    pairs = []
    for block in blocks:
        members = _add_helpers(affinity, block)
        pairs.append((_mask(members), _mask(block)))
    return pairs


def _improve_by_moves(affinity, blocks, n_groups, max_rounds=100):
    """Move single tasks between served sets while the total improves."""
    score = _partition_score(affinity, blocks)
    for _ in range(max_rounds):
        improved = False
        for b, block in enumerate(blocks):
            for task in list(block):
                if task not in block:
                    continue
                targets = [c for c in range(len(blocks)) if c != b]
                if len(blocks) < n_groups and len(block) > 1:
                    targets.append(len(blocks))  # a new set
                for c in targets:
                    trial = [list(x) for x in blocks]
                    trial[b].remove(task)
                    if c == len(trial):
                        trial.append([task])
                    else:
                        trial[c].append(task)
                    trial = [x for x in trial if x]
                    trial_score = _partition_score(affinity, trial)
                    if trial_score > score + 1e-12:
                        blocks, score, improved = trial, trial_score, True
                        break
                if improved:
                    break
            if improved:
                break
        if not improved:
            return blocks
    return blocks


def _add_helpers(affinity, served):
    """Greedily add members that raise the affinity onto the served tasks."""
    members = list(served)
    current = group_affinity(affinity, members).sum()
    while True:
        best, best_gain = None, 1e-12
        for task in range(affinity.shape[0]):
            if task in members:
                continue
            trial = [*members, task]
            scores = group_affinity(affinity, trial)[: len(served)]
            gain = scores.sum() - current
            if gain > best_gain:
                best, best_gain = task, gain
        if best is None:
            return sorted(members)
        members.append(best)
        current += best_gain


def _mask(tasks):
    return sum(1 << int(t) for t in tasks)


def _as_groups(pairs, n_tasks):
    """Pairs of (group, served) masks as sorted groups and ``served_by``."""
    pairs = sorted(pairs, key=lambda pair: min(_bits(pair[1])))
    groups, served_by = [], np.full(n_tasks, -1, dtype=np.intp)
    for g, (members, served) in enumerate(pairs):
        groups.append(_bits(members))
        served_by[_bits(served)] = g
    return groups, served_by
