"""Probes: what a hidden test runs in the student's kernel while a notebook is graded.

A probe calls the student's answer on inputs generated from the grading run's seed and
displays what came back as one machine-readable output (MIME type :data:`MIME`). It
decides nothing. After the notebook has run, the grader, in its own process, regenerates
the same inputs from the same seed, computes what the answer should have returned with
pristine libraries and turns the cell's output into a verdict. Patching NumPy, the
self-checks or this module from an answer cell therefore changes no grade.

One module per lesson (``probes.lesson02`` …): each probe ``name(answer)`` has an input
generator ``name_inputs(generator)`` that the grader calls too. Introduced in lesson 01.
"""

from __future__ import annotations

import base64
import io
import os
import zlib

import numpy as np

MIME = "application/vnd.psi5790.probe+json"
"""MIME type of a probe's output in the executed notebook."""

SEED_VARIABLE = "AUTOGRADER_SEED"
"""Environment variable with the grading run's seed (set by the grader; random otherwise)."""

MAX_ARRAY_BYTES = 8 * 2**20
"""Largest array a probe sends back; larger results are reported as too large."""


def run_seed() -> int:
    """The grading run's seed, or a fresh random one when nobody is grading."""
    value = os.environ.get(SEED_VARIABLE, "")
    if value.isdigit():
        return int(value)
    return int(np.random.SeedSequence().entropy % 2**63)


def generator(seed: int, name: str) -> np.random.Generator:
    """The generator of probe ``name`` for a run's ``seed``: the kernel and the grader agree."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


# --------------------------------------------------------------------------- encoding


def encode(value):
    """JSON-ready form of a result: arrays as ``.npy`` bytes in base64, nesting kept."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return {"__repr__": repr(value)[:200]}
        if value.nbytes > MAX_ARRAY_BYTES:
            return {"__too_large__": list(value.shape)}
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {"__ndarray__": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if np.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    try:  # tensors and array-likes
        array = np.asarray(value)
        if array.dtype != object:
            return {"__converted__": type(value).__name__, "value": encode(array)}
    except Exception:  # noqa: BLE001 - anything unconvertible is described instead
        pass
    return {"__repr__": f"{type(value).__name__}: {repr(value)[:200]}"}


def call(fn, *args, **kwargs) -> dict:
    """Call the student's answer; ``{"value": …}`` or ``{"error": "Type: message"}``."""
    if not callable(fn):
        return {"error": f"não é uma função ({type(fn).__name__})"}
    try:
        return {"value": encode(fn(*args, **kwargs))}
    except NotImplementedError:
        return {"error": "NotImplementedError: a função ainda não foi implementada"}
    except Exception as error:  # noqa: BLE001 - the student's exception is the result
        return {"error": f"{type(error).__name__}: {str(error)[:300]}"}


sink = None
"""When set (the course's tests), :func:`emit` hands the payload to it instead of displaying."""


def emit(name: str, seed: int, results) -> None:
    """Display the results of probe ``name`` as the cell's machine-readable output."""
    payload = {"probe": name, "seed": int(seed), "results": results}
    if sink is not None:
        sink(payload)
        return
    from IPython.display import display

    text = f"Sonda {name}: respostas enviadas ao corretor."
    display({MIME: payload, "text/plain": text}, raw=True)


def value(value) -> dict:
    """A result the probe computed itself (a description of a model, a plain answer)."""
    return {"value": encode(value)}


def _plain(config: dict) -> dict:
    """The JSON-simple entries of a layer config (numbers, strings, flat lists of them)."""
    kept = {}
    for key, item in config.items():
        if isinstance(item, (bool, int, float, str)) or item is None:
            kept[key] = item
        elif isinstance(item, (list, tuple)) and all(
            isinstance(v, (bool, int, float, str)) or v is None for v in item
        ):
            kept[key] = list(item)
    return kept


def describe_layers(layers) -> list:
    """Class, simple config entries, parameter counts and nested layers of each layer."""
    described = []
    for layer in layers:
        config = layer.get_config()
        activation = config.get("activation")
        entry = {
            "class": type(layer).__name__,
            "config": _plain(config),
            "activation": activation if isinstance(activation, str) else None,
            "params": int(layer.count_params()) if layer.built else None,
            "trainable_params": (
                int(sum(np.prod(w.shape) for w in layer.trainable_weights))
                if layer.built
                else None
            ),
        }
        if hasattr(layer, "layers"):
            entry["layers"] = describe_layers(layer.layers)
        described.append(entry)
    return described


def describe_model(model, x=None) -> dict:
    """What a grader needs to know of a Keras model: layers, compile settings, outputs on ``x``.

    Computed in the student's kernel; only plain data leaves it.
    """
    import keras

    if not isinstance(model, keras.Model):
        return {"kind": type(model).__name__}
    compiled = model.get_compile_config() if model.compiled else None
    optimizer = getattr(model, "optimizer", None)
    description = {
        "kind": "Model",
        "layers": describe_layers(model.layers),
        "params": int(model.count_params()),
        "compiled": bool(model.compiled),
        "optimizer": type(optimizer).__name__ if optimizer is not None else None,
        "learning_rate": _learning_rate(optimizer),
        "loss": str(getattr(model, "loss", None)),
        "metrics": str((compiled or {}).get("metrics")),
        "input_shape": str(getattr(model, "input_shape", None)),
    }
    if x is not None:
        description["output"] = np.asarray(model(x, training=False))
    return description


def _learning_rate(optimizer):
    try:
        return float(np.asarray(optimizer.learning_rate))
    except Exception:  # noqa: BLE001 - schedules and missing optimizers have none
        return None


# --------------------------------------------------------------------------- graphs


def _inbound(operation) -> list[str]:
    """Names of the operations whose outputs feed ``operation`` (its first call)."""
    nodes = getattr(operation, "_inbound_nodes", None) or []
    if not nodes:
        return []
    return [parent.operation.name for parent in nodes[0].parent_nodes]


def graph(model) -> list[dict]:
    """Every operation of a functional model in order: class, name, simple config,
    parameter count and the names of the operations that feed it (lesson 07)."""
    import keras

    operations = list(getattr(model, "operations", None) or model.layers)
    described = []
    for operation in operations:
        if isinstance(operation, keras.layers.Layer):
            entry = describe_layers([operation])[0]
        else:  # a keras.ops operation (x + y, keras.ops.relu …): no weights
            entry = {"class": type(operation).__name__, "config": {}, "activation": None}
            entry["params"] = 0
        entry["name"] = operation.name
        entry["inbound"] = _inbound(operation)
        described.append(entry)
    return described


def all_layers(layer) -> list:
    """Every layer nested in ``layer`` (models inside models), depth first (lesson 07)."""
    found = []
    for inner in getattr(layer, "layers", []) or []:
        found.append(inner)
        found.extend(all_layers(inner))
    return found
