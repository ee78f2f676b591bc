"""Self-checks of lesson 03 (LeNet-type network on CIFAR-10).

Validation split and best-model checkpoint, multiple-choice format, dogs vs cats,
the "frog = sick" metrics (sensitivity/specificity/accuracy, ROC, AUC, EER), the
structure of a LeNet-type network and the first misclassified images per class.
Every check calls the student's function on fresh random inputs.
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path

import numpy as np

from ._core import (
    CheckFailed,
    call,
    expect,
    expect_array,
    expect_compiled_classifier,
    expect_number,
    passed,
    rng,
)

VALID_LETTERS = ("a", "b", "c", "d")
"""The letters a multiple-choice answer may take (lesson 03); which one is right is not here."""

# ---------------------------------------------------------------------------- helpers


def sklearn_names(fn, seen=None) -> list[str]:
    """Names through which ``fn`` (or a function of the same notebook it calls) uses sklearn.

    Also reported by the probes of lesson 03: the ROC exercises are NumPy-only.
    """
    seen = set() if seen is None else seen
    code = getattr(fn, "__code__", None)
    if code is None or id(fn) in seen:
        return []
    seen.add(id(fn))
    scope = getattr(fn, "__globals__", {})

    def all_names(c):
        yield from c.co_names
        for const in c.co_consts:
            if inspect.iscode(const):
                yield from all_names(const)

    found = []
    for name in sorted(set(all_names(code))):
        if name.startswith("sklearn"):  # an import inside the function
            found.append(name)
            continue
        obj = scope.get(name)
        if obj is None:
            continue
        module = obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", "")
        if str(module or "").startswith("sklearn"):
            found.append(name)
        elif inspect.isfunction(obj) and obj.__module__ == getattr(fn, "__module__", None):
            found.extend(sklearn_names(obj, seen))
    return found


def _numpy_only(fn, name: str) -> None:
    used = sklearn_names(fn)
    expect(
        not used,
        f"`{name}` usa o scikit-learn ({', '.join(used)}). Neste exercício a ideia é calcular "
        "você mesmo, só com NumPy; o scikit-learn fica para conferir o resultado depois.",
    )


def _as_tuple(result, name: str, size: int, what: str) -> tuple:
    expect(
        isinstance(result, (tuple, list)) and len(result) == size,
        f"`{name}` deve devolver a tupla {what}.",
    )
    return tuple(result)


def _binary_problem(generator, n=None, positive_rate=None, decimals=None):
    """Fresh scores (any real numbers, not only [0, 1]) and 0/1 labels with both classes."""
    n = int(n or generator.integers(40, 160))
    rate = positive_rate if positive_rate is not None else generator.uniform(0.1, 0.6)
    labels = (generator.random(n) < rate).astype(int)
    labels[:2] = (0, 1)  # both classes present
    generator.shuffle(labels)
    scores = generator.normal(0.0, 1.0, n) + 1.2 * labels + generator.normal(3.0, 2.0)
    if decimals is not None:  # many ties
        scores = np.round(scores, decimals)
    return scores, labels


# ---------------------------------------------------------------------------- exercise 1


def split_train_validation(fn) -> None:
    """Check ``split_train_validation(x, y, fraction=0.1) -> ((x_tr, y_tr), (x_val, y_val))``.

    The validation set is the LAST part, as Keras's ``validation_split`` takes it:
    ``n_train = int(len(x) * (1 - fraction))`` (lesson 03).
    """
    generator = rng()
    cases = [
        (int(generator.integers(40, 300)), None, (1,)),
        (int(generator.integers(20, 90)), 0.2, ()),
        (int(generator.integers(20, 90)), 0.25, (1,)),
    ]
    for n, fraction, label_tail in cases:
        x = generator.integers(0, 256, size=(n, 4, 4, 3), dtype=np.uint8)
        x[:, 0, 0, 0] = np.arange(n) % 256  # makes every image distinct
        x[:, 0, 0, 1] = np.arange(n) // 256
        y = generator.integers(0, 10, size=(n, *label_tail)).astype(np.uint8)
        args = (x, y) if fraction is None else (x, y, fraction)
        fraction = 0.1 if fraction is None else fraction
        result = call(fn, "split_train_validation", *args)
        expect(
            isinstance(result, (tuple, list))
            and len(result) == 2
            and all(isinstance(part, (tuple, list)) and len(part) == 2 for part in result),
            "`split_train_validation` deve devolver ((x_treino, y_treino), (x_val, y_val)).",
        )
        (x_tr, y_tr), (x_val, y_val) = result
        n_train = int(n * (1 - fraction))
        for value, label in (
            (x_tr, "x_treino"),
            (y_tr, "y_treino"),
            (x_val, "x_val"),
            (y_val, "y_val"),
        ):
            expect(
                isinstance(value, np.ndarray),
                f"{label} deve ser um np.ndarray, veio {type(value).__name__}.",
            )
        if 0 < len(x_val) < n and np.array_equal(x_val, x[: len(x_val)]):
            raise CheckFailed(
                "❌ A validação saiu do COMEÇO do treino. Use o FINAL (os últimos "
                f"{fraction:.0%}), como faz o validation_split do Keras."
            )
        expect(
            len(x_tr) == n_train and len(x_val) == n - n_train,
            f"Com {n} imagens e fraction={fraction}, esperava {n_train} de treino e "
            f"{n - n_train} de validação (n_treino = int(len(x) * (1 - fraction))); vieram "
            f"{len(x_tr)} e {len(x_val)}.",
        )
        expect(
            len(y_tr) == len(x_tr) and len(y_val) == len(x_val),
            "Cada conjunto deve ter tantos rótulos quanto imagens.",
        )
        expect(
            x_tr.shape[1:] == x.shape[1:] and x_val.shape[1:] == x.shape[1:],
            "As imagens devem manter a forma de cada exemplo.",
        )
        if not (np.array_equal(x_tr, x[:n_train]) and np.array_equal(x_val, x[n_train:])):
            raise CheckFailed(
                "❌ As imagens não são as esperadas: o treino deve ser x[:n_treino] e a "
                "validação x[n_treino:], sem embaralhar nem repetir exemplos."
            )
        expect(
            np.array_equal(np.ravel(y_tr), np.ravel(y[:n_train]))
            and np.array_equal(np.ravel(y_val), np.ravel(y[n_train:])),
            "Os rótulos não acompanham as imagens: corte y nos mesmos índices que x.",
        )
        expect(
            np.shape(y_tr)[1:] == y.shape[1:],
            f"Os rótulos devem manter a forma de entrada ({y.shape[1:]} por exemplo).",
        )
    passed(
        "split_train_validation separa os últimos exemplos para validação, sem misturar "
        "imagens e rótulos."
    )


def best_checkpoint(fn) -> None:
    """Check ``best_checkpoint(path) -> keras.callbacks.ModelCheckpoint`` (lesson 03)."""
    import keras

    generator = rng()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / f"melhor_{generator.integers(10**6)}.keras")
        callback = call(fn, "best_checkpoint", path)
        expect(
            isinstance(callback, keras.callbacks.ModelCheckpoint),
            "`best_checkpoint` deve devolver um keras.callbacks.ModelCheckpoint, não "
            f"{type(callback).__name__}.",
        )
        expect(
            str(callback.filepath) == path,
            f"O arquivo deve ser o caminho recebido ({path}); veio {callback.filepath}.",
        )
        expect(
            callback.monitor == "val_accuracy",
            f'Monitore a taxa de acerto de validação: monitor="val_accuracy" (veio '
            f"{callback.monitor!r}; o padrão do Keras é val_loss).",
        )
        expect(
            callback.save_best_only,
            "Use save_best_only=True: só grave quando a validação melhorar.",
        )
        expect(
            not callback.save_weights_only,
            "Grave o modelo inteiro (save_weights_only=False), para carregá-lo com "
            "keras.models.load_model.",
        )
        # Keras 3.15 keeps `mode`; older Keras 3 versions only set `monitor_op` from it
        mode = getattr(callback, "mode", None)
        operation = getattr(callback, "monitor_op", None)
        if mode is None and callable(operation):
            mode = "max" if bool(np.asarray(operation(1.0, 0.0))) else "min"
        expect(
            mode in ("max", "auto", None),
            f'Para taxa de acerto, melhor é maior: use mode="max" (veio {mode!r}).',
        )
        expect(callback.save_freq == "epoch", 'Grave ao fim de cada época (save_freq="epoch").')
    passed("best_checkpoint grava o modelo de maior taxa de acerto de validação.")


# ---------------------------------------------------------------------------- multiple choice


def multiple_choice(answer, name: str) -> None:
    """Check only the FORMAT of a multiple-choice answer: one letter a-d (lesson 03).

    It never says whether the letter is right: that is graded after hand-in.
    """
    expect(
        isinstance(answer, str),
        f'`{name}` deve ser um texto com a letra da alternativa, por exemplo {name} = "a"; '
        f"veio {type(answer).__name__}.",
    )
    letter = answer.strip().strip("()").strip().lower()
    expect(
        letter in VALID_LETTERS,
        f'`{name}` deve ser uma das letras "a", "b", "c" ou "d"; veio {answer!r}.',
    )
    passed(
        f"{name} = {letter!r} tem o formato certo. Se a alternativa está certa, você saberá "
        "na correção."
    )


# ---------------------------------------------------------------------------- exercise 2


def select_dogs_cats(fn) -> None:
    """Check ``select_dogs_cats(images, labels) -> (images, labels)``: cat (3) → 0, dog (5) → 1."""
    generator = rng()
    for label_tail in ((1,), ()):
        n = int(generator.integers(30, 120))
        images = generator.integers(0, 256, size=(n, 4, 4, 3), dtype=np.uint8)
        images[:, 0, 0, 0] = np.arange(n)
        labels = generator.integers(0, 10, size=n).astype(np.uint8)
        labels[generator.choice(n, size=6, replace=False)] = [3, 3, 3, 5, 5, 5]
        mask = np.isin(labels, (3, 5))
        labels = labels.reshape(n, *label_tail)
        result = call(fn, "select_dogs_cats", images, labels)
        got_x, got_y = _as_tuple(result, "select_dogs_cats", 2, "(imagens, rotulos)")
        expect_array(got_x, "select_dogs_cats (imagens)")
        expect_array(got_y, "select_dogs_cats (rótulos)")
        m = int(mask.sum())
        expect(
            len(got_x) == m and len(got_y) == m,
            f"Havia {m} gatos e cachorros entre {n} imagens; vieram {len(got_x)} imagens e "
            f"{len(got_y)} rótulos. Selecione as classes 3 (gato) e 5 (cachorro).",
        )
        expect(got_y.shape == (m,), f"Devolva os rótulos com forma ({m},); veio {got_y.shape}.")
        expect(
            np.array_equal(got_x, images[mask]),
            "As imagens selecionadas não são os gatos e cachorros, na ordem original.",
        )
        original = np.ravel(labels)[mask]
        expected = (original == 5).astype(int)
        if np.array_equal(got_y, original):
            raise CheckFailed(
                "❌ Os rótulos ainda são 3 e 5: troque para gato → 0 e cachorro → 1."
            )
        if np.array_equal(got_y, 1 - expected):
            raise CheckFailed("❌ Rótulos invertidos: o pedido é gato → 0 e cachorro → 1.")
        expect(
            np.array_equal(got_y, expected),
            "Os rótulos devem ser 0 para gato e 1 para cachorro, na ordem das imagens.",
        )
        expect(
            np.issubdtype(got_y.dtype, np.integer),
            f"Use rótulos inteiros (veio dtype {got_y.dtype}).",
        )
    passed("select_dogs_cats separa gatos (0) e cachorros (1), na ordem original.")


# ---------------------------------------------------------------------------- exercise 3


def _three_numbers(result, name, what):
    values = _as_tuple(result, name, 3, what)
    return tuple(expect_number(v, name) for v in values)


def threshold_metrics(fn) -> None:
    """Check ``threshold_metrics(scores, labels, threshold) -> (sens, spec, acc)`` (lesson 03)."""
    from sklearn.metrics import confusion_matrix

    _numpy_only(fn, "threshold_metrics")
    generator = rng()
    for decimals in (None, 1):
        scores, labels = _binary_problem(generator, decimals=decimals)
        for threshold in (float(np.median(scores)), float(generator.choice(scores))):
            got = _three_numbers(
                call(fn, "threshold_metrics", scores, labels, threshold),
                "threshold_metrics",
                "(sensibilidade, especificidade, acuracia)",
            )
            # rows: true 0/1; columns: predicted 0/1 (positive when score >= threshold)
            (tn, fp), (fn_, tp) = confusion_matrix(
                labels, (scores >= threshold).astype(int), labels=[0, 1]
            )
            expected = (tp / (tp + fn_), tn / (tn + fp), (tp + tn) / len(labels))
            if np.allclose(got, expected, atol=1e-9):
                continue
            (tn, fp), (fn_, tp) = confusion_matrix(
                labels, (scores > threshold).astype(int), labels=[0, 1]
            )
            if np.allclose(got, (tp / (tp + fn_), tn / (tn + fp), (tp + tn) / len(labels))):
                raise CheckFailed(
                    "❌ Um exemplo com score IGUAL ao limiar deve contar como positivo: use "
                    "score >= limiar, não score > limiar."
                )
            if np.allclose(got, (expected[1], expected[0], expected[2]), atol=1e-9):
                raise CheckFailed(
                    "❌ Sensibilidade e especificidade estão trocadas: sensibilidade = VP/(VP+FN) "
                    "(acertos entre os doentes), especificidade = VN/(VN+FP)."
                )
            names = ("sensibilidade", "especificidade", "acurácia")
            wrong = [f"{k}: {g:.4f} (esperava {e:.4f})" for k, g, e in zip(names, got, expected)]
            raise CheckFailed("❌ Valores errados num conjunto de teste: " + "; ".join(wrong))
    passed("threshold_metrics calcula sensibilidade, especificidade e acurácia no limiar.")


def roc_points(fn) -> None:
    """Check ``roc_points(scores, labels) -> (fpr, tpr, thresholds)`` (lesson 03)."""
    from sklearn.metrics import roc_curve

    _numpy_only(fn, "roc_points")
    generator = rng()
    for decimals in (None, 1):
        scores, labels = _binary_problem(generator, decimals=decimals)
        fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=False)
        thresholds = np.r_[np.inf, thresholds[1:]]  # +inf on every scikit-learn version
        result = _as_tuple(
            call(fn, "roc_points", scores, labels), "roc_points", 3, "(fpr, tpr, limiares)"
        )
        got_fpr, got_tpr, got_thr = (np.asarray(v, dtype=float).ravel() for v in result)
        k = len(thresholds)
        if len(got_thr) == k - 1 and np.allclose(got_thr, thresholds[1:]):
            raise CheckFailed(
                "❌ Falta o primeiro limiar, +inf (nenhum exemplo positivo: o ponto (0, 0))."
            )
        if len(got_thr) == len(scores) + 1 and len(scores) + 1 != k:
            raise CheckFailed(
                "❌ Há limiares repetidos: use os valores DISTINTOS dos scores (np.unique), em "
                "ordem decrescente, depois de +inf."
            )
        expect(
            len(got_fpr) == len(got_tpr) == len(got_thr) == k,
            f"Com {len(np.unique(scores))} scores distintos a curva tem {k} pontos (+inf e um "
            f"por score distinto); vieram {len(got_fpr)}, {len(got_tpr)} e {len(got_thr)}.",
        )
        if np.allclose(got_thr[::-1], thresholds):
            raise CheckFailed("❌ Os limiares devem vir em ordem DECRESCENTE, começando por +inf.")
        expect(
            np.allclose(got_thr, thresholds),
            "Os limiares devem ser +inf seguido dos scores distintos em ordem decrescente.",
        )
        if np.allclose(got_fpr, tpr) and np.allclose(got_tpr, fpr):
            raise CheckFailed("❌ FPR e TPR estão trocados: devolva (fpr, tpr, limiares).")
        expect(
            np.allclose(got_tpr, tpr, atol=1e-9),
            "TPR errado: TPR = VP / (VP + FN), com positivo quando score >= limiar.",
        )
        expect(
            np.allclose(got_fpr, fpr, atol=1e-9),
            "FPR errado: FPR = FP / (FP + VN), com positivo quando score >= limiar.",
        )
    passed("roc_points devolve os pontos da curva ROC, um por limiar candidato.")


def roc_auc(fn) -> None:
    """Check ``roc_auc(scores, labels) -> float`` (lesson 03)."""
    from sklearn.metrics import roc_auc_score

    _numpy_only(fn, "roc_auc")
    generator = rng()
    for decimals in (None, 1):
        scores, labels = _binary_problem(generator, decimals=decimals)
        got = expect_number(call(fn, "roc_auc", scores, labels), "roc_auc")
        expected = float(roc_auc_score(labels, scores))
        if abs(got - expected) > 1e-9 and abs(got - (1 - expected)) <= 1e-9:
            raise CheckFailed(
                "❌ A AUC saiu 1 − AUC: confira se os scores altos indicam a classe positiva "
                "(doente) e se a área está sendo somada sob TPR × FPR."
            )
        expect(
            abs(got - expected) <= 1e-9,
            f"AUC errada: {got:.6f}, esperava {expected:.6f}. Some as áreas dos trapézios "
            "entre pontos consecutivos da ROC (com empates, uma diagonal).",
        )
    passed("roc_auc calcula a área sob a curva ROC.")


def equal_error_rate(fn) -> None:
    """Check ``equal_error_rate(scores, labels) -> (eer, threshold, accuracy)`` (lesson 03)."""
    from sklearn.metrics import roc_curve

    _numpy_only(fn, "equal_error_rate")
    generator = rng()
    tie = (np.array([0.9, 0.7, 0.5, 0.3, 0.2, 0.1]), np.array([1, 0, 1, 0, 0, 0]))
    problems = [_binary_problem(generator), _binary_problem(generator, decimals=1), tie]
    for scores, labels in problems:
        got = _three_numbers(
            call(fn, "equal_error_rate", scores, labels),
            "equal_error_rate",
            "(eer, limiar, acuracia)",
        )
        fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=False)
        thresholds = np.r_[np.inf, thresholds[1:]]
        gap = np.abs(fpr - (1 - tpr))
        best = np.flatnonzero(gap <= gap.min() + 1e-9)  # candidates, largest threshold first

        def same(a, b):
            return (np.isinf(a) and np.isinf(b) and a == b) or np.isclose(a, b, rtol=0, atol=1e-12)

        matches = [i for i in best[:1] if same(got[1], thresholds[i])]
        if not matches:
            if any(same(got[1], thresholds[i]) for i in best[1:]):
                raise CheckFailed(
                    "❌ Empate entre candidatos com o mesmo |FPR − FNR| (diferença menor que "
                    "1e-9): a convenção é ficar com o de MAIOR limiar (o primeiro na ordem "
                    "decrescente). Arredonde as diferenças antes do np.argmin."
                )
            raise CheckFailed(
                f"❌ Limiar do EER errado: {got[1]:.6g}, esperava {thresholds[best[0]]:.6g}. "
                "Percorra os candidatos (+inf e os scores distintos, decrescentes) e escolha o "
                "que minimiza |FPR − FNR|."
            )
        i = matches[0]
        eer = (fpr[i] + 1 - tpr[i]) / 2
        accuracy = np.mean((scores >= thresholds[i]) == (labels == 1))
        expect(
            abs(got[0] - eer) <= 1e-9,
            f"EER errado: {got[0]:.6f}, esperava {eer:.6f} = (FPR + FNR) / 2 no ponto escolhido.",
        )
        expect(
            abs(got[2] - accuracy) <= 1e-9,
            f"Acurácia no EER errada: {got[2]:.6f}, esperava {accuracy:.6f} (positivo quando "
            "score >= limiar).",
        )
    passed("equal_error_rate encontra o ponto de igual erro, seu limiar e sua acurácia.")


# ---------------------------------------------------------------------------- exercise 5

_FEATURE_EXTRAS = {"Dropout", "SpatialDropout2D", "Activation", "ReLU", "LeakyReLU", "ELU"}
_POOLING = {"MaxPooling2D", "AveragePooling2D"}
_HEAD = {"Dense", "Dropout", "Activation", "ReLU", "LeakyReLU", "ELU"}


_CONV = {"strides": (1, 1), "padding": "valid", "dilation_rate": (1, 1), "activation": "relu"}
_POOL = {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid"}
APOSTILA_LENET = (
    ("Conv2D", {"filters": 20, "kernel_size": (5, 5), **_CONV}),
    ("MaxPooling2D", _POOL),
    ("Conv2D", {"filters": 40, "kernel_size": (5, 5), **_CONV}),
    ("MaxPooling2D", _POOL),
    ("Flatten", {}),
    ("Dropout", {"rate": 0.25}),
    ("Dense", {"units": 1000, "activation": "relu"}),
    ("Dropout", {"rate": 0.25}),
)
"""The LeNet the lesson starts from (``build_lenet`` of the notebook), without its output layer:
class and the settings that the exercise asks to change (lesson 03)."""


def _same_setting(got, want) -> bool:
    if isinstance(want, tuple):
        return isinstance(got, (list, tuple)) and tuple(got) == want
    return got == want


def is_apostila_lenet(layers) -> bool:
    """Whether ``layers`` (``[(class name, config), …]``, no InputLayer) are the apostila's
    LeNet with only its output layer changed (lesson 03)."""
    layers = list(layers)[:-1]
    return len(layers) == len(APOSTILA_LENET) and all(
        kind == want_kind
        and all(_same_setting(config.get(key), value) for key, value in want.items())
        for (kind, config), (want_kind, want) in zip(layers, APOSTILA_LENET)
    )


def lenet_structure_problem(model) -> str | None:
    """Why a model is not LeNet-type (conv → pool blocks, Flatten, dense), or None (lesson 03).

    ``model`` is a Keras model or the list of its layers' class names.
    """
    names = model if isinstance(model, (list, tuple)) else [type(l).__name__ for l in model.layers]
    kinds = [kind for kind in names if kind != "InputLayer"]
    if any("BatchNormalization" in kind or "Normalization" in kind for kind in kinds):
        return "BatchNormalization não vale aqui: ela fica para as próximas lições."
    if any(kind in {"Add", "Concatenate", "Average", "Multiply", "Subtract"} for kind in kinds):
        return "Conexões que somam ou concatenam ramos (residuais, Inception) não são tipo LeNet."
    if "Flatten" not in kinds:
        return "Uma rede tipo LeNet achata (Flatten) os mapas antes das camadas densas."
    cut = kinds.index("Flatten")
    features, head = kinds[:cut], kinds[cut + 1 :]
    allowed = {"Conv2D"} | _POOLING | _FEATURE_EXTRAS
    strange = [kind for kind in features if kind not in allowed]
    if strange:
        return f"Antes do Flatten só valem Conv2D, pooling e Dropout/ativações; achei {strange}."
    strange = [kind for kind in head if kind not in _HEAD]
    if strange:
        return f"Depois do Flatten só valem Dense, Dropout e ativações; achei {strange}."
    core = [kind for kind in features if kind == "Conv2D" or kind in _POOLING]
    blocks = core[0::2], core[1::2]
    if (
        len(core) < 4
        or len(core) % 2
        or any(kind != "Conv2D" for kind in blocks[0])
        or any(kind not in _POOLING for kind in blocks[1])
    ):
        return (
            "A parte convolucional deve ser blocos convolução → pooling (cada Conv2D seguida de "
            f"um pooling), pelo menos dois blocos; achei {core}."
        )
    if head.count("Dense") < 2:
        return "Depois do Flatten use ao menos uma Dense escondida e a Dense de saída."
    return None


def build_better_lenet(fn) -> None:
    """Check ``build_better_lenet(input_shape, num_classes)``: compiled, LeNet-type (lesson 03)."""
    import keras

    generator = rng()
    shapes = [
        ((32, 32, 3), 10),
        (
            (int(generator.integers(32, 49)), int(generator.integers(32, 49)), 1),
            int(generator.integers(2, 9)),
        ),
    ]
    for input_shape, classes in shapes:
        model = call(fn, "build_better_lenet", input_shape, classes)
        expect(
            isinstance(model, keras.Model),
            f"`build_better_lenet` deve devolver um modelo Keras, não {type(model).__name__}.",
        )
        problem = lenet_structure_problem(model)
        if problem:
            raise CheckFailed("❌ " + problem)
        layers = [
            (type(layer).__name__, layer.get_config())
            for layer in model.layers
            if type(layer).__name__ != "InputLayer"
        ]
        expect(
            not is_apostila_lenet(layers),
            "Esta é a LeNet da apostila (build_lenet) sem mudanças. Mude a arquitetura: mais "
            "filtros, núcleos 3×3 com padding, um bloco a mais, outras densas ou outro dropout.",
        )
        last = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)][-1]
        expect(
            last.units == classes,
            f"Com entrada {input_shape} e {classes} classes, a saída deve ter {classes} "
            f"neurônios; tem {last.units}. Use os argumentos, não valores fixos.",
        )
        expect(
            getattr(last.activation, "__name__", "") == "softmax",
            "A camada de saída deve usar ativação softmax.",
        )
        expect_compiled_classifier(model, "build_better_lenet", input_shape, classes, generator)
    passed("build_better_lenet monta uma rede tipo LeNet compilada, para qualquer entrada.")


# ---------------------------------------------------------------------------- exercise 6


def first_misclassified(fn) -> None:
    """Check ``first_misclassified(y_true, y_pred, n=2, num_classes=10) -> list`` (lesson 03)."""
    generator = rng()
    classes = int(generator.integers(3, 8))
    n_items = int(generator.integers(60, 150))
    y_true = generator.integers(0, classes, size=(n_items, 1))
    probabilities = generator.dirichlet(np.ones(classes), size=n_items)
    hits = generator.random(n_items) < 0.5  # half of them right
    probabilities[hits, y_true[hits, 0]] += 2.0
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    y_true[y_true == 0] = 1  # class 0: no examples at all
    cases = [
        (probabilities, 2, "probabilidades (N, C)"),
        (probabilities.argmax(axis=1), 3, "rótulos previstos (N,)"),
    ]
    for y_pred, n, what in cases:
        result = call(fn, "first_misclassified", y_true, y_pred, n, classes)
        expect(
            isinstance(result, (list, tuple, np.ndarray)) and len(result) == classes,
            f"`first_misclassified` deve devolver uma lista com uma entrada por classe "
            f"({classes}); veio {type(result).__name__} de tamanho "
            f"{len(result) if hasattr(result, '__len__') else '?'}.",
        )
        predicted = y_pred.argmax(axis=1) if y_pred.ndim == 2 else np.ravel(y_pred)
        errors = predicted != np.ravel(y_true)
        expected = [np.flatnonzero(errors & (np.ravel(y_true) == c))[:n] for c in range(classes)]
        for c, (got, want) in enumerate(zip(result, expected)):
            got = np.asarray(got, dtype=int).ravel()
            if np.array_equal(got, want):
                continue
            right = np.ravel(y_true) == np.asarray(
                y_pred.argmax(axis=1) if y_pred.ndim == 2 else y_pred
            )
            if len(got) and right[got].any():
                raise CheckFailed(
                    f"❌ Na classe {c} vieram exemplos classificados CORRETAMENTE ({what}): "
                    "escolha só aqueles em que a previsão difere do rótulo."
                )
            if len(got) and (np.ravel(y_true)[got] != c).any():
                raise CheckFailed(
                    f"❌ A entrada {c} deve ter exemplos cuja classe VERDADEIRA é {c}."
                )
            raise CheckFailed(
                f"❌ Classe {c} ({what}): esperava os índices {want.tolist()}, vieram "
                f"{got.tolist()}. Pegue os {n} primeiros erros, em ordem crescente de índice "
                "(menos se não houver tantos)."
            )
    passed("first_misclassified encontra os primeiros erros de cada classe.")
