"""Verdicts of lesson 03 (LeNet on CIFAR-10); inputs come from :mod:`autograder.probes.lesson03`.

Expected values are computed here with NumPy and scikit-learn; the right letters of the
multiple-choice questions live only here.
"""

from __future__ import annotations

import numpy as np

from autograder import probes
from autograder.checks import lesson03 as check
from autograder.checks.lesson03 import is_apostila_lenet, lenet_structure_problem
from autograder.probes import lesson03 as probe

from . import Malformed, Opaque, Wrong, as_array, decode, multiple_choice, outcome

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who takes the FIRST 10% of the
# training set for validation (Keras's validation_split takes the last 10%).
DEMO_WRONG_ANSWER = {
    "split_train_validation": (
        "def split_train_validation(x, y, fraction=0.1):\n"
        "    n_val = int(len(x) * fraction)\n"
        "    return (x[n_val:], y[n_val:]), (x[:n_val], y[:n_val])\n"
    ),
}

APOSTILA_ROC = {
    "sensitivity": 0.759,
    "specificity": 0.983,
    "accuracy": 0.961,
    "auc": 0.971,
    "eer_threshold": 0.073,
    "eer_accuracy": 0.916,
}
"""The apostila's numbers for "frog = sick" on the full run."""

# A student who copied the apostila's numbers instead of computing them: every ROC cell
# must give zero points, everything else full marks.
DEMO_EXTRA_STUDENTS = [
    (
        "Hugo Copiou",
        "copiou os números de ROC da apostila",
        "sem os pontos de ROC",
        {
            "threshold_metrics": (
                "def threshold_metrics(scores, labels, threshold=0.5):\n"
                "    return 0.759, 0.983, 0.961\n"
            ),
            "roc_points": (
                "def roc_points(scores, labels):\n"
                "    fpr = np.array([0.0, 0.017, 0.084, 1.0])\n"
                "    tpr = np.array([0.0, 0.759, 0.916, 1.0])\n"
                "    thresholds = np.array([np.inf, 0.5, 0.073, 0.0])\n"
                "    return fpr, tpr, thresholds\n"
            ),
            "roc_auc": "def roc_auc(scores, labels):\n    return 0.971\n",
            "equal_error_rate": (
                "def equal_error_rate(scores, labels):\n    return 0.084, 0.073, 0.916\n"
            ),
        },
    ),
]

# ---------------------------------------------------------------------------- helpers


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, name: str) -> list:
    if not isinstance(results, list) or len(results) != count:
        raise Wrong(f"a sonda não chamou {name} em todos os casos de teste.")
    return results


def _number(value, what: str) -> float:
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        kind = value.text if isinstance(value, Opaque) else type(value).__name__
        raise Wrong(f"{what} deve ser um número (float), mas veio {kind}.")
    return float(value)


def _numbers(value, size: int, what: str, names: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != size:
        raise Wrong(f"{what} deve devolver a tupla {names}.")
    return tuple(_number(v, what) for v in value)


def _numpy_only(results, name: str) -> None:
    used = decode(results["sklearn"]["value"]) if "value" in results.get("sklearn", {}) else []
    if used:
        raise Wrong(
            f"{name} usa o scikit-learn ({', '.join(map(str, used))}); neste exercício o "
            "cálculo é só com NumPy."
        )


# ---------------------------------------------------------------------------- multiple choice

_LETTERS = {
    "resposta_perda": (
        "c",
        "a perda certa depende do problema (binário, multiclasse, regressão) e da saída da "
        "rede; é preciso entender a escala dos valores e se a função guia bem o gradiente, e "
        "testar algumas candidatas. (a) e (d) fecham a questão cedo demais (a entropia cruzada "
        "nem sempre é a melhor); (b) ignora que a perda precisa ter um gradiente útil — a 0-1, "
        "por exemplo, mede o erro mas não treina uma rede.",
    ),
    "resposta_otimizador": (
        "a",
        "o SGD usa só o gradiente do lote (com momentum, uma média dos anteriores); o Adam "
        "guarda médias móveis, com correção de viés, do gradiente (primeiro momento) e do seu "
        "quadrado (segundo momento) e com elas ajusta o passo de cada parâmetro. (b) é falsa: "
        "o momentum lembra o primeiro momento, mas o SGD não tem o passo adaptativo; (c) é "
        "falsa: o Adam também aceita decaimento da taxa de aprendizado; (d) é falsa: nenhum "
        "otimizador é sempre melhor — muitos modelos de ponta são treinados com SGD + momentum.",
    ),
    "resposta_pratica": (
        "c",
        "valores padrão nem sempre são bons hiperparâmetros; o que funciona é buscar, primeiro "
        "de forma grosseira e barata (poucos dados, poucas épocas) e depois refinando, guiado "
        "pelas métricas de treino e de VALIDAÇÃO. (a) confia nos padrões; (b) fixa escolhas que "
        "nem sempre servem e otimiza o critério errado (diferença treino-validação pequena não "
        "quer dizer modelo bom); (d) pode acalmar, mas não treina a rede.",
    ),
}


resposta_perda = multiple_choice("resposta_perda", *_LETTERS["resposta_perda"])
resposta_otimizador = multiple_choice("resposta_otimizador", *_LETTERS["resposta_otimizador"])
resposta_pratica = multiple_choice("resposta_pratica", *_LETTERS["resposta_pratica"])

# ---------------------------------------------------------------------------- exercise 1


def split_train_validation(seed, results) -> str:
    cases = _inputs("split_train_validation", seed)
    for (x, y, fraction), result in zip(cases, _calls(results, len(cases), "split")):
        got = outcome(result, "split_train_validation")
        shown = "padrão (0.1)" if fraction is None else fraction
        fraction = 0.1 if fraction is None else fraction
        if not (
            isinstance(got, (tuple, list))
            and len(got) == 2
            and all(isinstance(part, (tuple, list)) and len(part) == 2 for part in got)
        ):
            raise Wrong(
                "split_train_validation deve devolver ((x_treino, y_treino), (x_val, y_val))."
            )
        names = ("x_treino", "y_treino", "x_val", "y_val")
        x_tr, y_tr, x_val, y_val = (
            as_array(v, f"split_train_validation ({k})") for v, k in zip([*got[0], *got[1]], names)
        )
        n = len(x)
        n_train = int(n * (1 - fraction))
        if 0 < len(x_val) < n and np.array_equal(x_val, x[: len(x_val)]):
            raise Wrong(
                "a validação saiu do COMEÇO do treino; ela deve ser o FINAL (os últimos "
                "exemplos), como no validation_split do Keras."
            )
        if len(x_tr) != n_train or len(x_val) != n - n_train:
            raise Wrong(
                f"com {n} exemplos e fraction={shown}, vieram {len(x_tr)} de treino e "
                f"{len(x_val)} de validação; use n_treino = int(len(x) * (1 - fraction))."
            )
        if not (np.array_equal(x_tr, x[:n_train]) and np.array_equal(x_val, x[n_train:])):
            raise Wrong(
                "as imagens não são x[:n_treino] (treino) e x[n_treino:] (validação), na ordem, "
                "sem embaralhar."
            )
        if y_tr.shape != y[:n_train].shape or y_val.shape != y[n_train:].shape:
            raise Wrong(
                f"os rótulos devem manter a forma de entrada ({y.shape[1:]} por exemplo); vieram "
                f"{y_tr.shape} e {y_val.shape}."
            )
        if not (np.array_equal(y_tr, y[:n_train]) and np.array_equal(y_val, y[n_train:])):
            raise Wrong("os rótulos não acompanham as imagens: corte y nos mesmos índices que x.")
    return "separa os últimos exemplos para validação, com os rótulos certos, em casos novos."


def best_checkpoint(seed, results) -> str:
    name, _, _ = _inputs("best_checkpoint", seed)
    outcome(results["call"], "best_checkpoint")
    callback = decode(results["callback"]["value"])
    if not callback.get("is_model_checkpoint"):
        raise Wrong(
            f"best_checkpoint deve devolver um keras.callbacks.ModelCheckpoint, não "
            f"{callback.get('class')}."
        )
    if callback["filepath"] != f"<pasta>/{name}":
        raise Wrong("o callback deve gravar no caminho recebido como argumento (path).")
    if callback["monitor"] != "val_accuracy":
        raise Wrong(
            f'monitore a taxa de acerto de validação, monitor="val_accuracy" (veio '
            f"{callback['monitor']!r})."
        )
    if callback["save_best_only"] is not True:
        raise Wrong("use save_best_only=True: só grave quando a validação melhorar.")
    if callback["save_weights_only"] not in (False, None):
        raise Wrong("grave o modelo inteiro (save_weights_only=False).")
    if callback["save_freq"] != "epoch":
        raise Wrong('grave ao fim de cada época (save_freq="epoch").')
    if callback["mode"] not in ("max", "auto", None) or callback["maximizes"] is False:
        raise Wrong('para taxa de acerto, melhor é maior: use mode="max".')
    if callback["fit_error"]:
        raise Wrong(f"o treino com o callback falhou: {callback['fit_error']}")
    if not callback["saved"]:
        raise Wrong("depois do treino com o callback, o arquivo pedido não existe.")
    if callback["saved_accuracy"] is None:
        raise Wrong(
            "o arquivo gravado não é um modelo que keras.models.load_model carregue "
            f"({callback.get('load_error')})."
        )
    history = callback["val_accuracy"] or []
    if not history or abs(callback["saved_accuracy"] - max(history)) > 1e-6:
        raise Wrong(
            "o modelo gravado não é o da época de maior taxa de acerto de validação "
            f"(gravado: {callback['saved_accuracy']:.3f}; melhor época: "
            f"{max(history) if history else float('nan'):.3f})."
        )
    return "grava, no caminho pedido, o modelo da época de maior acerto de validação."


# ---------------------------------------------------------------------------- exercise 2


def judge_class_pair(name, cases, results, pair, singular, plural) -> str:
    """A two-class selection: the images of classes ``pair`` in their original order, and
    labels 0 and 1 of shape (M,). ``singular``/``plural`` name the two classes in messages."""
    both = f"{plural[0]} e {plural[1]}"
    asked = f"{singular[0]} → 0 e {singular[1]} → 1"
    for (images, labels), result in zip(cases, _calls(results, len(cases), name)):
        got = outcome(result, name)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise Wrong(f"{name} deve devolver a tupla (imagens, rotulos).")
        flat = np.ravel(labels)
        keep = (flat == pair[0]) | (flat == pair[1])
        m = int(keep.sum())
        got_x = as_array(got[0], f"{name} (imagens)")
        got_y = as_array(got[1], f"{name} (rótulos)")
        shape = f"rótulos de forma {labels.shape}"
        if len(got_x) != m or len(got_y) != m:
            raise Wrong(
                f"com {shape}, havia {m} {both} entre {len(flat)} imagens; vieram "
                f"{len(got_x)} imagens e {len(got_y)} rótulos."
            )
        if got_y.shape != (m,):
            raise Wrong(f"com {shape}, devolva os rótulos com forma (M,); veio {got_y.shape}.")
        if not np.array_equal(got_x, images[keep]):
            raise Wrong(f"as imagens devolvidas não são os {both}, na ordem original.")
        expected = (flat[keep] == pair[1]).astype(int)
        if np.array_equal(got_y, flat[keep]):
            raise Wrong(f"os rótulos ainda são {pair[0]} e {pair[1]}: troque para {asked}.")
        if np.array_equal(got_y, 1 - expected):
            raise Wrong(f"rótulos invertidos: o pedido é {asked}.")
        if not np.array_equal(got_y, expected):
            raise Wrong(
                f"os rótulos devem ser 0 ({singular[0]}) e 1 ({singular[1]}), na ordem das "
                "imagens."
            )
        if not np.issubdtype(got_y.dtype, np.integer):
            raise Wrong(f"use rótulos inteiros (veio dtype {got_y.dtype}).")
    return f"separa {plural[0]} (0) e {plural[1]} (1), na ordem, com rótulos (N,) ou (N, 1)."


def select_dogs_cats(seed, results) -> str:
    cases = _inputs("select_dogs_cats", seed)
    return judge_class_pair(
        "select_dogs_cats", cases, results, (3, 5), ("gato", "cachorro"), ("gatos", "cachorros")
    )


# ---------------------------------------------------------------------------- exercise 3


def _roc_calls(name: str, seed: int, results):
    """The cases of ROC function ``name`` and the probe's call results, NumPy-only checked."""
    if not isinstance(results, dict) or "calls" not in results:
        raise Malformed(f"resultado da sonda de {name} sem 'calls'")
    _numpy_only(results, name)
    cases = _inputs(name, seed)
    return cases, _calls(results["calls"], len(cases), name)


def _threshold_metrics(part: str):
    def judge(seed, results) -> str:
        cases, calls = _roc_calls("threshold_metrics", seed, results)
        names = "(sensibilidade, especificidade, acuracia)"
        for case, group in zip(cases, calls):
            if case[0] not in check.THRESHOLD_CASES[part]:
                continue
            if not isinstance(group, list) or len(group) != len(case[3]):
                raise Malformed("chamadas de threshold_metrics faltando num caso")
            got = [
                _numbers(outcome(result, "threshold_metrics"), 3, "threshold_metrics", names)
                for result in group
            ]
            problem = check.threshold_metrics_problem(part, case, got)
            if problem:
                raise Wrong(problem)
        return f"threshold_metrics {check.THRESHOLD_PROPERTIES[part]}, em dados novos."

    judge.__name__ = f"threshold_metrics_{part}"
    return judge


def _roc_points(part: str):
    def judge(seed, results) -> str:
        cases, calls = _roc_calls("roc_points", seed, results)
        for case, result in zip(cases, calls):
            got = check.as_curve(outcome(result, "roc_points"))
            if got is None:
                raise Wrong("roc_points deve devolver a tupla (fpr, tpr, limiares) de arrays.")
            problem = check.roc_points_problem(part, case, got)
            if problem:
                raise Wrong(problem)
        return f"roc_points {check.ROC_PROPERTIES[part]}, como roc_curve do scikit-learn."

    judge.__name__ = f"roc_points_{part}"
    return judge


def _roc_auc(part: str):
    def judge(seed, results) -> str:
        cases, calls = _roc_calls("roc_auc", seed, results)
        for case, result in zip(cases, calls):
            got = _number(outcome(result, "roc_auc"), "roc_auc")
            problem = check.roc_auc_problem(part, case, got)
            if problem and abs(got - APOSTILA_ROC["auc"]) < 1e-9:
                raise Wrong("0,971 é a AUC da apostila; calcule a área com os scores recebidos.")
            if problem:
                raise Wrong(problem)
        return f"roc_auc {check.AUC_PROPERTIES[part]}, como roc_auc_score do scikit-learn."

    judge.__name__ = f"roc_auc_{part}"
    return judge


def _equal_error_rate(part: str):
    def judge(seed, results) -> str:
        cases, calls = _roc_calls("equal_error_rate", seed, results)
        names = "(eer, limiar, acuracia)"
        for case, result in zip(cases, calls):
            got = _numbers(outcome(result, "equal_error_rate"), 3, "equal_error_rate", names)
            problem = check.equal_error_rate_problem(part, case, got)
            if problem:
                raise Wrong(problem)
        return f"equal_error_rate {check.EER_PROPERTIES[part]}, em dados novos."

    judge.__name__ = f"equal_error_rate_{part}"
    return judge


# ---------------------------------------------------------------------------- exercise 4


def classify_dog_or_cat(seed, results) -> str:
    _, kernel, bias, images = _inputs("classify_dog_or_cat", seed)
    for image, result in zip(images, _calls(results, len(images), "classify_dog_or_cat")):
        problem = check.dog_or_cat_problem(
            kernel, bias, image, outcome(result, "classify_dog_or_cat")
        )
        if problem:
            raise Wrong(problem)
    return "classifica imagens novas com um modelo gravado novo, pré-processando como no treino."


# ---------------------------------------------------------------------------- exercise 5


def build_better_lenet(seed, results) -> str:
    cases = _inputs("build_better_lenet", seed)
    for (shape, classes, _), result in zip(
        cases, _calls(results, len(cases), "build_better_lenet")
    ):
        what = f"build_better_lenet({shape}, {classes})"
        outcome(result["call"], what)
        model = outcome(result["model"], f"o modelo de {what}")
        if model.get("kind") != "Model":
            raise Wrong(f"{what} deve devolver um modelo Keras, não {model.get('kind')}.")
        layers = [layer for layer in model["layers"] if layer["class"] != "InputLayer"]
        problem = lenet_structure_problem([layer["class"] for layer in layers])
        if problem:
            raise Wrong(problem)
        if is_apostila_lenet([(layer["class"], layer["config"]) for layer in layers]):
            raise Wrong(
                "é a LeNet da apostila (build_lenet) sem mudanças; o exercício pede uma rede "
                "melhor: mude a arquitetura (filtros, núcleos, padding, blocos, densas, dropout)."
            )
        output = layers[-1]
        if (
            output["class"] != "Dense"
            or output["config"].get("units") != classes
            or output["activation"] != "softmax"
        ):
            raise Wrong(
                f"com {classes} classes, a última camada deve ser Dense({classes}, "
                "activation='softmax'); use os argumentos, não valores fixos."
            )
        probabilities = as_array(model.get("output"), f"o modelo de {what}", (2, classes))
        if not np.allclose(probabilities.sum(axis=1), 1, atol=1e-4):
            raise Wrong("as saídas do modelo devem somar 1 (softmax).")
        if not model["compiled"]:
            raise Wrong("compile o modelo (model.compile) antes de devolvê-lo.")
        if "acc" not in model["metrics"]:
            raise Wrong("inclua metrics=['accuracy'] no compile.")
        loss = _number(outcome(result["fit_loss"], f"o treino do modelo de {what}"), "a perda")
        if not np.isfinite(loss):
            raise Wrong("a perda de uma época de treino não é finita.")
    return "rede tipo LeNet, diferente da original, compilada e treinável, para formas novas."


# ---------------------------------------------------------------------------- exercise 6


def first_misclassified(seed, results) -> str:
    cases = _inputs("first_misclassified", seed)
    for (y_true, y_pred, n, classes), result in zip(
        cases, _calls(results, len(cases), "first_misclassified")
    ):
        got = outcome(result, "first_misclassified")
        n, classes = (2, 10) if n is None else (n, classes)
        kind = "probabilidades (N, C)" if y_pred.ndim == 2 else "rótulos previstos (N,)"
        where = f"(y_pred com {kind}, n={n}, {classes} classes)"
        if isinstance(got, np.ndarray) and got.dtype != object:
            got = list(got)
        if not isinstance(got, (list, tuple)) or len(got) != classes:
            raise Wrong(f"{where}: devolva uma lista com uma entrada por classe ({classes}).")
        truth = np.ravel(y_true)
        predicted = y_pred.argmax(axis=1) if y_pred.ndim == 2 else y_pred
        errors = predicted != truth
        for c, entry in enumerate(got):
            try:
                entry = np.asarray(entry).ravel()
                indices = entry.astype(int)
            except (TypeError, ValueError) as error:
                raise Wrong(f"{where}: a entrada {c} deve ser um array de índices.") from error
            if len(indices) and not np.array_equal(indices, entry):
                raise Wrong(f"{where}: a entrada {c} deve ter índices inteiros.")
            expected = np.flatnonzero(errors & (truth == c))[:n]
            if np.array_equal(indices, expected):
                continue
            if len(indices) and (indices.min() < 0 or indices.max() >= len(truth)):
                raise Wrong(f"{where}: a entrada {c} tem índices fora do conjunto.")
            if len(indices) and not errors[indices].all():
                raise Wrong(f"{where}: na classe {c} vieram exemplos classificados CORRETAMENTE.")
            if len(indices) and (truth[indices] != c).any():
                raise Wrong(
                    f"{where}: a entrada {c} deve ter exemplos cuja classe VERDADEIRA é {c}."
                )
            raise Wrong(
                f"{where}: na classe {c}, pegue os {n} primeiros erros em ordem crescente de "
                "índice (menos, se não houver tantos)."
            )
    return "encontra os primeiros erros de cada classe, com probabilidades ou rótulos."


TESTS = {
    "test_resposta_perda": ("resposta_perda", resposta_perda),
    "test_resposta_otimizador": ("resposta_otimizador", resposta_otimizador),
    "test_resposta_pratica": ("resposta_pratica", resposta_pratica),
    "test_split_train_validation": ("split_train_validation", split_train_validation),
    "test_best_checkpoint": ("best_checkpoint", best_checkpoint),
    "test_select_dogs_cats": ("select_dogs_cats", select_dogs_cats),
    **{
        f"test_threshold_metrics_{part}": ("threshold_metrics", _threshold_metrics(part))
        for part in check.THRESHOLD_PROPERTIES
    },
    **{
        f"test_roc_points_{part}": ("roc_points", _roc_points(part))
        for part in check.ROC_PROPERTIES
    },
    **{f"test_roc_auc_{part}": ("roc_auc", _roc_auc(part)) for part in check.AUC_PROPERTIES},
    **{
        f"test_equal_error_rate_{part}": ("equal_error_rate", _equal_error_rate(part))
        for part in check.EER_PROPERTIES
    },
    "test_classify_dog_or_cat": ("classify_dog_or_cat", classify_dog_or_cat),
    "test_build_better_lenet": ("build_better_lenet", build_better_lenet),
    "test_first_misclassified": ("first_misclassified", first_misclassified),
}
"""grade_id of each autograded test cell → (probe name, judge). The ROC exercises have one
cell per property (``check.*_PROPERTIES``), all judged from the same probe."""
