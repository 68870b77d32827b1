"""Persistence of the nets: pickle, joblib, skops and save_params/load_params.

Every route must give back the same model (identical predictions, history,
and the same training when it continues), also in a fresh Python process, and
``save_params(f_fitted=...)`` must restore a net without its training data.
"""

import io
import json
import pickle
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from neural_helpers import SMALL, classification_data, raises, regression_data
from skorch import NeuralNet
from skorch.callbacks import Checkpoint
from torch import nn

from sklearn_mtl.neural import (
    MultiTaskNet,
    MultiTaskNetClassifier,
    MultiTaskNetRegressor,
    TaskScoring,
)
from sklearn_mtl.neural.modules import PLE, CrossStitch, MMoE, SoftSharing

skops_io = pytest.importorskip("skops.io")

# Constructor arguments, as Python literals (a fresh process rebuilds the nets
# from them for the save_params route).
PARAMS = {
    "regressor": {**SMALL, "module__dropout": 0.2, "max_epochs": 3, "batch_size": 16},
    "classifier": {**SMALL, "max_epochs": 3, "batch_size": 16},
    "mixed": {**SMALL, "max_epochs": 3, "batch_size": 16},
}
NETS = {
    "regressor": MultiTaskNetRegressor,
    "classifier": MultiTaskNetClassifier,
    "mixed": MultiTaskNet,
}


def string_classification_data():
    """A binary task with string classes and a 3-class task, None missing."""
    X, codes = classification_data()
    Y = np.empty(codes.shape, dtype=object)
    Y[:, 0] = np.where(codes[:, 0] == 1, "yes", "no")
    Y[:, 1] = codes[:, 1]
    Y[np.isnan(codes)] = None
    return X, Y


def mixed_data():
    """A continuous, a "yes"/"no" and a 3-class task, in a DataFrame."""
    X, codes = classification_data()
    price = 3.0 * X[:, 2] + 10.0
    price[::5] = np.nan
    churn = np.where(codes[:, 0] == 1, "yes", "no").astype(object)
    churn[np.isnan(codes[:, 0])] = None
    Y = pd.DataFrame({"price": price, "churn": churn, "grade": codes[:, 1] + 1})
    return X, Y


DATA = {
    "regressor": regression_data,
    "classifier": string_classification_data,
    "mixed": mixed_data,
}


def fitted(kind):
    X, Y = DATA[kind]()
    return NETS[kind](**PARAMS[kind]).fit(X, Y), X, Y


def assert_same_predictions(restored, net, X):
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))
    if hasattr(net, "predict_proba"):
        for got, want in zip(
            restored.predict_proba(X), net.predict_proba(X), strict=True
        ):
            if want is None:
                assert got is None
            else:
                np.testing.assert_array_equal(got, want)


def skops_round_trip(net):
    data = skops_io.dumps(net)
    return skops_io.loads(data, trusted=skops_io.get_untrusted_types(data=data))


ROUTES = {
    "pickle": lambda net, tmp_path: pickle.loads(pickle.dumps(net)),
    "joblib": lambda net, tmp_path: joblib.load(
        joblib.dump(net, tmp_path / "net.joblib")[0]
    ),
    "skops": lambda net, tmp_path: skops_round_trip(net),
}


def tensors_in(value, seen=None):
    """Number of torch tensors reachable from ``value`` through containers and
    plain objects' attributes (not through torch modules or optimizers)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, torch.Tensor):
        return 1
    if isinstance(value, dict):
        return sum(tensors_in(item, seen) for item in value.values())
    if isinstance(value, list | tuple | set):
        return sum(tensors_in(item, seen) for item in value)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return tensors_in(vars(value), seen)
    return 0


# --------------------------------------------------- 1. no data in the net
def test_a_fitted_net_holds_no_batch_tensors():
    """The callbacks forget the epoch's batches (labels included) at its end."""
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        max_epochs=2, callbacks=[TaskScoring("r2")], **SMALL
    ).fit(X, Y)
    for name, callback in net.callbacks_:
        assert tensors_in(callback) == 0, name
    per_task = dict(net.callbacks_)["per_task_loss"]
    assert per_task.batches_ == {"train": [], "valid": []}
    assert per_task.penalties_ == []


# ---------------------------------------------- 2. pickle, joblib, skops
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", NETS)
def test_round_trip_gives_the_same_model(kind, route, tmp_path):
    net, X, Y = fitted(kind)
    restored = ROUTES[route](net, tmp_path)
    assert type(restored) is type(net)
    assert_same_predictions(restored, net, X)
    assert restored.history.to_list() == net.history.to_list()
    assert restored.score(X, Y) == net.score(X, Y)
    assert restored.get_params().keys() == net.get_params().keys()
    # continued training is the same: optimizer (Adam moments) and
    # strategy states came back too
    net.partial_fit(X, Y)
    restored.partial_fit(X, Y)
    assert_same_predictions(restored, net, X)


def test_skops_file_holds_no_pickled_bytes_and_lists_the_types():
    """skops audits what it loads: the torch components are saved as arrays,
    not as a pickled byte string that skops would load without auditing."""
    net, _, _ = fitted("regressor")
    data = skops_io.dumps(net)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert "schema.json" in names
    assert all(name.endswith(".npy") for name in names if name != "schema.json")
    untrusted = skops_io.get_untrusted_types(data=data)
    assert "sklearn_mtl.neural._regressor.MultiTaskNetRegressor" in untrusted
    assert "sklearn_mtl.neural.modules._mlp.MultiTaskMLP" in untrusted
    assert "torch.optim.adam.Adam" in untrusted
    # without trusting them, skops refuses to load
    with pytest.raises(skops_io.exceptions.UntrustedTypesFoundException):
        skops_io.loads(data)
    # skorch's own pickled state would hold an opaque byte string
    assert isinstance(
        NeuralNet.__getstate__(net)["__cuda_dependent_attributes__"], bytes
    )


@pytest.mark.parametrize(
    ("module", "sizes"),
    [
        (MMoE, {"module__expert_hidden_units": (4,), "module__dropout": 0.2}),
        (PLE, {"module__expert_hidden_units": (4,), "module__dropout": 0.2}),
        (CrossStitch, {"module__hidden_units": (4,), "module__dropout": 0.2}),
        (SoftSharing, {"module__hidden_units": (4,), "module__dropout": 0.2}),
    ],
    ids=["MMoE", "PLE", "CrossStitch", "SoftSharing"],
)
def test_skops_round_trip_of_the_architectures(module, sizes):
    X, Y = regression_data()
    net = MultiTaskNetRegressor(
        module=module, max_epochs=2, verbose=0, random_state=0, **sizes
    ).fit(X, Y)
    restored = skops_round_trip(net)
    assert_same_predictions(restored, net, X)
    net.partial_fit(X, Y)
    restored.partial_fit(X, Y)
    assert_same_predictions(restored, net, X)


@pytest.mark.parametrize("weighting", ["uncertainty", "dwa", "famo", "gradnorm"])
def test_strategy_state_survives_pickling(weighting):
    X, Y = regression_data()
    net = MultiTaskNetRegressor(weighting=weighting, max_epochs=2, **SMALL).fit(X, Y)
    restored = pickle.loads(pickle.dumps(net))
    for (name, got), want in zip(
        restored.weighting_.state_dict().items(),
        net.weighting_.state_dict().values(),
        strict=True,
    ):
        torch.testing.assert_close(got, want, rtol=0, atol=0, msg=name)
    net.partial_fit(X, Y)
    restored.partial_fit(X, Y)
    assert_same_predictions(restored, net, X)


def test_batch_norm_statistics_and_weights_survive_pickling():
    X, Y = regression_data()
    net = MultiTaskNetRegressor(module__batch_norm=True, max_epochs=2, **SMALL).fit(
        X, Y
    )
    restored = pickle.loads(pickle.dumps(net))
    for (name, got), want in zip(
        restored.module_.state_dict().items(),
        net.module_.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(got, want), name
    assert_same_predictions(restored, net, X)


def test_module_instance_given_by_the_user_survives_pickling():
    X, Y = regression_data()
    trunk = nn.Sequential(nn.Linear(X.shape[1], 6), nn.ReLU())
    net = MultiTaskNetRegressor(module__trunk=trunk, max_epochs=2, **SMALL).fit(X, Y)
    restored = pickle.loads(pickle.dumps(net))
    assert_same_predictions(restored, net, X)


def test_pickles_written_by_skorchs_getstate_still_load():
    """Nets pickled before (skorch's format, a pickled byte string) load."""
    net, X, _ = fitted("classifier")
    state = NeuralNet.__getstate__(net)
    restored = MultiTaskNetClassifier.__new__(MultiTaskNetClassifier)
    restored.__setstate__(state)
    assert_same_predictions(restored, net, X)


def test_pickling_leaves_the_global_random_state_alone():
    net, _, _ = fitted("regressor")
    data = pickle.dumps(net)
    state = torch.get_rng_state()
    pickle.loads(data)
    assert torch.equal(torch.get_rng_state(), state)


def test_an_unfitted_net_round_trips():
    net = MultiTaskNetRegressor(**PARAMS["regressor"])
    for route in ("pickle", "skops"):
        restored = ROUTES[route](net, None)
        assert not restored.initialized_
        assert restored.get_params()["module__dropout"] == 0.2


# ------------------------------------------- 3. save_params / load_params
def save(net, tmp_path, **extra):
    files = {
        "f_params": tmp_path / "params.pt",
        "f_fitted": tmp_path / "fitted.json",
        **extra,
    }
    net.save_params(**files)
    return files


@pytest.mark.parametrize("kind", NETS)
def test_load_params_restores_a_net_without_its_training_data(kind, tmp_path):
    net, X, Y = fitted(kind)
    files = save(
        net,
        tmp_path,
        f_optimizer=tmp_path / "optimizer.pt",
        f_history=tmp_path / "history.json",
    )
    restored = NETS[kind](**PARAMS[kind]).load_params(**files)
    assert restored.initialized_
    assert_same_predictions(restored, net, X)
    assert restored.score(X, Y) == net.score(X, Y)
    for name in net._fitted_names():
        want, got = getattr(net, name), getattr(restored, name)
        if isinstance(want, list):  # classes_
            for a, b in zip(got, want, strict=True):
                np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_array_equal(got, want)
    assert restored.history.to_list() == net.history.to_list()
    net.partial_fit(X, Y)
    restored.partial_fit(X, Y)
    assert_same_predictions(restored, net, X)


def test_fitted_file_is_plain_json_with_the_target_scaling(tmp_path):
    net, _, _ = fitted("regressor")
    files = save(net, tmp_path)
    with open(files["f_fitted"], encoding="utf-8") as handle:
        document = json.load(handle)
    assert document["estimator"] == "MultiTaskNetRegressor"
    attributes = document["attributes"]
    assert attributes["n_tasks_"] == 3
    np.testing.assert_array_equal(
        attributes["target_mean_"]["values"], net.target_mean_
    )
    np.testing.assert_array_equal(
        attributes["target_scale_"]["values"], net.target_scale_
    )


def test_the_old_route_recomputed_the_scaling_from_the_rows_given(tmp_path):
    """Refitting on other rows, then loading the parameters (the route
    documented before f_fitted), changes the target scaling and so the
    predictions; the fitted attributes restore the saved ones."""
    net, X, Y = fitted("regressor")
    files = save(net, tmp_path)
    refitted = MultiTaskNetRegressor(**{**PARAMS["regressor"], "max_epochs": 1})
    refitted.fit(X[:20], Y[:20]).load_params(f_params=files["f_params"])
    assert not np.allclose(refitted.predict(X), net.predict(X))
    refitted.load_params(**files)
    assert_same_predictions(refitted, net, X)


def test_load_params_replaces_the_attributes_of_an_earlier_fit(tmp_path):
    X, Y = regression_data()
    named = MultiTaskNetRegressor(**PARAMS["regressor"]).fit(
        X, pd.DataFrame(Y, columns=["a", "b", "c"])
    )
    files = save(named, tmp_path)
    other = MultiTaskNetRegressor(**PARAMS["regressor"]).fit(X, Y[:, :2])
    other.load_params(**files)
    assert list(other.task_names_) == ["a", "b", "c"]
    assert_same_predictions(other, named, X)
    unnamed = MultiTaskNetRegressor(**PARAMS["regressor"]).fit(X, Y)
    (tmp_path / "unnamed").mkdir()
    unnamed_files = save(unnamed, tmp_path / "unnamed")
    named.load_params(**unnamed_files)
    assert not hasattr(named, "task_names_")
    assert not hasattr(named, "feature_names_in_")
    assert_same_predictions(named, unnamed, X)


def test_fitted_attributes_in_file_objects():
    net, X, _ = fitted("classifier")
    text, params = io.StringIO(), io.BytesIO()
    net.save_params(f_params=params, f_fitted=text)
    binary = io.BytesIO(text.getvalue().encode("utf-8"))
    params.seek(0)
    restored = MultiTaskNetClassifier(**PARAMS["classifier"])
    restored.load_params(f_params=params, f_fitted=binary)
    assert_same_predictions(restored, net, X)


def test_save_params_without_f_fitted_is_skorchs(tmp_path):
    net, X, _ = fitted("regressor")
    net.save_params(f_params=tmp_path / "params.pt")
    net.save_params(f_fitted=tmp_path / "fitted.json")  # alone: no skorch file
    restored = MultiTaskNetRegressor(**PARAMS["regressor"])
    restored.load_params(f_fitted=tmp_path / "fitted.json")
    restored.load_params(f_params=tmp_path / "params.pt")
    assert_same_predictions(restored, net, X)


def test_checkpoint_with_f_fitted_restores_the_best_epoch(tmp_path):
    """skorch's Checkpoint saves the fitted attributes too (file names with
    the epoch), and load_params(checkpoint=...) restores a fresh net."""
    X, Y = regression_data()
    checkpoint = Checkpoint(
        dirname=str(tmp_path),
        f_params="params_{last_epoch[epoch]}.pt",
        f_fitted="fitted_{last_epoch[epoch]}.json",
    )
    params = {**SMALL, "max_epochs": 12, "lr": 0.05}
    net = MultiTaskNetRegressor(**params, callbacks=[checkpoint]).fit(X, Y)
    assert (tmp_path / f"fitted_{net.best_epoch_}.json").exists()
    restored = MultiTaskNetRegressor(**params, callbacks=[checkpoint])
    restored.load_params(checkpoint=checkpoint)
    assert restored.n_tasks_ == net.n_tasks_
    assert len(restored.history) == net.best_epoch_
    assert_same_predictions(restored, net, X)
    assert checkpoint.f_fitted == "fitted_{last_epoch[epoch]}.json"  # unchanged


def test_save_params_f_fitted_errors(tmp_path):
    with raises(
        Exception,
        "This MultiTaskNetRegressor instance is not fitted yet: call fit or "
        "partial_fit before save_params(f_fitted=...).",
    ):
        MultiTaskNetRegressor().save_params(f_fitted=tmp_path / "fitted.json")
    classifier, _, _ = fitted("classifier")
    classifier.save_params(f_fitted=tmp_path / "fitted.json")
    with raises(
        ValueError,
        "The fitted attributes in f_fitted were saved by a "
        "MultiTaskNetClassifier; they cannot be loaded into a "
        "MultiTaskNetRegressor.",
    ):
        MultiTaskNetRegressor().load_params(f_fitted=tmp_path / "fitted.json")
    (tmp_path / "other.json").write_text('{"a": 1}')
    with raises(
        ValueError,
        "Expected f_fitted to be a file written by save_params(f_fitted=...); "
        "got a file without its format marker.",
    ):
        MultiTaskNetRegressor().load_params(f_fitted=tmp_path / "other.json")
    net, _, _ = fitted("regressor")
    net.odd_ = object()
    with raises(
        TypeError,
        "Cannot save the fitted attribute 'odd_' with save_params(f_fitted=...): "
        "it holds a object (of dtype None); expected numbers, strings, None, "
        "numpy arrays of those, and lists, tuples and dicts of them.",
    ):
        net.save_params(f_fitted=tmp_path / "odd.json")


# ------------------------------------------------- 4. in a fresh process
def test_every_route_gives_the_same_predictions_in_a_fresh_process(
    tmp_path, fresh_interpreter
):
    expected = {}
    for kind in NETS:
        net, X, _ = fitted(kind)
        np.save(tmp_path / f"X_{kind}.npy", X)
        expected[kind] = net.predict(X)
        with open(tmp_path / f"{kind}.pkl", "wb") as handle:
            pickle.dump(net, handle)
        joblib.dump(net, tmp_path / f"{kind}.joblib")
        skops_io.dump(net, tmp_path / f"{kind}.skops")
        save(
            net,
            tmp_path,
            f_params=tmp_path / f"{kind}.pt",
            f_fitted=tmp_path / f"{kind}.json",
        )
    script = f"""
        import pickle, sys
        import joblib, numpy as np, skops.io as sio
        from sklearn_mtl.neural import (
            MultiTaskNet, MultiTaskNetClassifier, MultiTaskNetRegressor)
        nets = {{"regressor": MultiTaskNetRegressor,
                 "classifier": MultiTaskNetClassifier, "mixed": MultiTaskNet}}
        params = {PARAMS!r}
        folder = sys.argv[1]
        for kind, Net in nets.items():
            X = np.load(f"{{folder}}/X_{{kind}}.npy")
            with open(f"{{folder}}/{{kind}}.pkl", "rb") as handle:
                loaded = {{"pickle": pickle.load(handle)}}
            loaded["joblib"] = joblib.load(f"{{folder}}/{{kind}}.joblib")
            path = f"{{folder}}/{{kind}}.skops"
            loaded["skops"] = sio.load(path, trusted=sio.get_untrusted_types(file=path))
            loaded["save_params"] = Net(**params[kind]).load_params(
                f_params=f"{{folder}}/{{kind}}.pt",
                f_fitted=f"{{folder}}/{{kind}}.json")
            for route, net in loaded.items():
                Y = net.predict(X)
                np.save(f"{{folder}}/{{kind}}_{{route}}.npy", Y, allow_pickle=True)
        """
    fresh_interpreter.run(script, tmp_path)
    for kind, want in expected.items():
        for route in ("pickle", "joblib", "skops", "save_params"):
            got = np.load(tmp_path / f"{kind}_{route}.npy", allow_pickle=True)
            np.testing.assert_array_equal(got, want, err_msg=f"{kind} {route}")
