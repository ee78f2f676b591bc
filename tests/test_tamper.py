"""Static tamper scan of answer cells: honest code gives nothing, each rule fires on its case."""

import textwrap
from pathlib import Path

import nbformat
import pytest

from grader.tamper import scan

ROOT = Path(__file__).resolve().parent.parent
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def answer_cells(pattern):
    for path in sorted(ROOT.glob(pattern)):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
                lines = cell.source.splitlines()
                source = "\n".join(line for line in lines if line.strip() not in MARKERS)
                yield pytest.param(
                    source, id=f"{path.stem}:{cell.metadata.nbgrader.get('grade_id')}"
                )


HONEST = {
    "numpy": "x = np.ravel(labels)\ntop = np.argsort(probs, axis=1)[:, -k:]\nnp.random.seed(0)",
    "keras_model": """
        model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=1, verbose=0)
    """,
    "keras_layer": """
        class Escala(keras.layers.Layer):
            def __init__(self, factor, **kwargs):
                super().__init__(**kwargs)
                self.factor = factor

            def call(self, x, training=None):
                return x * self.factor
    """,
    "trainable": "layer.trainable = False\nfor l in model.layers:\n    l.trainable = False",
    "sklearn": "from sklearn.metrics import roc_curve\nfpr, tpr, _ = roc_curve(y, s)",
    "sklearn_module": "from sklearn import metrics\nauc = metrics.auc(fpr, tpr)",
    "seed": "keras.utils.set_random_seed(1)\ntf.random.set_seed(1)",
    "plot": "plt.plot(fpr, tpr)\nplt.title('Curva ROC / limiar')\nplt.savefig('roc.png')",
    "rcparams": "plt.rcParams['figure.figsize'] = (8, 4)",
    "files": """
        import os

        import cv2

        def save(images, prefix, folder="."):
            path = os.path.join(folder, f"{prefix}1.png")
            cv2.imwrite(path, images[0])
            return np.fromfile(path, dtype=np.uint8), open(path).read()
    """,
    "relative": "dados = np.fromfile('amostra.bin', dtype=np.uint8)\nmodel.save('modelo.keras')",
    "pathlib": "folder = Path('minhas_imagens')\npaths = sorted(folder.glob('*.png'))",
    "comprehension": "pares = [(a, b) for a, b in zip(x, y) if a]\nf = lambda v: v * 2",
    "import_os": "import os",
    "stdout_read": "import sys\nprint('pronto', file=sys.stderr)\nsys.stdout.flush()",
    "own_check_variable": "check = labels == 5\ntotal = check.sum()",
    "own_data_variable": "data = np.zeros(3)\ndata.flags.writeable = False",
    "matplotlib_magic": "%matplotlib inline\nx = 1",
    "time_magic": "%%time\nmodel.fit(x, y, verbose=0)",
    "literal_eval": "valor = eval('1 + 1')",
    "literal_import": "m = __import__('math')\nprint(m.pi)",
    "ellipsis_print": "print('Carregando...')\nprint('/'.join(partes))",
    "self_dict": "class A:\n    def __init__(self, **kw):\n        self.__dict__.update(kw)",
    "ipython_display": "from IPython.display import display, Image\ndisplay(Image(p))",
    "inspect_signature": "import inspect\nparams = inspect.signature(f).parameters",
    "class_name": "nome = modelo.__class__.__name__ + type(x).__name__",
    "colab_path": "img = keras.utils.load_img('/content/minhas_imagens/gato.jpg')",
    "listdir": "arquivos = os.listdir('.') + os.listdir('minhas_imagens')",
    "checkpoint": "cb = keras.callbacks.ModelCheckpoint('melhor.keras', save_best_only=True)",
    "slash_title": "plt.title('Acurácia/Perda')\nprint(f'{a}/{b}')\nx = x / 255.0",
    "env_var": "os.environ['TF_CPP_MIN_LOG_LEVEL'] = '2'",
    "thread_lock": "import threading\nlock = threading.Lock()",
    "check_prefix": "def check_shape(x):\n    return x.shape\ncheck_shape(np.zeros(2))",
    "docstring": 'def f(x):\n    """Devolve x: não usa __code__."""\n    return x',
}


@pytest.mark.parametrize("source", answer_cells("solutions/*/*.ipynb"))
def test_solutions_are_not_flagged(source):
    assert scan(source) == []


@pytest.mark.parametrize("source", answer_cells("lessons/*/*.ipynb"))
def test_lesson_templates_are_not_flagged(source):
    assert scan(source) == []


def test_every_solution_notebook_has_answer_cells():
    assert len(list(answer_cells("solutions/*/*.ipynb"))) >= 20


@pytest.mark.parametrize("source", HONEST.values(), ids=HONEST.keys())
def test_honest_code_is_not_flagged(source):
    assert scan(textwrap.dedent(source)) == []


IPY = "usa internos do IPython: get_ipython()."
FLAGGED = [
    # changes to imported modules, aliases included
    ("np.allclose = lambda *a, **k: True", "altera o módulo importado: np.allclose"),
    ("import sklearn.metrics\nsklearn.metrics.roc_curve = f", "altera o módulo importado"),
    ("check.read_cifar10_bin = lambda p: None", "altera o módulo importado"),
    ("import numpy as n\nn.x = 1", "altera o módulo importado: n.x"),
    ("from sklearn import metrics as m\nm.auc = f", "altera o módulo importado: m.auc"),
    ("setattr(np, 'array_equal', f)", "altera o módulo importado: setattr(np"),
    ("delattr(keras, 'layers')", "altera o módulo importado: delattr(keras"),
    ("np.testing.assert_allclose += 1", "altera o módulo importado"),
    ("del np.array_equal", "altera o módulo importado: del np.array_equal"),
    ("object.__setattr__(np, 'allclose', f)", "altera o módulo importado"),
    ("def f():\n    np = None\nnp.allclose = g", "altera o módulo importado"),
    ("alias = np\nalias.allclose = f", "altera o módulo importado"),
    ("np = FakeNumpy()", "substitui nome usado pelos testes: np"),
    ("isinstance = lambda *a: True", "substitui nome usado pelos testes: isinstance"),
    ("globals()['np'] = fake", "altera o espaço de nomes: globals()"),
    ("vars(np)['allclose'] = f", "altera o espaço de nomes: vars(np)"),
    ("np.__dict__.update(allclose=f)", "altera o espaço de nomes"),
    # interpreter internals
    ("import builtins\nbuiltins.print = f", "altera o módulo importado: builtins.print"),
    ("__builtins__.len = f", "mexe no interpretador: __builtins__"),
    ("import builtins", "mexe no interpretador: builtins"),
    ("sys.modules['numpy'] = fake", "mexe no interpretador: sys.modules"),
    ("sys.meta_path.insert(0, Finder())", "mexe no interpretador: sys.meta_path"),
    ("sys.path_hooks.append(h)", "mexe no interpretador: sys.path_hooks"),
    ("sys.settrace(t)", "mexe no interpretador: sys.settrace"),
    ("import sys\nsys.setprofile(t)", "mexe no interpretador: sys.setprofile"),
    ("import gc\ngc.get_referrers(np.allclose)", "mexe no interpretador: gc.get_referrers"),
    ("import inspect\nframe = inspect.currentframe()", "mexe no interpretador: inspect"),
    ("frame = sys._getframe(1)", "mexe no interpretador: sys._getframe"),
    ("g = frame.f_back.f_globals", "usa atributo interno do Python: f_back"),
    ("f.__code__ = g.__code__", "usa atributo interno do Python: __code__"),
    ("ns = f.__globals__", "usa atributo interno do Python: __globals__"),
    ("c = f.__closure__", "usa atributo interno do Python: __closure__"),
    ("f.__defaults__ = (1,)", "usa atributo interno do Python: __defaults__"),
    ("f.__kwdefaults__ = {}", "usa atributo interno do Python: __kwdefaults__"),
    ("x.__class__ = Fake", "usa atributo interno do Python: x.__class__ = …"),
    ("object.__subclasses__()", "usa atributo interno do Python: __subclasses__"),
    ("ns = getattr(f, '__globals__')", "usa atributo interno do Python: __globals__"),
    # IPython internals and hooks
    ("get_ipython().events.register('post_run_cell', f)", IPY + "events.register"),
    ("get_ipython().input_transformers_cleanup.append(f)", IPY + "input_transformers_cleanup"),
    ("get_ipython().input_transformers_post.append(f)", IPY + "input_transformers_post"),
    ("get_ipython().ast_transformers.append(T())", IPY + "ast_transformers"),
    ("get_ipython().set_custom_exc((Exception,), h)", IPY + "set_custom_exc"),
    ("get_ipython().showtraceback = lambda *a: None", IPY + "showtraceback"),
    ("get_ipython().run_cell('x = 1')", IPY + "run_cell"),
    ("get_ipython().user_ns['np'] = fake", IPY + "user_ns"),
    ("get_ipython().register_magic_function(f)", IPY + "register_magic_function"),
    ("get_ipython().display_pub.publish = f", IPY + "display_pub"),
    ("get_ipython().displayhook = f", IPY + "displayhook"),
    ("get_ipython().kernel.do_execute = f", IPY + "kernel"),
    ("ip = get_ipython()\nip.events.register('pre_run_cell', f)", "get_ipython().events"),
    ("from IPython import get_ipython\nget_ipython().user_ns", "get_ipython().user_ns"),
    ("sys.excepthook = h", "altera o módulo importado: sys.excepthook"),
    ("h = sys.excepthook", "usa internos do IPython: sys.excepthook"),
    ("sys.displayhook = h", "altera o módulo importado: sys.displayhook"),
    ("sys.stdout = io.StringIO()", "altera o módulo importado: sys.stdout"),
    ("sys.stderr = open(os.devnull, 'w')", "altera o módulo importado: sys.stderr"),
    # processes, threads, signals
    ("os.fork()", "cria processo: os.fork"),
    ("os.system('ls')", "cria processo: os.system"),
    ("os.execv('/bin/sh', ['sh'])", "cria processo: os.execv"),
    ("os.spawnl(os.P_WAIT, 'x')", "cria processo: os.spawnl"),
    ("os.popen('ls').read()", "cria processo: os.popen"),
    ("os.kill(os.getppid(), 9)", "mexe em sinais ou no fim do processo: os.kill"),
    ("os.killpg(0, 9)", "mexe em sinais ou no fim do processo: os.killpg"),
    ("os._exit(0)", "mexe em sinais ou no fim do processo: os._exit"),
    ("import signal\nsignal.signal(signal.SIGALRM, h)", "signal.signal"),
    ("signal.alarm(1)", "mexe em sinais ou no fim do processo: signal.alarm"),
    ("import subprocess\nsubprocess.Popen(['ls'])", "cria processo: subprocess"),
    ("from subprocess import run", "cria processo: subprocess.run"),
    ("import subprocess as sp\nsp.check_output('ls')", "cria processo: subprocess.check_output"),
    ("import multiprocessing", "cria processo: multiprocessing"),
    ("import threading\nthreading.Thread(target=f).start()", "cria thread: threading.Thread"),
    ("from concurrent.futures import ThreadPoolExecutor", "cria thread: concurrent.futures"),
    ("import pty", "cria processo: pty"),
    ("import ctypes", "usa ctypes: ctypes"),
    ("import atexit\natexit.register(f)", "mexe em sinais ou no fim do processo: atexit"),
    ("from os import *", "importa tudo de os"),
    # network
    ("import socket", "acessa a rede: socket"),
    ("import urllib.request\nurllib.request.urlopen(u)", "acessa a rede: urllib"),
    ("import http.client", "acessa a rede: http.client"),
    ("import requests\nrequests.get(u)", "acessa a rede: requests"),
    ("import ftplib", "acessa a rede: ftplib"),
    ("import smtplib", "acessa a rede: smtplib"),
    # dynamic code
    ("exec(code)", "executa código calculado: exec(…)"),
    ("eval(expr)", "executa código calculado: eval(…)"),
    ("compile(src, 'x', 'exec')", "executa código calculado: compile(…)"),
    ("__import__('o' + 's')", "importa módulo de nome calculado: __import__(…)"),
    ("import importlib\nimportlib.import_module(name)", "importa módulo de nome calculado"),
    ("f = eval\nf('1')", "usa execução dinâmica: eval"),
    ("exec('import subprocess')", "cria processo: subprocess"),
    ('exec("np.allclose = f")', "altera o módulo importado: np.allclose"),
    ("__import__('os').system('ls')", "cria processo: os.system"),
    ("importlib.reload(np)", "usa a maquinaria de import: importlib.reload"),
    # files outside the working folder
    ("open('/work/main/grading/gradebook.db', 'wb')", "acessa arquivo fora da pasta: open("),
    ("open('../solutions/02_cifar10.ipynb')", "acessa arquivo fora da pasta: open("),
    ("open('~/.bashrc', 'a')", "acessa arquivo fora da pasta"),
    ("open('/content/../work/main/x')", "acessa arquivo fora da pasta"),
    ("open('gradebook.db')", "acessa arquivo fora da pasta"),
    ("os.remove('/tmp/x')", "acessa arquivo fora da pasta: os.remove("),
    ("os.makedirs('../submitted')", "acessa arquivo fora da pasta: os.makedirs("),
    ("import shutil\nshutil.copy('../x', 'y')", "acessa arquivo fora da pasta: shutil.copy("),
    ("Path('/work/main').write_text('x')", "acessa arquivo fora da pasta: Path("),
    ("p = Path(folder) / '..' / 'autograded'", "acessa arquivo fora da pasta"),
    ("np.save('/tmp/x.npy', a)", "acessa arquivo fora da pasta: np.save("),
    ("np.load('../solutions/y.npy')", "acessa arquivo fora da pasta: np.load("),
    ("a = np.fromfile('/etc/passwd', dtype=np.uint8)", "acessa arquivo fora da pasta"),
    ("a.tofile('/tmp/a.bin')", "acessa arquivo fora da pasta: a.tofile("),
    ("cv2.imwrite('/tmp/x.png', img)", "acessa arquivo fora da pasta: cv2.imwrite("),
    ("cv2.imread('../nbgrader/x.png')", "acessa arquivo fora da pasta: cv2.imread("),
    ("open('/usr/lib/python3/site-packages/x.pth', 'w')", "acessa arquivo fora da pasta"),
    ("open(f'/work/{aluno}/x')", "acessa arquivo fora da pasta"),
    ("alvo = '/work/main/grading/gradebook.db'\nopen(alvo, 'wb')", "acessa arquivo fora"),
    ("keras.models.load_model('/work/main/solutions/m.keras')", "acessa arquivo fora"),
    # the course's own check and probe modules
    ("check.read_cifar10_bin(path)", "usa o módulo de verificação do curso: check"),
    ("ok = check", "usa o módulo de verificação do curso: check"),
    ("from autograder.checks import lesson02", "usa o módulo de verificação do curso"),
    ("import autograder.probes", "usa o módulo de verificação do curso: autograder.probes"),
    ("from autograder import probes", "usa o módulo de verificação do curso"),
    ("import grader", "usa o módulo de verificação do curso: grader"),
    ("from nbgrader.api import Gradebook", "usa o módulo de verificação do curso: nbgrader"),
    # magics and shell escapes
    ("!pip install x", "executa comando do shell: !pip install x"),
    ("saida = !ls ..", "executa comando do shell: !ls .."),
    ("%system ls", "usa magia que executa comandos: %system ls"),
    ("%%bash\nls /\n", "usa magia que executa comandos: %%bash"),
    ("%%script bash\nls\n", "usa magia que executa comandos: %%script bash"),
    ("%run outro.py", "usa magia que executa comandos: %run outro.py"),
    ("%pip install requests", "usa magia que executa comandos: %pip install requests"),
    ("%conda install x", "usa magia que executa comandos: %conda install x"),
    ("%%time\n!ls\n", "executa comando do shell: !ls"),
    ("%timeit -n 10 os.system('ls')", "cria processo: os.system"),
    ("get_ipython().run_line_magic(nome, 'x')", "executa magia de nome calculado"),
]


@pytest.mark.parametrize("source, reason", FLAGGED, ids=[s for s, _ in FLAGGED])
def test_suspicious_code_is_flagged(source, reason):
    found = scan(source)
    assert any(reason in r for r in found), found


def test_reasons_are_short_deduplicated_and_ordered():
    found = scan("import subprocess\nsubprocess.run(['ls'])\nos.system('a')\nos.system('b')")
    assert found == [
        "cria processo: subprocess",
        "cria processo: subprocess.run",
        "cria processo: os.system",
    ]
    long_path = "open('/work/main/grading/" + "x" * 200 + "')"
    assert all(len(reason) < 100 for reason in scan(long_path))


def test_unparseable_source_gives_nothing():
    assert scan("def f(:\n    os.system('ls')") == []
    assert scan("") == []
