"""Verdicts of lesson 03b (learning rate and batch size, Ponti's exercises 7-9); inputs come
from :mod:`autograder.probes.lesson03b`.

The z-score is recomputed with NumPy; the schedule must give exactly ``lr`` before
``start`` and ``lr · exp(-decay)`` from ``start`` on (Keras counts epochs from 0), as a
float the Keras callback accepts; the epochs per batch size are ⌊log₂(512 · lote)⌋, an
integer, computed here exactly with ``int.bit_length``. The right letters of the three
multiple-choice questions live only here.
"""

from __future__ import annotations

import math

import numpy as np

from autograder import probes
from autograder.probes import lesson03b as probe

from . import Wrong, as_array, multiple_choice, outcome

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who keeps Ponti's rounding of the
# rate to 4 decimals. The epochs before `start` still pass (1 point); from `start` on the
# rates are off in the fourth decimal, so the test of the decay (2 points) is lost.
DEMO_WRONG_ANSWER = {
    "decay_schedule": (
        "def decay_schedule(start, decay):\n"
        "    def schedule(epoch, lr):\n"
        "        if epoch < start:\n"
        "            return lr\n"
        "        return float(np.round(lr * math.exp(-decay), 4))\n"
        "\n"
        "    return schedule\n"
    ),
}

# A student who standardizes each set with its own statistics: the training set comes out
# right (1 point), the test set does not (loses 1 point).
DEMO_EXTRA_STUDENTS = [
    (
        "Hugo Espiou",
        "padronizou o teste com a média e o desvio do próprio teste",
        "perde o teste da padronização do conjunto de teste",
        {
            "standardize": (
                "def standardize(x_train, x_test):\n"
                "    train = (x_train - x_train.mean(axis=0)) / x_train.std(axis=0)\n"
                "    test = (x_test - x_test.mean(axis=0)) / x_test.std(axis=0)\n"
                "    return train, test\n"
            ),
        },
    ),
]

FLOAT_TYPES = ("float", "float32", "float64")
"""What ``keras.callbacks.LearningRateScheduler`` accepts from a schedule."""


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, what: str) -> list:
    if not isinstance(results, list) or len(results) != count:
        raise Wrong(f"a sonda não conseguiu chamar {what} em todos os casos.")
    return results


FLOAT32_EPS = float(np.finfo(np.float32).eps)


def spread(x_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """max|x| / std of each column (both sets, the training std): how many training
    standard deviations a float32 rounding of the inputs is relative to."""
    return np.maximum(np.abs(x_train).max(axis=0), np.abs(x_test).max(axis=0)) / x_train.std(
        axis=0
    )


def _close(got: np.ndarray, expected: np.ndarray, columns: np.ndarray) -> bool:
    """Equal up to what a float32 z-score loses: 1e-4 (absolute and relative) plus a few
    float32 roundings of the inputs in each column's standard deviations (``columns``, from
    :func:`spread`). ddof=1 and the other diagnosed mistakes stay dozens of times farther."""
    if got.shape != expected.shape:
        return False
    tolerance = 1e-4 + 1e-4 * np.abs(expected) + 4 * FLOAT32_EPS * columns
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(got - expected) <= tolerance))


# ---------------------------------------------------------------------------- exercise 1


def _pair(result, x_train, x_test):
    where = f"standardize com treino {x_train.shape} e teste {x_test.shape}"
    got = outcome(result, where)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise Wrong(f"{where}: devolva a tupla (train_z, test_z).")
    train = as_array(got[0], f"{where} (treino)", x_train.shape)
    test = as_array(got[1], f"{where} (teste)", x_test.shape)
    return where, train.astype(np.float64), test.astype(np.float64)


def _diagnose_train(where: str, got: np.ndarray, x: np.ndarray, columns: np.ndarray) -> None:
    mean, std = x.mean(axis=0), x.std(axis=0)

    def close(expected):
        return _close(got, expected, columns)

    if close((x - mean) / std):
        return
    if close((x - mean) / x.std(axis=0, ddof=1)):
        raise Wrong(
            f"{where}: o desvio padrão é o de np.std, que divide por N (ddof=0), não por N − 1."
        )
    if close((x - x.mean()) / x.std()):
        raise Wrong(
            f"{where}: calcule a média e o desvio de cada coluna (axis=0), não da matriz toda."
        )
    if close(x - mean):
        raise Wrong(f"{where}: falta dividir pelo desvio padrão de cada coluna.")
    if close(x / std):
        raise Wrong(f"{where}: falta subtrair a média de cada coluna.")
    raise Wrong(f"{where}: o treino padronizado não é (x − média) / desvio de cada coluna.")


def standardize_train(seed, results) -> str:
    cases = _inputs("standardize_train", seed)
    for (x_train, x_test), result in zip(cases, _calls(results, len(cases), "standardize")):
        where, train, _ = _pair(result, x_train, x_test)
        _diagnose_train(where, train, x_train, spread(x_train, x_test))
    return "padroniza o treino com a média e o desvio de cada coluna, em matrizes novas."


def standardize_test(seed, results) -> str:
    cases = _inputs("standardize_test", seed)
    for (x_train, x_test), result in zip(cases, _calls(results, len(cases), "standardize")):
        where, _, test = _pair(result, x_train, x_test)
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        columns = spread(x_train, x_test)

        def close(expected):
            return _close(test, expected, columns)  # this case's test and columns

        if close((x_test - mean) / std):
            continue
        if close((x_test - x_test.mean(axis=0)) / x_test.std(axis=0)):
            raise Wrong(
                f"{where}: o teste foi padronizado com a média e o desvio do próprio teste; "
                "use os do treino nos dois conjuntos."
            )
        if close(x_test):
            raise Wrong(f"{where}: o teste também precisa ser padronizado.")
        if close((x_test - mean) / x_train.std(axis=0, ddof=1)):
            raise Wrong(f"{where}: o desvio padrão é o de np.std (ddof=0), não ddof=1.")
        raise Wrong(
            f"{where}: o teste padronizado não é (x_teste − média do treino) / desvio do "
            "treino, coluna a coluna."
        )
    return "padroniza o teste com as estatísticas do treino, em matrizes novas."


# ---------------------------------------------------------------------------- exercise 2


def _schedule_outputs(seed, results, name: str):
    """(where, epoch, lr, start, decay, value) for every call; types checked here."""
    cases = _inputs(name, seed)
    if not isinstance(results, list) or not results or len(results) > len(cases):
        raise Wrong("a sonda não conseguiu chamar decay_schedule.")
    for (start, decay, calls), result in zip(cases, results):
        made = f"decay_schedule({start}, {decay:.4g})"
        got = outcome(result, made)
        if not isinstance(got, list) or len(got) != len(calls):
            raise Wrong(f"{made} não devolveu um agendador que responda a cada época.")
        for (epoch, lr), item in zip(calls, got):
            where = f"o agendador de {made}, na época {epoch} com lr={lr:.4g},"
            kind, number = item if isinstance(item, tuple) and len(item) == 2 else (None, None)
            if kind not in FLOAT_TYPES or isinstance(number, bool):
                raise Wrong(
                    f"{where} devolveu {kind or type(item).__name__}; devolva um float do "
                    "Python (o LearningRateScheduler do Keras 3 recusa tensores e outros "
                    "tipos): use math.exp, ou float(...)."
                )
            yield where, epoch, lr, start, decay, kind, float(number)
    if len(results) != len(cases):
        raise Wrong("a sonda não conseguiu chamar decay_schedule em todos os casos.")


def _same(got: float, expected: float, kind: str) -> bool:
    return math.isclose(got, expected, rel_tol=1e-6 if kind == "float32" else 1e-9)


def decay_schedule_before(seed, results) -> str:
    for where, epoch, lr, start, decay, kind, got in _schedule_outputs(
        seed, results, "decay_schedule_before"
    ):
        if epoch > start:  # the other side: a schedule that never changes the rate is wrong
            if _same(got, lr, kind):
                raise Wrong(
                    f"{where} devolveu a taxa sem mudar: depois de start ela decai. Um "
                    "agendador que nunca muda a taxa não separa as épocas antes de start."
                )
            continue
        if _same(got, lr, kind):
            continue
        if _same(got, lr * math.exp(-decay), kind):
            raise Wrong(
                f"{where} já decaiu a taxa: antes da época start ela não muda (epoch < start "
                "devolve lr; o Keras conta as épocas a partir de 0)."
            )
        if math.isclose(got, round(lr, 4), rel_tol=1e-9):
            raise Wrong(f"{where} arredondou a taxa: devolva lr sem mudar, sem arredondar.")
        raise Wrong(f"{where} deveria devolver a própria taxa lr, sem mudar.")
    return (
        "mantém a taxa em todas as épocas antes de start (e a muda depois), com start e taxas "
        "novos."
    )


def decay_schedule_after(seed, results) -> str:
    for where, epoch, lr, start, decay, kind, got in _schedule_outputs(
        seed, results, "decay_schedule_after"
    ):
        if epoch < start:  # the other side: a schedule that ignores start is wrong
            if not _same(got, lr, kind):
                raise Wrong(
                    f"{where} mudou a taxa antes de start: o decaimento só começa na época "
                    "start (epoch < start devolve lr sem mudar)."
                )
            continue
        expected = lr * math.exp(-decay)
        if _same(got, expected, kind):
            continue
        if _same(got, lr, kind):
            hint = (
                " O decaimento começa NA época start (epoch < start mantém; epoch >= start "
                "decai)."
                if epoch == start
                else " A partir de start a taxa é multiplicada por exp(−decay) a cada época."
            )
            raise Wrong(f"{where} devolveu a taxa sem mudar.{hint}")
        if math.isclose(got, round(expected, 4), rel_tol=1e-9, abs_tol=1e-12):
            raise Wrong(
                f"{where} arredondou a taxa para 4 casas, como Ponti: não arredonde (o "
                "arredondamento trava o decaimento quando a taxa fica pequena)."
            )
        steps = epoch - start
        if steps > 0 and any(
            _same(got, lr * math.exp(-decay * k), kind) for k in (steps, steps + 1)
        ):
            raise Wrong(
                f"{where} aplicou o decaimento de várias épocas de uma vez: lr já é a taxa "
                "atual, que vem decaindo; multiplique-a por exp(−decay) uma vez só."
            )
        if _same(got, lr * (1 - decay), kind):
            raise Wrong(f"{where} multiplicou por (1 − decay); o decaimento é exp(−decay).")
        if _same(got, lr * math.exp(decay), kind):
            raise Wrong(f"{where} fez a taxa crescer: o expoente é −decay.")
        raise Wrong(f"{where} deveria devolver lr · exp(−decay).")
    return (
        "multiplica a taxa por exp(−decay) a cada época de start em diante, sem arredondar (e "
        "só a partir de start)."
    )


# ---------------------------------------------------------------------------- exercise 4


def expected_epochs(batch_size: int) -> int:
    """⌊log₂(512 · batch_size)⌋, exactly, for a positive integer."""
    return (512 * int(batch_size)).bit_length() - 1


def _judge_epochs(seed, results, name: str) -> None:
    sizes = _inputs(name, seed)
    if not isinstance(results, list) or not results or len(results) > len(sizes):
        raise Wrong("a sonda não conseguiu chamar epochs_for_batch.")
    for batch_size, result in zip(sizes, results):
        where = f"epochs_for_batch({batch_size})"
        got = outcome(result, where)
        if isinstance(got, np.ndarray) and got.size == 1:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            raise Wrong(f"{where} deve devolver um inteiro, não {type(got).__name__}.")
        expected = expected_epochs(batch_size)
        exact = math.log2(512 * batch_size)
        if isinstance(got, float):
            hint = " (o valor está certo: converta com int(...))" if got == expected else ""
            raise Wrong(f"{where} devolveu um float; o número de épocas é um int{hint}.")
        if got == expected:
            continue
        if got == round(exact):
            raise Wrong(f"{where}: arredondou para o inteiro mais próximo; a fórmula usa o piso.")
        if got == math.ceil(exact):
            raise Wrong(f"{where}: usou o teto; a fórmula usa o piso (⌊·⌋).")
        raise Wrong(f"{where} devolveu {got}; confira a fórmula ⌊log₂(512 · lote)⌋.")
    if len(results) != len(sizes):
        raise Wrong("a sonda não conseguiu chamar epochs_for_batch em todos os lotes.")


def epochs_for_batch_ponti(seed, results) -> str:
    _judge_epochs(seed, results, "epochs_for_batch_ponti")
    return "dá as épocas da tabela de Ponti (10 a 17) para os lotes de 2 a 256."


def epochs_for_batch_fresh(seed, results) -> str:
    _judge_epochs(seed, results, "epochs_for_batch_fresh")
    return "devolve o piso de log₂(512 · lote), inteiro, em lotes novos."


# ---------------------------------------------------------------------------- multiple choice

RIGHT_LETTERS = {"resposta_7": "b", "resposta_8": "a", "resposta_9": "d"}
REASONS = {
    "resposta_7": (
        "nos números de Ponti, B erra menos que A em tudo (treino: MSE 7 contra 21; "
        "validação: 23 contra 28), mas a distância entre treino e validação é de 16 no MSE "
        "de B e de só 7 no de A: A generaliza melhor. Por isso (a) não vale (as distâncias "
        "são bem diferentes); (c) não vale porque a distância no MAE é a mesma nas duas (1); "
        "(d) confunde treino e validação: 7 e 21 são os MSE de TREINO."
    ),
    "resposta_8": (
        "na tabela de Ponti os maiores MSE de teste são os dos lotes de 256 (129,8) e 128 "
        "(30,7), e os menores os de 4 (19,1) e 16 (21,6)."
    ),
    "resposta_9": (
        "os dois experimentos mostram que trocar a taxa de aprendizado e o tamanho do lote "
        "muda bastante o erro: os valores padrão podem ficar abaixo do possível, e vale uma "
        "busca. (a) contradiz o exercício 7; (b) e (c) tiram regras gerais ('sempre') de "
        "uma única rede num conjunto pequeno."
    ),
}


resposta_7 = multiple_choice("resposta_7", RIGHT_LETTERS["resposta_7"], REASONS["resposta_7"])
resposta_8 = multiple_choice("resposta_8", RIGHT_LETTERS["resposta_8"], REASONS["resposta_8"])
resposta_9 = multiple_choice("resposta_9", RIGHT_LETTERS["resposta_9"], REASONS["resposta_9"])


TESTS = {
    "test_standardize_train": ("standardize_train", standardize_train),
    "test_standardize_test": ("standardize_test", standardize_test),
    "test_decay_schedule_before": ("decay_schedule_before", decay_schedule_before),
    "test_decay_schedule_after": ("decay_schedule_after", decay_schedule_after),
    "test_resposta_7": ("resposta_7", resposta_7),
    "test_epochs_for_batch_ponti": ("epochs_for_batch_ponti", epochs_for_batch_ponti),
    "test_epochs_for_batch_fresh": ("epochs_for_batch_fresh", epochs_for_batch_fresh),
    "test_resposta_8": ("resposta_8", resposta_8),
    "test_resposta_9": ("resposta_9", resposta_9),
}
