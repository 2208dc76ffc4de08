"""What `dnn` exports, and that importing it leaves scikit-learn alone."""

from __future__ import annotations

import subprocess
import sys

import dnn


def test_every_public_name_resolves() -> None:
    assert 12 <= len(dnn.__all__) <= 28  # 28: with NetworkEnsemble and its face
    for name in dnn.__all__:
        assert getattr(dnn, name) is not None, name
    assert dnn.DeepNetwork.__module__ == "dnn.estimator"


def test_the_names_the_study_layer_imports() -> None:
    from dnn import DeepNetwork, TrainingDiverged, count_parameters, predict_labels

    assert callable(predict_labels)
    assert issubclass(TrainingDiverged, FloatingPointError)
    assert count_parameters([2, 3, 1]) == 13 and DeepNetwork().get_params()["init"] == "he"


def test_import_dnn_does_not_import_scikit_learn() -> None:
    code = (
        "import sys, dnn\n"
        "from dnn import count_parameters, train, predict_labels\n"
        "assert 'sklearn' not in sys.modules, 'sklearn imported'\n"
        "from dnn import DeepNetwork\n"
        "assert 'sklearn' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_dnn_does_not_import_onnx() -> None:
    """`onnx` and `onnxruntime` are an optional extra: only `to_onnx` imports `onnx`."""
    code = (
        "import sys, numpy as np, dnn\n"
        "from dnn import NetworkEnsemble, load_network\n"
        "net = dnn.NetworkClassifier((3,), num_iterations=2).fit(np.eye(4), [0, 1, 0, 1])\n"
        "NetworkEnsemble([net]).predict(np.eye(4))\n"
        "assert not {'onnx', 'onnxruntime'} & set(sys.modules), 'onnx imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
