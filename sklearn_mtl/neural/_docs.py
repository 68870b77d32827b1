"""Docstring fragments shared by the multi-task nets."""

NET_PARAMETERS = """
    module : nn.Module class or instance, default=MultiTaskMLP
        The network. A class taking ``input_shape`` and ``output_sizes`` (as
        :class:`MultiTaskMLP` does) gets them from the data in ``fit``; its
        other arguments are set as ``module__<name>`` (``module__hidden_units``,
        ``module__dropout``, ``module__activation``, ``module__batch_norm``,
        ``module__head_hidden_units``, ``module__trunk``, ...). The module
        returns the tasks' outputs concatenated in task order. Its
        parameters are checked when it is built in ``fit``, and named as
        given (``module__hidden_units``). With batch normalization in the
        module, a last training batch of one row is merged into the batch
        before it (which then has ``batch_size + 1`` rows): batch
        normalization cannot normalize over one row.
    criterion : nn.Module class or instance, default=MaskedMultiTaskLoss
        Per-task losses over observed labels; a class gets ``task_kinds`` and
        ``output_sizes`` from the data, and ``criterion__<name>`` arguments.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Set its arguments as ``optimizer__<name>``. A class (or any callable
        building the optimizer from the parameters), as skorch takes it; a
        name such as ``"adam"`` is an error that names the class to pass
        (``optimizer=torch.optim.Adam``): a second spelling would be unknown
        to skorch's ``optimizer__<name>`` arguments and ``set_params``.
    lr : float, default=1e-3
        Learning rate. A training loss that is not finite, or that diverges
        (a task's loss beyond 1e6 times its loss at the start of training),
        stops the fit with a ``FloatingPointError`` naming the epoch and the
        tasks.
    max_epochs : int, default=200
        Upper bound on the number of epochs of ``fit`` (early stopping usually
        ends it sooner); the number of epochs of each ``partial_fit``.
    batch_size : int, default=128
        Rows per batch (-1: all rows).
    train_split : "auto", callable or None, default="auto"
        Internal train/validation split (skorch's). ``"auto"``: when early
        stopping is on, ``validation_fraction`` of the rows, stratified over
        the tasks as
        :class:`~sklearn_mtl.model_selection.MultiTaskStratifiedKFold` does
        (each task's labelled rows, and each class of a classification task,
        are held out in that proportion, in an order drawn with a fixed
        seed), so that every task with at least two labels has labels on both
        sides and a task with one label trains on it; else none, and every
        row is trained on. ``None``
        trains on all rows and records no validation loss. A callable
        receives the rows given to ``fit`` with their labels encoded
        (standardized, or class indices; in a fit with ``sample_weight``, the
        rows of non-zero weight, their weights as a last column of the
        dataset's targets, see ``unpack_targets``) and returns subsets of
        them, as ``ValidSplit`` does, or a separate validation set of raw
        data: ``predefined_split(Dataset(X_valid, Y_valid))`` (skorch's
        ``Dataset``, NaN for missing labels), which is validated and encoded
        as the training rows are. A split that leaves a task without a
        training label is an error naming the task.
    early_stopping : "auto" or bool, default="auto"
        Whether ``fit`` stops when the validation quantity (``scoring``, over
        the ``primary_tasks`` when given) has
        not improved by at least ``tol`` for ``n_iter_no_change`` epochs, and
        then restores the weights of the best epoch (``best_epoch_``): the
        state of the module and of the weighting strategy, copied in memory
        at each improvement. ``"auto"``: on when there is a validation set
        (``train_split`` not None, and ``validation_fraction`` not None for
        ``train_split="auto"``). True without a validation set is an error.
        ``partial_fit`` never stops early (it trains ``max_epochs`` epochs,
        validating on the same split). The optimizer's state is not restored.
    validation_fraction : float or None, default=0.2
        Fraction of the rows held out for early stopping by
        ``train_split="auto"`` (ignored for another ``train_split``); None:
        no validation set.
    n_iter_no_change : int, default=10
        Patience: epochs without an improvement of at least ``tol`` before
        ``fit`` stops.
    tol : float, default=1e-4
        Minimum absolute improvement of the monitored quantity (in its units:
        the validation loss, in standard units for regression tasks, or the
        score) that resets the patience. The best epoch is the one with the
        best value, whatever ``tol``.
    scoring : str or callable, default="loss"
        What early stopping monitors: ``"loss"``, the validation loss
        (``valid_loss``: the task-weighted mean of the tasks' losses), or a
        per-task metric of :func:`~sklearn_mtl.metrics.get_metric` (such as
        ``"roc_auc"`` or ``"r2"``), whose mean over the tasks on the
        validation rows is recorded by a :class:`TaskScoring` callback as
        ``valid_<metric>`` (with ``valid_<metric>_<task>``) and maximized
        (or minimized for an error). With ``primary_tasks``, the same
        quantity over the primary tasks: ``valid_loss_primary`` (the plain
        mean of their validation losses) or ``valid_<metric>_primary``.
    task_weights : array-like of shape (n_tasks,), dict or None, default=None
        Weight of each task's loss, rescaled to mean 1; a dict maps task names
        (of a DataFrame ``Y``) or indices to weights. Grid-searchable.
    weighting : None, str or TaskWeighting, default=None
        How the tasks' losses or gradients are combined at each training
        step: None (the static ``task_weights``), a strategy of
        :mod:`sklearn_mtl.neural.weighting` or its name (``"pcgrad"``,
        ``"uncertainty"``, ..., ``"aux_cosine"`` with ``primary_tasks``);
        its parameters are ``weighting__<name>``.
    primary_tasks : list of str or int, str, int or None, default=None
        The tasks you care about, by name (of a DataFrame ``Y``) or index; the
        others are auxiliary. Every task trains (with ``task_weights`` and
        ``weighting``), but early stopping and the best epoch it restores
        follow the primary tasks only (``valid_loss_primary``, or
        ``valid_<metric>_primary``; an error if none of them has a label in
        the validation rows), and ``score`` (so ``GridSearchCV``'s default
        scorer) is the mean over them. ``predict`` still returns every task.
        None: every task counts. Down-weight auxiliary tasks with
        ``task_weights``, or let ``weighting="aux_cosine"``
        (:class:`~sklearn_mtl.neural.weighting.AuxiliaryCosine`) keep only
        their gradients that agree with the primary tasks'.
    random_state : int, RandomState instance or None, default=None
        Seed of the initialization, dropout and batch order. An int makes
        ``fit`` reproducible, without changing torch's global random state,
        also when seeded fits run at the same time in threads (they draw
        from generators of their own); None uses torch's global generator,
        as skorch does.
    torch_num_threads : int or None, default=None
        Threads torch uses during ``fit`` and ``predict``. None: inside a
        child process (such as a joblib worker of ``GridSearchCV(n_jobs=...)``),
        the worker's share of the cores that joblib passes in
        ``OMP_NUM_THREADS`` (its ``inner_max_num_threads``, by default the
        number of cores divided by ``n_jobs``), else one thread; torch's
        setting otherwise.
    verbose : "auto" or int, default="auto"
        skorch's verbosity: 1 prints the epoch table, 0 nothing. ``"auto"``:
        0 inside model selection, 1 otherwise. A fit is inside model
        selection when it runs in a child process (the joblib workers of
        ``GridSearchCV(n_jobs=2)``, ``cross_validate(n_jobs=2)``, ...) or is
        called, directly or not, from ``sklearn.model_selection`` or
        ``sklearn_mtl.model_selection`` (searches and their refit,
        ``cross_validate``, ``compare_estimators``, ... with any
        ``n_jobs``). A fit of your own, in a ``Pipeline`` too, prints the
        table. Set an integer to choose.
    **kwargs
        Any other skorch ``NeuralNet`` parameter: ``callbacks``, ``device``,
        ``warm_start``, ``iterator_train__shuffle`` (default
        True), ``optimizer__weight_decay``, ... In-memory arrays are batched by
        slicing tensors unless the iterators are customized (another class, or
        arguments besides ``batch_size``, ``shuffle`` and ``drop_last``).
"""

NET_ATTRIBUTES = """
    module_ : nn.Module
        The trained network.
    history_ : skorch.History
        Per epoch: ``train_loss`` and ``valid_loss`` (the task-weighted mean of
        the per-task losses over the epoch's labels, see :class:`PerTaskLoss`),
        ``train_loss_<task>`` and ``valid_loss_<task>``
        for every task (``<task>`` is the column name of a DataFrame ``Y``,
        else ``task<t>``), each with its ``_best`` flag, ``task_weights``, and
        the scores of :class:`TaskScoring` callbacks. With ``primary_tasks``,
        also ``train_loss_primary`` and ``valid_loss_primary``, the plain
        mean of the primary tasks' losses (and ``<prefix>_<metric>_primary``
        for the scores), each with its ``_best`` flag.
    best_epoch_ : int or None
        The epoch (numbered as in ``history_``) whose weights early stopping
        restored at the end of the last ``fit``; None when early stopping
        was off (or after ``partial_fit``).
    n_iter_ : int
        Number of epochs of the last ``fit`` or ``partial_fit`` call.
    interrupted_ : bool
        Whether the last ``fit`` or ``partial_fit`` was interrupted by a
        ``KeyboardInterrupt`` during an epoch (Ctrl+C). Such a call raises
        the ``KeyboardInterrupt`` again, so that a script or a search stops,
        and leaves the net as it was at the end of its last completed epoch
        (or at its best epoch, with early stopping): the module's and the
        weighting strategy's weights and the history of the completed epochs,
        never a half-trained epoch; ``n_iter_`` counts the completed epochs.
        The optimizer's state is that of the interruption. A callback that
        raises ``KeyboardInterrupt`` at the end of an epoch (skorch's way to
        stop training, as its ``EarlyStopping`` does) stops training without
        an error.
    task_weights_ : ndarray of shape (n_tasks,)
        Task weights in use, with mean 1.
    primary_tasks_ : ndarray of int or None
        Indices of the primary tasks, in increasing order; None when
        ``primary_tasks`` is None.
    output_sizes_ : tuple of int
        Number of module outputs of each task.
    task_kinds_ : tuple of str
        Kind of each task, as :class:`MaskedMultiTaskLoss` takes it.
    input_shape_ : tuple of int
        Shape of one sample seen in fit.
    n_tasks_ : int
        Number of tasks.
    task_names_ : ndarray of str
        Column names of ``Y``, when it was a DataFrame.
    n_features_in_ : int
        Number of features (columns of X) seen in fit.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it was a DataFrame.
"""
