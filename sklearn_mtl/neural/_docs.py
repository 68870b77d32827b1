"""Docstring fragments shared by the multi-task nets."""

NET_PARAMETERS = """
    module : nn.Module class or instance, default=MultiTaskMLP
        The network. A class taking ``input_shape`` and ``output_sizes`` (as
        :class:`MultiTaskMLP` does) gets them from the data in ``fit``; its
        other arguments are set as ``module__<name>`` (``module__hidden_units``,
        ``module__dropout``, ``module__activation``, ``module__batch_norm``,
        ``module__head_hidden_units``, ``module__trunk``, ...). The module
        returns the tasks' outputs concatenated in task order.
    criterion : nn.Module class or instance, default=MaskedMultiTaskLoss
        Per-task losses over observed labels; a class gets ``task_kinds`` and
        ``output_sizes`` from the data, and ``criterion__<name>`` arguments.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Set its arguments as ``optimizer__<name>``.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=50
        Number of epochs of ``fit`` (and of each ``partial_fit``).
    batch_size : int, default=128
        Rows per batch (-1: all rows).
    train_split : callable or None, default=ValidSplit(0.2, random_state=0)
        Internal train/validation split (skorch's); ``None`` trains on all
        rows and records no validation loss. The default draws 20% of the rows
        at random with a fixed seed. It receives the rows given to ``fit`` with
        their labels encoded (standardized, or class indices; in a fit with
        ``sample_weight``, the rows of non-zero weight, their weights as a last
        column of the dataset's targets, see ``unpack_targets``) and returns
        subsets of them, as ``ValidSplit`` does, or a separate validation set
        of raw data: ``predefined_split(Dataset(X_valid, Y_valid))`` (skorch's
        ``Dataset``, NaN for missing labels), which is validated and encoded as
        the training rows are.
    task_weights : array-like of shape (n_tasks,), dict or None, default=None
        Weight of each task's loss, rescaled to mean 1; a dict maps task names
        (of a DataFrame ``Y``) or indices to weights. Grid-searchable.
    random_state : int, RandomState instance or None, default=None
        Seed of the initialization, dropout and batch order. An int makes
        ``fit`` reproducible, without changing torch's global random state;
        None uses torch's global generator, as skorch does.
    torch_num_threads : int or None, default=None
        Threads torch uses during ``fit`` and ``predict``. None: one thread
        inside a child process (such as a joblib worker of
        ``GridSearchCV(n_jobs=...)``), torch's setting otherwise.
    **kwargs
        Any other skorch ``NeuralNet`` parameter: ``callbacks``, ``device``,
        ``warm_start``, ``verbose``, ``iterator_train__shuffle`` (default
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
        else ``task<t>``), ``task_weights``, and the scores of
        :class:`TaskScoring` callbacks.
    task_weights_ : ndarray of shape (n_tasks,)
        Task weights in use, with mean 1.
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
