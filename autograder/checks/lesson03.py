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

from .. import formatting
from ._core import (
    CheckFailed,
    call,
    expect,
    expect_array,
    expect_compiled_classifier,
    expect_number,
    multiple_choice,
    passed,
    rng,
)

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
        # newer Keras 3 versions keep `mode`; Keras 3.10 only sets `monitor_op` from it
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


def as_numbers(value, size: int):
    """``value`` as a tuple of ``size`` floats, or None when it is not one (lesson 03)."""
    if not isinstance(value, (tuple, list)) or len(value) != size:
        return None
    numbers = []
    for item in value:
        if isinstance(item, np.ndarray) and item.size == 1:
            item = item.item()
        if isinstance(item, bool) or not isinstance(item, (int, float, np.integer, np.floating)):
            return None
        numbers.append(float(item))
    return tuple(numbers)


def as_curve(value):
    """``value`` as three 1-D float arrays ``(fpr, tpr, thresholds)``, or None (lesson 03)."""
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        return None
    try:
        return tuple(np.asarray(v, dtype=float).ravel() for v in value)
    except (TypeError, ValueError):
        return None


def _n(value, decimals=4) -> str:
    return "+inf" if value == np.inf else formatting.number(value, decimals)


def _where(scores, labels) -> str:
    return f"Com {len(scores)} exemplos ({int(np.sum(labels))} doentes)"


def _confusion(scores, labels, threshold):
    """(sensitivity, specificity, accuracy) by scikit-learn, positive when score >= threshold."""
    from sklearn.metrics import confusion_matrix

    labels = np.ravel(labels).astype(int)
    predicted = (np.ravel(scores) >= threshold).astype(int)
    (tn, fp), (fn, tp) = confusion_matrix(labels, predicted, labels=[0, 1])
    return tp / (tp + fn), tn / (tn + fp), (tp + tn) / len(labels)


def sklearn_roc(scores, labels):
    """The ROC points of scikit-learn, +inf first on every version (lesson 03)."""
    from sklearn.metrics import roc_curve

    fpr, tpr, thresholds = roc_curve(np.ravel(labels), np.ravel(scores), drop_intermediate=False)
    return fpr, tpr, np.r_[np.inf, thresholds[1:]]


def _close(a, b, atol=1e-9) -> bool:
    return bool(np.allclose(a, b, rtol=0, atol=atol))


THRESHOLD_PROPERTIES = {
    "sens_spec": "calcula sensibilidade e especificidade (com o limiar padrão 0,5 também)",
    "accuracy": "calcula a acurácia",
    "ties": "conta como positivo um score igual ao limiar (score >= limiar)",
}
"""The graded properties of ``threshold_metrics``, one test cell each (lesson 03)."""

THRESHOLD_CASES = {"sens_spec": {"plain", "default"}, "accuracy": {"plain"}, "ties": {"tie"}}
"""Which kinds of :func:`autograder.probes.lesson03.threshold_metrics_inputs` each property
looks at (lesson 03)."""


def threshold_metrics_problem(part: str, case, got: list) -> str | None:
    """Why ``threshold_metrics`` fails property ``part`` on one case, or None. ``got`` holds
    the ``(sens, spec, acc)`` returned for each threshold of the case. Shared by the
    self-check and the grader (lesson 03)."""
    kind, scores, labels, thresholds = case
    if kind not in THRESHOLD_CASES[part]:
        return None
    if part == "ties":
        below, at, above = got
        if _close(at, below) and not _close(at, above):
            return None
        where = f"{_where(scores, labels)} e limiar igual a um score ({_n(thresholds[1])})"
        if _close(at, above):
            if _close(at, below):
                return (
                    f"{where}, o resultado não muda quando o limiar passa pelo score: a "
                    "classificação deve usar o limiar recebido, com positivo quando "
                    "score >= limiar."
                )
            return (
                f"{where}: um exemplo com score IGUAL ao limiar deve contar como positivo; use "
                "score >= limiar, não score > limiar."
            )
        return (
            f"{where}: os exemplos com score igual ao limiar contam como positivos, então o "
            "resultado deve ser o mesmo de um limiar um pouquinho menor."
        )
    limit = 0.5 if thresholds[0] is None else thresholds[0]
    expected = _confusion(scores, labels, limit)
    where = _where(scores, labels)
    where += " e o limiar padrão" if thresholds[0] is None else f" e limiar {_n(limit)}"
    sens, spec, acc = got[0]
    if part == "sens_spec":
        if _close((sens, spec), expected[:2]):
            return None
        if _close((sens, spec), expected[1::-1]):
            return (
                f"{where}: sensibilidade e especificidade estão trocadas. Sensibilidade = "
                "VP / (VP + FN) (acertos entre os doentes); especificidade = VN / (VN + FP)."
            )
        text = (
            f"{where}: sensibilidade {_n(sens)} e especificidade {_n(spec)}; esperava "
            f"{_n(expected[0])} e {_n(expected[1])}."
        )
        if thresholds[0] is None:
            text += " O limiar padrão é 0,5 (threshold=0.5)."
        return text
    if _close(acc, expected[2]):
        return None
    return (
        f"{where}: acurácia {_n(acc)}; esperava {_n(expected[2])} = (VP + VN) / N, a fração de "
        "todos os exemplos classificados certo."
    )


ROC_PROPERTIES = {
    "thresholds": "devolve os limiares +inf e os scores distintos, em ordem decrescente",
    "tpr": "calcula o TPR em cada limiar",
    "fpr": "calcula o FPR em cada limiar",
}
"""The graded properties of ``roc_points``, one test cell each (lesson 03)."""


def roc_points_problem(part: str, case, got) -> str | None:
    """Why ``roc_points`` fails property ``part`` on ``case = (scores, labels)``, or None;
    ``got`` is the ``(fpr, tpr, thresholds)`` returned, as arrays (:func:`as_curve`). TPR
    and FPR are checked at the thresholds the answer returned, so that a mistake in the
    thresholds costs only their own point. Shared by the self-check and the grader (lesson 03).
    """
    scores, labels = (np.ravel(v) for v in case)
    got_fpr, got_tpr, got_thr = got
    fpr, tpr, thresholds = sklearn_roc(scores, labels)
    k = len(thresholds)
    where = f"{_where(scores, labels)}, {k - 1} scores distintos"
    if part == "thresholds":
        if len(got_thr) == k - 1 and _close(got_thr, thresholds[1:], 1e-12):
            return f"{where}: falta o primeiro limiar, +inf (nenhum positivo: o ponto (0, 0))."
        if len(got_thr) == len(scores) + 1 and len(scores) + 1 != k:
            return (
                f"{where}: há limiares repetidos. Use os valores DISTINTOS dos scores "
                "(np.unique), em ordem decrescente, depois de +inf."
            )
        if len(got_thr) != k:
            return (
                f"{where}: a curva tem {k} pontos (+inf e um por score distinto); vieram "
                f"{len(got_thr)} limiares."
            )
        if got_thr[0] == np.inf and _close(got_thr[1:], thresholds[1:], 1e-12):
            return None
        if got_thr[-1] == np.inf and _close(got_thr[:-1], thresholds[:0:-1], 1e-12):
            return f"{where}: os limiares devem vir em ordem DECRESCENTE, começando por +inf."
        return (
            f"{where}: os limiares devem ser +inf seguido dos scores distintos, em ordem "
            "decrescente."
        )
    name = part.upper()
    if not len(got_fpr) == len(got_tpr) == len(got_thr):
        return "fpr, tpr e limiares devem ter o mesmo tamanho: um ponto da curva por limiar."
    if not np.all(np.isin(np.unique(scores), got_thr)):
        return (
            f"{where}: os limiares devolvidos não incluem todos os scores distintos, então não "
            f"dá para conferir o {name} em cada um deles (veja a célula dos limiares)."
        )
    positive = labels == 1
    at = scores[None, :] >= got_thr[:, None]
    above = scores[None, :] > got_thr[:, None]
    rates = {
        "tpr": (at & positive).sum(1) / positive.sum(),
        "fpr": (at & ~positive).sum(1) / (~positive).sum(),
    }
    strict = {
        "tpr": (above & positive).sum(1) / positive.sum(),
        "fpr": (above & ~positive).sum(1) / (~positive).sum(),
    }
    other = "fpr" if part == "tpr" else "tpr"
    mine = got_tpr if part == "tpr" else got_fpr
    if _close(mine, rates[part]):
        return None
    if _close(mine, rates[other]):
        return f"{where}: FPR e TPR estão trocados; devolva (fpr, tpr, limiares)."
    if _close(mine, strict[part]):
        return f"{where}: {name} errado: um score IGUAL ao limiar conta como positivo (>=, não >)."
    formula = "VP / (VP + FN)" if part == "tpr" else "FP / (FP + VN)"
    return f"{where}: {name} errado; {name} = {formula}, com positivo quando score >= limiar."


AUC_PROPERTIES = {
    "distinct": "calcula a AUC com scores distintos (inclusive nos casos extremos)",
    "ties": "calcula a AUC com scores empatados",
}
"""The graded properties of ``roc_auc``, one test cell each (lesson 03)."""


def roc_auc_problem(part: str, case, got: float) -> str | None:
    """Why ``roc_auc`` fails property ``part`` on ``case = (scores, labels)``, or None.
    Shared by the self-check and the grader (lesson 03)."""
    from sklearn.metrics import roc_auc_score

    scores, labels = (np.ravel(v) for v in case)
    tied = len(np.unique(scores)) < len(scores)
    if tied != (part == "ties"):
        return None
    expected = float(roc_auc_score(labels, scores))
    if abs(got - expected) <= 1e-9:
        return None
    where = _where(scores, labels) + (", com empates" if tied else "")
    if abs(got - (1 - expected)) <= 1e-9:
        return (
            f"{where}: a AUC saiu 1 − AUC; confira se os scores altos indicam a classe positiva "
            "(doente) e se a área é somada sob TPR × FPR."
        )
    text = f"{where}: AUC {_n(got, 6)}; esperava {_n(expected, 6)}. "
    if tied:
        return text + (
            "Com empates a curva tem trechos diagonais: some trapézios (não retângulos); na "
            "contagem por pares, um par doente-sadio empatado vale meio."
        )
    return text + "Some as áreas dos trapézios entre pontos consecutivos da ROC."


EER_PROPERTIES = {
    "threshold": "escolhe o limiar que minimiza |FPR − FNR|",
    "tie": "desempata ficando com o MAIOR limiar",
    "eer": "calcula o EER = (FPR + FNR) / 2 no ponto escolhido",
    "accuracy": "calcula a acurácia no limiar do EER",
}
"""The graded properties of ``equal_error_rate``, one test cell each (lesson 03)."""


def _same(a, b) -> bool:
    return bool((np.isinf(a) and np.isinf(b) and a == b) or np.isclose(a, b, rtol=0, atol=1e-12))


def equal_error_rate_problem(part: str, case, got) -> str | None:
    """Why ``equal_error_rate`` fails property ``part`` on ``case = (scores, labels)``, or
    None; ``got`` is the ``(eer, threshold, accuracy)`` returned. ``threshold`` is judged on
    the cases with one best candidate, ``tie`` on those with several; ``eer`` and
    ``accuracy`` at the answer's threshold when it is one of the best candidates (at the
    right one otherwise). Shared by the self-check and the grader (lesson 03)."""
    scores, labels = (np.ravel(v) for v in case)
    fpr, tpr, thresholds = sklearn_roc(scores, labels)
    gap = np.abs(fpr - (1 - tpr))
    best = np.flatnonzero(gap <= gap.min() + 1e-9)  # in decreasing-threshold order
    eer, limit, accuracy = got
    where = _where(scores, labels)
    if part in ("threshold", "tie"):
        if (len(best) > 1) != (part == "tie") or _same(limit, thresholds[best[0]]):
            return None
        if any(_same(limit, thresholds[j]) for j in best[1:]):
            return (
                f"{where}: empate entre candidatos com o mesmo |FPR − FNR| (diferença menor que "
                "1e-9); a convenção é ficar com o de MAIOR limiar, o primeiro na ordem "
                "decrescente. Arredonde as diferenças antes do np.argmin."
            )
        return (
            f"{where}: limiar do EER {_n(limit, 6)}; esperava {_n(thresholds[best[0]], 6)}. "
            "Percorra os candidatos (+inf e os scores distintos, decrescentes) e escolha o que "
            "minimiza |FPR − FNR|."
        )
    i = next((j for j in best if _same(limit, thresholds[j])), best[0])
    if part == "eer":
        expected = (fpr[i] + 1 - tpr[i]) / 2
        if abs(eer - expected) <= 1e-9:
            return None
        return (
            f"{where}: EER {_n(eer, 6)}; esperava {_n(expected, 6)} = (FPR + FNR) / 2 no ponto "
            f"de limiar {_n(thresholds[i], 6)}."
        )
    expected = float(np.mean((scores >= thresholds[i]) == (labels == 1)))
    if abs(accuracy - expected) <= 1e-9:
        return None
    return (
        f"{where}: acurácia {_n(accuracy, 6)} no limiar {_n(thresholds[i], 6)}; esperava "
        f"{_n(expected, 6)} (positivo quando score >= limiar)."
    )


def _check_parts(name: str, properties: dict, part) -> list:
    if part is not None and part not in properties:
        raise ValueError(f"{name}: parte desconhecida {part!r}; use uma de {list(properties)}")
    return list(properties) if part is None else [part]


def _passed(name: str, properties: dict, part, everything: str) -> None:
    passed(f"{name} {everything}." if part is None else f"{name} {properties[part]}.")


def threshold_metrics(fn, part: str | None = None) -> None:
    """Check property ``part`` of ``threshold_metrics(scores, labels, threshold=0.5) ->
    (sens, spec, acc)`` (a key of :data:`THRESHOLD_PROPERTIES`; all when None) (lesson 03)."""
    from ..probes.lesson03 import threshold_metrics_inputs

    parts = _check_parts("threshold_metrics", THRESHOLD_PROPERTIES, part)
    _numpy_only(fn, "threshold_metrics")
    names = "(sensibilidade, especificidade, acuracia)"
    for case in threshold_metrics_inputs(rng()):
        kind, scores, labels, thresholds = case
        if not any(kind in THRESHOLD_CASES[p] for p in parts):
            continue
        got = []
        for limit in thresholds:
            args = (scores, labels) if limit is None else (scores, labels, limit)
            got.append(_three_numbers(call(fn, "threshold_metrics", *args), names))
        for name in parts:
            problem = threshold_metrics_problem(name, case, got)
            if problem:
                raise CheckFailed("❌ " + problem)
    _passed(
        "threshold_metrics",
        THRESHOLD_PROPERTIES,
        part,
        "calcula sensibilidade, especificidade e acurácia no limiar",
    )


def _three_numbers(result, what: str) -> tuple:
    numbers = as_numbers(result, 3)
    expect(numbers is not None, f"A função deve devolver a tupla {what}, de três números (float).")
    expect(all(np.isfinite(numbers)), f"A função devolveu {result}: não são números finitos.")
    return numbers


def roc_points(fn, part: str | None = None) -> None:
    """Check property ``part`` of ``roc_points(scores, labels) -> (fpr, tpr, thresholds)``
    (a key of :data:`ROC_PROPERTIES`; all when None) (lesson 03)."""
    from ..probes.lesson03 import roc_points_inputs

    parts = _check_parts("roc_points", ROC_PROPERTIES, part)
    _numpy_only(fn, "roc_points")
    for case in roc_points_inputs(rng()):
        got = as_curve(call(fn, "roc_points", *case))
        expect(
            got is not None, "`roc_points` deve devolver a tupla (fpr, tpr, limiares) de arrays."
        )
        for name in parts:
            problem = roc_points_problem(name, case, got)
            if problem:
                raise CheckFailed("❌ " + problem)
    _passed("roc_points", ROC_PROPERTIES, part, "devolve os pontos da curva ROC")


def roc_auc(fn, part: str | None = None) -> None:
    """Check property ``part`` of ``roc_auc(scores, labels) -> float`` (a key of
    :data:`AUC_PROPERTIES`; all when None) (lesson 03)."""
    from ..probes.lesson03 import roc_auc_inputs

    parts = _check_parts("roc_auc", AUC_PROPERTIES, part)
    _numpy_only(fn, "roc_auc")
    for case in roc_auc_inputs(rng()):
        got = expect_number(call(fn, "roc_auc", *case), "roc_auc")
        for name in parts:
            problem = roc_auc_problem(name, case, got)
            if problem:
                raise CheckFailed("❌ " + problem)
    _passed("roc_auc", AUC_PROPERTIES, part, "calcula a área sob a curva ROC")


def equal_error_rate(fn, part: str | None = None) -> None:
    """Check property ``part`` of ``equal_error_rate(scores, labels) -> (eer, threshold,
    accuracy)`` (a key of :data:`EER_PROPERTIES`; all when None) (lesson 03)."""
    from ..probes.lesson03 import equal_error_rate_inputs

    parts = _check_parts("equal_error_rate", EER_PROPERTIES, part)
    _numpy_only(fn, "equal_error_rate")
    for case in equal_error_rate_inputs(rng()):
        result = call(fn, "equal_error_rate", *case)
        got = as_numbers(result, 3)
        expect(
            got is not None and not np.isnan(got).any(),
            "`equal_error_rate` deve devolver a tupla (eer, limiar, acuracia), de três números.",
        )
        for name in parts:
            problem = equal_error_rate_problem(name, case, got)
            if problem:
                raise CheckFailed("❌ " + problem)
    _passed(
        "equal_error_rate",
        EER_PROPERTIES,
        part,
        "encontra o ponto de igual erro, seu limiar e sua acurácia",
    )


# ---------------------------------------------------------------------------- exercise 4


def dog_or_cat_expected(kernel, bias, image) -> tuple:
    """``(class index, probabilities)`` of the tiny model of lesson 03's exercise 4 for one
    uint8 image, preprocessed as in training (pixels / 255 − 0,5), computed with NumPy."""
    x = np.asarray(image, dtype="float64").reshape(-1) / 255.0 - 0.5
    logits = x @ np.asarray(kernel, "float64") + np.asarray(bias, "float64")
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    return int(np.argmax(probabilities)), probabilities


CAT_DOG = ("gato", "cachorro")
"""Class names of lesson 03's dogs vs cats, by label (0 = cat, 1 = dog)."""


def dog_or_cat_problem(kernel, bias, image, got) -> str | None:
    """Why ``classify_dog_or_cat`` answered wrong about ``image`` for the tiny model with
    ``kernel`` and ``bias``, or None. Shared by the self-check and the grader (lesson 03)."""
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        return "classify_dog_or_cat deve devolver a tupla (classe, probabilidade)."
    animal, probability = got
    if isinstance(probability, np.ndarray) and probability.size == 1:
        probability = probability.item()
    if not isinstance(animal, str) or animal not in CAT_DOG:
        return f'A classe deve ser o texto "gato" ou "cachorro"; veio {animal!r}.'
    if isinstance(probability, bool) or not isinstance(
        probability, (int, float, np.integer, np.floating)
    ):
        return f"A probabilidade deve ser um número; veio {type(probability).__name__}."
    label, probabilities = dog_or_cat_expected(kernel, bias, image)
    if animal == CAT_DOG[label] and abs(probability - probabilities[label]) <= 1e-4:
        return None
    if animal == CAT_DOG[label] and abs(probability - probabilities[1 - label]) <= 1e-4:
        return "A probabilidade devolvida é a da OUTRA classe: devolva a da classe escolhida."
    variants = {
        "os pixels entraram sem pré-processamento (de 0 a 255)": image * 255.0 + 127.5,
        "os pixels foram divididos por 255, mas faltou subtrair 0,5": image + 127.5,
        "os canais vieram na ordem BGR (cv2.imread lê BGR)": image[..., ::-1],
    }
    for reason, variant in variants.items():
        wrong, wrong_probabilities = dog_or_cat_expected(kernel, bias, variant)
        if animal == CAT_DOG[wrong] and abs(probability - wrong_probabilities[wrong]) <= 1e-4:
            return f"A resposta é a de uma imagem pré-processada de outro jeito: {reason}."
    return (
        f"Para uma das imagens esperava ({CAT_DOG[label]!r}, "
        f"{formatting.number(probabilities[label], 4)}); veio ({animal!r}, "
        f"{formatting.number(probability, 4)}). Carregue o modelo de model_path, leia a imagem "
        "de image_path em RGB e pré-processe como no treino (pixels / 255 − 0,5)."
    )


def classify_dog_or_cat(fn) -> None:
    """Check ``classify_dog_or_cat(model_path, image_path) -> (class, probability)`` on a tiny
    model with known weights, saved as ``.keras``, and fresh 32×32 images (lesson 03)."""
    from ..probes.lesson03 import classify_dog_or_cat_inputs, write_dog_or_cat_files

    name, kernel, bias, images = classify_dog_or_cat_inputs(rng())
    with tempfile.TemporaryDirectory() as tmp:
        model_path, image_paths = write_dog_or_cat_files(tmp, name, kernel, bias, images)
        for image, path in zip(images, image_paths):
            got = call(fn, "classify_dog_or_cat", model_path, path)
            problem = dog_or_cat_problem(kernel, bias, image, got)
            if problem:
                raise CheckFailed("❌ " + problem)
    passed(
        "classify_dog_or_cat carrega o modelo recebido, pré-processa a imagem como no treino e "
        "devolve a classe e sua probabilidade."
    )


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
