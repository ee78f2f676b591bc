"""Self-checks of lesson 05 (AlexNet, VGG and batch normalization).

Every check calls the student's answer on fresh random inputs and looks at what it returns
or does. Where an exercise has parts, the check takes the part's name and looks only at
that part, so that a mistake in one part does not stop the others. The check of the
BatchNormalization weight order looks only at the FORM of the answer: whether the order is
right is decided after hand-in.
"""

from __future__ import annotations

import numpy as np

from .. import formatting
from ._core import CheckFailed, call, expect, passed, rng

BN_VOCABULARY = ("beta", "desvio_padrao_movel", "gamma", "media_movel", "variancia_movel")
"""The names an answer to the weight-order question may use (lesson 05), in alphabetical
order."""


def _num(value, decimals: int = 4) -> str:
    text = formatting.number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _flat(model) -> list:
    import keras

    out = []
    for layer in getattr(model, "layers", []):
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(getattr(layer, "layers", None), (list, tuple)):
            out.extend(_flat(layer))
        else:
            out.append(layer)
    return out


# ---------------------------------------------------------------------------- exercise 1


def build_alexnet_cifar(fn, part: str = "structure") -> None:
    """Check ``build_alexnet_cifar(input_shape, num_classes)``: ``part`` is ``"structure"``
    (the layers) or ``"runs"`` (input shape, softmax output, compile settings)."""
    import keras

    generator = rng()
    side = int(generator.integers(32, 49))
    for shape, classes in [((32, 32, 3), 10), ((side, side, 1), int(generator.integers(2, 9)))]:
        model = call(fn, "build_alexnet_cifar", shape, classes)
        expect(
            isinstance(model, keras.Model),
            f"`build_alexnet_cifar` deve devolver um modelo Keras, não {type(model).__name__}.",
        )
        layers = [l for l in _flat(model) if not type(l).__name__.startswith("Random")]
        kinds = [type(l).__name__ for l in layers]
        if part == "structure":
            expect("Flatten" in kinds, "Falta o Flatten entre as convoluções e as densas.")
            cut = kinds.index("Flatten")
            convs = [l for l in layers[:cut] if type(l).__name__ == "Conv2D"]
            expect(
                len(convs) == 5 and "Conv2D" not in kinds[cut:],
                f"Use exatamente 5 Conv2D antes do Flatten (encontrei {kinds.count('Conv2D')}).",
            )
            expect(
                min(convs[0].kernel_size) >= 5,
                f"A primeira convolução deve ter janela de 5×5 ou mais (tem {convs[0].kernel_size}).",
            )
            expect(
                all(tuple(c.kernel_size) == (3, 3) for c in convs[2:]),
                "As três últimas convoluções devem ser 3×3.",
            )
            pools = [l for l in layers[:cut] if type(l).__name__ == "MaxPooling2D"]
            expect(len(pools) >= 2, "Use pelo menos dois MaxPooling2D.")
            for pool in pools:
                expect(
                    tuple(pool.pool_size) == (3, 3) and tuple(pool.strides) == (2, 2),
                    "Max-pooling sobreposto: pool_size=3 e strides=2 "
                    f"(encontrei {tuple(pool.pool_size)} e {tuple(pool.strides)}).",
                )
            denses = [l for l in layers[cut:] if type(l).__name__ == "Dense"]
            expect(len(denses) == 3, f"Use 3 Dense depois do Flatten (há {len(denses)}).")
            expect("Dropout" in kinds[cut:], "Use Dropout nas camadas densas, como a AlexNet.")
            expect(
                denses[-1].units == classes and layers[-1] is denses[-1],
                f"A última camada deve ser a Dense de {classes} saídas.",
            )
        else:
            got = tuple(model.input_shape[1:])
            expect(
                got == shape,
                f"Pedi input_shape={shape}, mas o modelo recebe {got}: use "
                "keras.Input(shape=input_shape).",
            )
            x = generator.uniform(-1, 1, size=(2, *shape)).astype("float32")
            y = np.asarray(model(x, training=False))
            expect(y.shape == (2, classes), f"Saída de forma {y.shape}; esperava (2, {classes}).")
            expect(np.allclose(y.sum(axis=1), 1, atol=1e-4), "As saídas devem somar 1 (softmax).")
            expect(model.compiled, "Compile o modelo (model.compile) antes de devolvê-lo.")
            loss = str(getattr(model, "loss", None)).lower().replace("_", "")
            expect(
                "sparsecategoricalcrossentropy" in loss,
                "Use a perda sparse_categorical_crossentropy.",
            )
            expect(
                "acc" in str((model.get_compile_config() or {}).get("metrics")),
                "Inclua metrics=['accuracy'] no compile.",
            )
    passed(
        "build_alexnet_cifar: estrutura tipo AlexNet certa."
        if part == "structure"
        else "build_alexnet_cifar roda com formas novas, compilado, com saída softmax."
    )


# ---------------------------------------------------------------------------- exercise 2


def conv_stack(fn, part: str = "field") -> None:
    """Check ``conv_stack(kernel, layers, channels=1)``: ``part`` is ``"field"`` (the
    receptive field) or ``"weights"`` (weights without biases)."""
    generator = rng()
    cases = [(3, 2, 1), (3, 4, 1)]
    cases += [(int(generator.choice([3, 5, 7])), int(generator.integers(1, 9)), 1)]
    cases += [(int(generator.choice([1, 3, 5])), int(generator.integers(1, 6)), 16)]
    for kernel, layers, channels in cases:
        got = call(fn, "conv_stack", kernel, layers, channels)
        expect(
            isinstance(got, (tuple, list)) and len(got) == 2,
            "`conv_stack` deve devolver a tupla (campo, pesos).",
        )
        value = got[0] if part == "field" else got[1]
        what = "o campo de visão" if part == "field" else "o número de pesos"
        expect(
            isinstance(value, (int, np.integer)) and not isinstance(value, bool),
            f"{what} deve ser um inteiro (veio {type(value).__name__}).",
        )
        if part == "field":
            right = layers * (kernel - 1) + 1
        else:
            right = layers * kernel**2 * channels**2
        expect(
            int(value) == right,
            f"conv_stack({kernel}, {layers}, {channels}): {what} saiu {value}; esperava {right}.",
        )
    passed(
        "conv_stack calcula o campo de visão."
        if part == "field"
        else "conv_stack calcula o número de pesos."
    )


# ---------------------------------------------------------------------------- exercise 3


def weight_order(answer, name: str = "ordem_pesos_bn") -> None:
    """Check only the FORM of the answer: 4 different names of :data:`BN_VOCABULARY`."""
    expect(
        isinstance(answer, (list, tuple)) and len(answer) == 4,
        f"`{name}` deve ser uma lista de 4 nomes, um por vetor de get_weights(); veio "
        f"{answer!r}.",
    )
    names = [str(n).strip().lower() for n in answer]
    unknown = [n for n in names if n not in BN_VOCABULARY]
    expect(
        not unknown,
        f"Nomes fora do vocabulário: {unknown}. Use só {', '.join(BN_VOCABULARY)}.",
    )
    expect(len(set(names)) == 4, "Cada vetor tem um nome diferente: não repita nomes.")
    passed(
        f"{name} tem o formato certo. Se a ordem está certa, você saberá na correção — e pode "
        "conferir os dois últimos com channel_mean_variance."
    )


def bn_weights_by_name(fn) -> None:
    """Check ``bn_weights_by_name(layer) -> {name: array}`` on new layers, with and without
    β (``center``), trained or not."""
    import keras

    generator = rng()
    for config in ({}, {"center": False}, {"scale": False}):
        channels = int(generator.integers(2, 9))
        layer = keras.layers.BatchNormalization(**config)
        layer.build((None, 4, 4, channels))
        for variable in layer.weights:
            variable.assign(generator.uniform(0.5, 2.0, channels).astype("float32"))
        layer(
            generator.normal(3.0, 2.0, size=(8, 4, 4, channels)).astype("float32"), training=True
        )
        got = call(fn, "bn_weights_by_name", layer)
        expect(isinstance(got, dict), f"Devolva um dicionário, não {type(got).__name__}.")
        names = sorted(v.name for v in layer.weights)
        expect(
            sorted(map(str, got)) == names,
            f"Para BatchNormalization({config or ''}) as chaves deviam ser {names}; vieram "
            f"{sorted(map(str, got))}. Use o nome de cada variável, não a posição.",
        )
        for variable in layer.weights:
            expect(
                np.allclose(np.asarray(got[variable.name]), np.asarray(variable)),
                f"O valor de {variable.name!r} não é o da variável com esse nome.",
            )
    passed("bn_weights_by_name devolve cada peso pelo seu nome, com ou sem β e γ.")


def channel_mean_variance(fn) -> None:
    """Check ``channel_mean_variance(images) -> (mean, variance)`` per channel on new data,
    then show that a BatchNormalization trained on that data ends with the same numbers in
    its third and fourth vectors."""
    import keras

    generator = rng()
    channels = int(generator.integers(2, 5))
    means, spreads = generator.uniform(0.2, 0.8, channels), generator.uniform(0.05, 0.3, channels)
    images = means + spreads * generator.normal(size=(200, 6, 6, channels))
    images = images.astype("float32")
    got = call(fn, "channel_mean_variance", images)
    expect(
        isinstance(got, (tuple, list)) and len(got) == 2,
        "`channel_mean_variance` deve devolver a tupla (media, variancia).",
    )
    mean, variance = (np.asarray(v, dtype=np.float64) for v in got)
    expect(
        mean.shape == (channels,) and variance.shape == (channels,),
        f"Devolva um valor por canal: formas ({channels},); vieram {mean.shape} e "
        f"{variance.shape}.",
    )
    data = images.astype(np.float64)
    expect(
        np.allclose(mean, data.mean(axis=(0, 1, 2)), rtol=1e-4), "A média por canal está errada."
    )
    right = data.var(axis=(0, 1, 2))
    expect(
        not np.allclose(variance, np.sqrt(right), rtol=1e-4),
        "Isso é o desvio padrão; pedi a variância (o quadrado dele).",
    )
    expect(np.allclose(variance, right, rtol=1e-3), "A variância por canal está errada.")
    layer = keras.layers.BatchNormalization(momentum=0.9)
    for _ in range(4):
        for batch in np.split(images, 10):
            layer(batch, training=True)
    third, fourth = np.asarray(layer.get_weights()[2]), np.asarray(layer.get_weights()[3])
    print("  canal | 3º vetor da BN | sua média | 4º vetor da BN | sua variância")
    for c in range(channels):
        print(
            f"  {c:>5} | {_num(third[c]):>14} | {_num(mean[c]):>9} | {_num(fourth[c]):>14} | "
            f"{_num(variance[c]):>13}"
        )
    passed(
        "channel_mean_variance confere; a BatchNormalization treinada nesses dados guarda "
        "números próximos no 3º e no 4º vetores."
    )


# ---------------------------------------------------------------------------- exercise 4


def bn_no_affine(cls, part: str = "training") -> None:
    """Check the custom layer ``cls(momentum=..., epsilon=...)`` against Keras's
    ``BatchNormalization(center=False, scale=False)``; ``part`` is ``"training"``,
    ``"inference"``, ``"moving"`` or ``"weights"``."""
    import keras

    generator = rng()
    channels = int(generator.integers(1, 7))
    momentum = round(float(generator.uniform(0.5, 0.95)), 2)
    epsilon = float(generator.choice([1e-3, 0.1]))
    shape = (5, 3, 3, channels)
    offset = generator.normal(0, 3, channels)
    batches = [(offset + generator.normal(size=shape)).astype("float32") for _ in range(4)]
    try:
        mine = cls(momentum=momentum, epsilon=epsilon)
    except Exception as error:
        raise CheckFailed(
            f"❌ Não consegui criar {getattr(cls, '__name__', cls)}(momentum={momentum}, "
            f"epsilon={epsilon}): {type(error).__name__}: {error}"
        ) from error
    expect(
        isinstance(mine, keras.layers.Layer),
        "A classe deve herdar de keras.layers.Layer.",
    )
    keras_bn = keras.layers.BatchNormalization(
        momentum=momentum, epsilon=epsilon, center=False, scale=False
    )

    def both(x, training):
        try:
            got = np.asarray(mine(x, training=training))
        except Exception as error:
            raise CheckFailed(
                f"❌ A camada levantou {type(error).__name__} com training={training}: {error}"
            ) from error
        return got, np.asarray(keras_bn(x, training=training))

    got, right = both(batches[0] + 1.0, False)
    if part == "inference":
        expect(
            np.allclose(got, right, atol=1e-4),
            "Com training=False uma camada nova deve usar as estatísticas móveis iniciais "
            "(média 0, variância 1), não as do lote.",
        )
    got, right = both(batches[0], True)
    if part == "training":
        expect(
            got.shape == right.shape and np.allclose(got, right, atol=1e-4),
            "Com training=True normalize com a média e a variância DO LOTE, por canal "
            "(eixos 0 a n − 2), com ε dentro da raiz.",
        )
    for batch in batches[1:]:
        both(batch, True)
    got, right = both(batches[0] * 3.0, False)
    again, right_again = both(batches[0], False)
    if part == "moving":
        expect(
            np.allclose(got, right, atol=1e-3) and np.allclose(again, right_again, atol=1e-3),
            "Depois de alguns passos de treino, a inferência não bate com a da "
            "BatchNormalization: média móvel ← momentum · média móvel + (1 − momentum) · "
            "média do lote (o mesmo para a variância), só com training=True.",
        )
    if part == "inference":
        expect(
            np.allclose(again, right_again, atol=1e-3),
            "Chamadas com training=False não podem mudar as estatísticas móveis.",
        )
    if part == "weights":
        expect(
            not mine.trainable_weights,
            f"A camada tem {len(mine.trainable_weights)} pesos treináveis; sem γ e β deve ter "
            "zero (use trainable=False em add_weight).",
        )
        expect(
            len(mine.non_trainable_weights) >= 2,
            "Guarde a média e a variância móveis com self.add_weight(..., trainable=False).",
        )
    names = {
        "training": "normaliza o lote no treino",
        "inference": "usa as estatísticas móveis na inferência, sem alterá-las",
        "moving": "atualiza as estatísticas móveis como a BatchNormalization",
        "weights": "não tem pesos treináveis",
    }
    passed(f"A camada {names[part]}.")


# ---------------------------------------------------------------------------- exercise 5


def normalize_with_training_stats(fn, part: str = "train") -> None:
    """Check ``normalize_with_training_stats(x_train, x_test)``: ``part`` is ``"train"`` (the
    training set, per channel) or ``"test"`` (the test set with the TRAINING statistics)."""
    generator = rng()
    means, spreads = np.array([60.0, 120.0, 200.0]), np.array([10.0, 40.0, 20.0])
    train = means + spreads * generator.normal(size=(40, 4, 4, 3))
    test = means + 15 + 1.5 * spreads * generator.normal(size=(10, 4, 4, 3))
    train, test = (np.clip(a, 0, 255).astype("uint8") for a in (train, test))
    got = call(fn, "normalize_with_training_stats", train.copy(), test.copy())
    expect(
        isinstance(got, (tuple, list)) and len(got) == 2,
        "Devolva a tupla (x_train_normalizado, x_test_normalizado).",
    )
    a, b = (np.asarray(v, dtype=np.float64) for v in got)
    expect(a.shape == train.shape and b.shape == test.shape, "Mantenha as formas dos arrays.")
    data = train.astype(np.float64)
    mean, std = data.mean(axis=(0, 1, 2)), data.std(axis=(0, 1, 2))
    if part == "train":
        expect(
            np.allclose(a, (data - mean) / std, atol=1e-3),
            "O treino normalizado deve ter média 0 e desvio 1 em CADA canal: (x − média) / "
            "desvio, com média e desvio por canal (axis=(0, 1, 2)).",
        )
    else:
        expect(
            np.allclose(b, (test.astype(np.float64) - mean) / std, atol=1e-3),
            "Normalize o teste com a média e o desvio padrão por canal do TREINO (não com os "
            "do próprio teste).",
        )
    passed(
        "normalize_with_training_stats normaliza o treino por canal."
        if part == "train"
        else "normalize_with_training_stats normaliza o teste com as estatísticas do treino."
    )


# ---------------------------------------------------------------------------- exercise 6


def pad_to_32(fn) -> None:
    """Check ``pad_to_32(images)``: (N, 28, 28) → (N, 32, 32), a black border of 2 pixels."""
    generator = rng()
    images = generator.integers(1, 256, size=(int(generator.integers(2, 9)), 28, 28))
    images = images.astype("uint8")
    got = call(fn, "pad_to_32", images.copy())
    expect(isinstance(got, np.ndarray), f"Devolva um np.ndarray, não {type(got).__name__}.")
    expect(
        got.shape == (len(images), 32, 32),
        f"Forma {got.shape}; esperava {(len(images), 32, 32)}.",
    )
    expect(got.dtype == images.dtype, f"Mantenha o dtype uint8 (veio {got.dtype}).")
    expect(
        np.array_equal(got[:, 2:30, 2:30], images),
        "A imagem original deve ficar intacta no centro (2 pixels de borda de cada lado).",
    )
    border = got.copy()
    border[:, 2:30, 2:30] = 0
    expect(not border.any(), "A borda deve ser preta (0).")
    passed("pad_to_32 põe 2 pixels pretos em volta: 28×28 → 32×32.")


def fashion_augmentation(fn) -> None:
    """Check ``fashion_augmentation()``: augmentation layers without flips, inactive in
    inference, that keep 32×32×1."""
    import keras

    aug = call(fn, "fashion_augmentation")
    expect(
        isinstance(aug, keras.layers.Layer),
        f"Devolva um keras.Sequential de camadas de aumento, não {type(aug).__name__}.",
    )
    layers = _flat(aug) if hasattr(aug, "layers") else [aug]
    kinds = [type(l).__name__ for l in layers]
    expect(any(k.startswith("Random") for k in kinds), "Use camadas keras.layers.Random….")
    expect("RandomFlip" not in kinds, "Nada de RandomFlip no Fashion-MNIST: as peças têm lado.")
    x = rng().uniform(0, 1, size=(4, 32, 32, 1)).astype("float32")
    off = np.asarray(aug(x, training=False))
    expect(
        off.shape == x.shape and np.allclose(off, x, atol=1e-5),
        "Com training=False o aumento deve devolver a imagem intacta, 32×32×1.",
    )
    on = np.asarray(aug(x, training=True))
    expect(on.shape == x.shape, f"O aumento mudou a forma para {on.shape[1:]}.")
    passed("fashion_augmentation: sem espelhamento, ativo só no treino, 32×32×1.")


# ---------------------------------------------------------------------------- exercise 7


def select_airplanes_ships(fn) -> None:
    """Check ``select_airplanes_ships(images, labels)``: airplane (0) → 0, ship (8) → 1."""
    generator = rng()
    n = int(generator.integers(30, 80))
    images = generator.integers(0, 256, size=(n, 2, 2, 3), dtype=np.uint8)
    images[:, 0, 0, 0] = np.arange(n)
    labels = generator.integers(0, 10, size=(n, 1)).astype(np.uint8)
    labels[:4, 0] = [0, 8, 8, 0]
    got = call(fn, "select_airplanes_ships", images.copy(), labels.copy())
    expect(
        isinstance(got, (tuple, list)) and len(got) == 2,
        "Devolva a tupla (imagens, rotulos).",
    )
    x, y = np.asarray(got[0]), np.asarray(got[1])
    flat = labels.ravel()
    keep = (flat == 0) | (flat == 8)
    expect(
        x.shape == images[keep].shape and np.array_equal(x, images[keep]),
        "As imagens devem ser só os aviões e navios, na ordem original.",
    )
    expect(y.shape == (int(keep.sum()),), f"Rótulos de forma (M,); veio {y.shape}.")
    expect(
        np.array_equal(y, (flat[keep] == 8).astype(int)),
        "Rótulos: avião → 0 e navio → 1, na ordem das imagens.",
    )
    expect(np.issubdtype(y.dtype, np.integer), f"Use rótulos inteiros (veio {y.dtype}).")
    passed("select_airplanes_ships separa aviões (0) e navios (1), na ordem.")
