"""Static scan of one answer cell for code that tampers with grading; nothing is executed.

:func:`scan` converts the cell as IPython would (magics, ``!``), parses it and returns short
reasons in Portuguese. A finding keeps the score and only marks the submission for a human,
so every rule targets what an honest answer to a course exercise never does. Names bound in
other cells of the lesson (``np``, ``plt``, ``check``...) resolve as the lesson binds them;
literal code (``exec("...")``, a ``%%time`` body) is scanned in turn, computed code flagged.
"""

from __future__ import annotations

import ast
import re

__all__ = ["scan"]

MAX_DEPTH = 4  # levels of literal code scanned in turn


def _p(names: str) -> re.Pattern:
    """Dotted names (blank-separated) and their members; ``*`` is the rest of one part."""
    alts = "|".join(re.escape(n).replace(r"\*", r"[^.]*") for n in names.split())
    return re.compile(rf"(?:{alts})(?:\..*)?")


IPYTHON_ATTRS = """
    events ast_transformers input_transformers_cleanup input_transformers_post
    input_transformer_manager set_custom_exc showtraceback run_cell run_cell_async run_code
    run_ast_nodes ex ev push user_ns user_global_ns register_magic_function register_magics
    magics_manager magic find_magic find_line_magic find_cell_magic display_pub displayhook
    display_formatter excepthook set_hook kernel prefilter_manager extension_manager
""".split()
TABLE = """
cria processo: os.fork os.forkpty os.system os.popen os.exec* os.spawn* os.posix_spawn* posix
    subprocess multiprocessing pty asyncio.create_subprocess_*
cria thread: threading.Thread threading.Timer _thread concurrent.futures
mexe em sinais ou no fim do processo: os.kill os.killpg os._exit os.abort signal.signal
    signal.alarm signal.setitimer signal.pthread_kill signal.raise_signal atexit
usa ctypes: ctypes _ctypes cffi
acessa a rede: socket _socket ssl urllib urllib3 http.client http.server requests httpx aiohttp
    ftplib smtplib poplib imaplib telnetlib socketserver xmlrpc webbrowser
mexe no interpretador: builtins __builtins__ sys.modules sys.meta_path sys.path sys.path_hooks
    sys.path_importer_cache sys.settrace sys.setprofile sys.addaudithook sys._getframe
    sys._current_frames threading.settrace threading.setprofile gc.get_referrers
    gc.get_referents gc.get_objects inspect.currentframe inspect.stack inspect.trace
    inspect.getouterframes
usa a maquinaria de import: importlib.reload importlib.util importlib.machinery importlib.abc
    runpy zipimport
usa internos do IPython: sys.excepthook sys.displayhook sys.__excepthook__ sys.__displayhook__
    ipykernel IPython.core.interactiveshell IPython.core.events IPython.core.inputtransformer*
    IPython.core.magic {ipython}
usa o módulo de verificação do curso: check autograder.checks autograder.probes grader nbgrader
usa execução dinâmica: exec eval compile __import__ importlib.import_module
""".format(ipython=" ".join(f"get_ipython().{a}" for a in IPYTHON_ATTRS))
RULES = {
    reason: _p(names) for reason, names in re.findall(r"^(\S[^:]*): (.*(?:\n .*)*)", TABLE, re.M)
}
"""Reason (Portuguese) → the names it flags wherever they are used or imported."""
DYNAMIC = "usa execução dinâmica"  # flagged when passed around; calls are checked apart
FILE_FUNCS = _p("""
    open io.open os.open os.remove os.unlink os.rename os.renames os.replace os.chmod os.chown
    os.lchown os.symlink os.link os.makedirs os.mkdir os.rmdir os.removedirs os.truncate
    os.utime os.listdir os.scandir os.walk os.chdir os.stat os.path shutil pathlib glob tempfile
    numpy.save numpy.savez* numpy.savetxt numpy.load numpy.loadtxt numpy.genfromtxt
    numpy.fromfile numpy.memmap cv2.imwrite cv2.imread PIL.Image.open matplotlib.pyplot.savefig
    matplotlib.pyplot.imread matplotlib.pyplot.imsave keras.utils.load_img
    keras.models.load_model keras.saving.load_model sqlite3.connect zipfile tarfile
    nbformat.read nbformat.write
""")
FILE_METHODS = set("""
    tofile save save_weights load_weights savefig open write_text write_bytes read_text
    read_bytes joinpath
""".split())
WATCHED_WORDS = "gradebook solutions grading submitted autograded site-packages nbgrader".split()
DEFAULTS = dict(pair.split("=") for pair in """
    np=numpy plt=matplotlib.pyplot tf=tensorflow mpl=matplotlib pd=pandas plots=autograder.plots
    settings=autograder.settings data=autograder.data imagenet=autograder.imagenet
    resources=autograder.resources _probe=autograder.probes _os=os _tempfile=tempfile
    Path=pathlib.Path _Path=pathlib.Path _Image=PIL.Image
""".split())  # what the lessons bind before any answer cell
MODULE_ROOTS = set("""
    numpy matplotlib tensorflow keras sklearn scipy skimage cv2 PIL pandas seaborn torch
    autograder check grader nbgrader nbformat IPython os sys builtins math random time json re
    io shutil subprocess importlib inspect gc types functools itertools collections operator
    copy pickle pathlib tempfile warnings logging threading signal socket ctypes multiprocessing
    urllib requests atexit traceback contextlib unittest pytest
""".split())
MODULES = set("np numpy plt matplotlib keras tf tensorflow sklearn cv2 os sys builtins".split())
"""Names that are modules in every lesson, even where the cell also binds them."""
REBIND = MODULES | set("""
    isinstance issubclass hasattr getattr setattr callable len abs float int bool AssertionError
    open get_ipython exec eval compile __import__
""".split())  # names whose top-level rebinding changes what the hidden tests see
INTERNAL_ATTRS = set("""
    __code__ __globals__ __closure__ __defaults__ __kwdefaults__ __subclasses__ __builtins__
    f_back f_globals f_locals f_builtins f_trace gi_frame cr_frame ag_frame tb_frame
""".split())
STORE_ATTRS = {"__class__", "__bases__", "__dict__"}
GET_IPYTHON = {"get_ipython", "IPython.get_ipython", "IPython.core.getipython.get_ipython"}
EXECUTORS = {"exec", "eval", "compile", "builtins.exec", "builtins.eval", "builtins.compile"}
IMPORTERS = {"__import__", "builtins.__import__", "importlib.import_module"}
SHELL_MAGICS = set("""
    system sx sh bash zsh script run pip conda mamba micromamba writefile file load cd pushd popd
    alias perl ruby python python2 python3 pypy cat cp mv rm mkdir rmdir ln ls ll lf lk lx ldir
    less more man
""".split())
CODE_MAGICS = {"time", "timeit", "prun", "capture", "debug"}
BINDERS = (ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.comprehension)


def scan(source: str) -> list[str]:
    """Reasons (Portuguese) to review one answer cell by hand; none for honest code, and
    none for a cell that does not parse (the grader reports syntax errors elsewhere)."""
    return _scan(source, 0)


def _scan(source: str, level: int) -> list[str]:
    try:  # IPython's own conversion; without it, plain Python is still worth a look
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:
        pass
    try:
        visitor = _Visitor(tree := ast.parse(source), level)
        visitor.visit(tree)
    except (SyntaxError, ValueError, MemoryError):
        return []
    except RecursionError:
        return ["código aninhado demais para ser analisado"]
    return visitor.found


def _short(text: str | None, size: int = 40) -> str:
    text = "…" if text is None else " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _src(node: ast.AST) -> str:
    return _short(ast.unparse(node))


def _const(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _outside(text: str, strict: bool = False) -> bool:
    """Whether a path leaves the working folder or names grading files; ``strict`` (for
    calls not known to touch files) also asks for a path look: two parts and no spaces."""
    t = text.strip().lower()
    parts = [p for p in re.split(r"[\\/]", t) if p]
    if strict and (len(parts) < 2 or re.search(r"\s", t)):
        return False
    colab = re.match(r"/content(/|$)", t)  # the working folder on Colab
    absolute = t.startswith(("/", "~", "\\")) and not colab or ".." in parts
    return absolute or bool(re.search(r"\.pth\b", t)) or any(w in t for w in WATCHED_WORDS)


class _Visitor(ast.NodeVisitor):
    """One pass over a parsed cell; ``found`` holds the reasons, deduplicated, in order."""

    def __init__(self, tree: ast.Module, level: int):
        self.level, self.depth, self.found = level, 0, []
        self.alias, self.bound, self.consts = {}, set(), {}
        for node in ast.walk(tree):  # names the cell binds: imports, and its own variables
            if isinstance(node, ast.Import):
                for a in node.names:  # import a.b binds a; import a.b as c binds c to a.b
                    top = a.name.split(".")[0]
                    self.alias[a.asname or top] = a.name if a.asname else top
            elif isinstance(node, ast.ImportFrom):
                mod = "." * node.level + (node.module or "")
                self.alias.update({a.asname or a.name: f"{mod}.{a.name}" for a in node.names})
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                self.bound.add(node.id)
            elif isinstance(node, BINDERS):
                self.bound.add(getattr(node, "arg", None) or node.name)
        self.roots = MODULE_ROOTS | {v.split(".")[0] for v in self.alias.values()}
        assigns = [n for n in ast.walk(tree) if isinstance(n, ast.Assign)]
        for node in sorted(assigns, key=lambda n: (n.lineno, n.col_offset)):  # x = np, ip = …
            resolved, text = self._name(node.value), self._text(node.value)
            for name in (t.id for t in node.targets if isinstance(t, ast.Name)):
                if self._is_root(resolved) or (resolved or "").startswith("get_ipython"):
                    self.alias[name] = resolved
                if text is not None:
                    self.consts[name] = text

    def add(self, reason: str) -> None:
        if reason not in self.found:
            self.found.append(reason)

    def _name(self, node, own: bool = True) -> str | None:
        """Dotted name of an expression, resolved through imports and aliases; None for
        the cell's own variables (unless ``own`` is false and the name is in MODULES)."""
        if isinstance(node, ast.Name):
            if node.id in self.alias:
                return self.alias[node.id]
            if node.id in self.bound and (own or node.id not in MODULES):
                return None
            return DEFAULTS.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self._name(node.value, own)
            return base and f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            func = self._name(node.func)
            if func in GET_IPYTHON:
                return "get_ipython()"
            return _const(node.args[0]) if func in IMPORTERS and node.args else None
        return None

    def _is_root(self, name: str | None) -> bool:
        return bool(name) and name.split(".")[0] in self.roots

    def _is_module(self, node) -> bool:
        return self._is_root(self._name(node, own=False))

    def _text(self, node) -> str | None:
        """Text of a string built from literals; '…' stands for the parts computed."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            value = node.value
            return value if isinstance(value, str) else value.decode("latin-1")
        if isinstance(node, ast.JoinedStr):
            return "".join(self._text(v) or "…" for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            left, right = self._text(node.left), self._text(node.right)
            if isinstance(node.op, ast.Mod) or left is None and right is None:
                return left
            return (left or "…") + (right or "…")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return self._text(node.func.value) if node.func.attr == "format" else None
        return self.consts.get(node.id) if isinstance(node, ast.Name) else None

    def _rule(self, name: str, callee: bool = False) -> bool:
        for reason, pattern in RULES.items():
            if pattern.fullmatch(name) and not (callee and reason == DYNAMIC):
                self.add(f"{reason}: {name}")
                return True
        return False

    def _namespace(self, node) -> bool:
        """``globals()``, ``locals()``, ``vars()``, ``vars(module)`` or ``module.__dict__``."""
        if isinstance(node, ast.Attribute):
            return node.attr == "__dict__" and self._is_module(node.value)
        func = self._name(node.func) if isinstance(node, ast.Call) else None
        module_arg = not node.args or self._is_module(node.args[0]) if func == "vars" else False
        return func in ("globals", "locals") or module_arg

    def generic_visit(self, node):
        scoped = isinstance(node, SCOPES)
        if scoped and self.depth == 0 and getattr(node, "name", None) in REBIND:
            self.add(f"substitui nome usado pelos testes: {node.name} = …")
        self.depth += scoped
        super().generic_visit(node)
        self.depth -= scoped

    def visit_Import(self, node):
        for a in node.names:
            self._rule(a.name)

    def visit_ImportFrom(self, node):
        mod = "." * node.level + (node.module or "")
        for a in node.names:
            star = a.name == "*" and mod in ("os", "sys", "builtins", "IPython")
            if not self._rule(f"{mod}.{a.name}") and star:
                self.add(f"importa tudo de {mod}: from {mod} import *")

    def visit_Global(self, node):
        for name in set(node.names) & REBIND:
            self.add(f"substitui nome usado pelos testes: global {name}")

    def visit_Name(self, node):
        if self.depth == 0 and not isinstance(node.ctx, ast.Load) and node.id in REBIND:
            self.add(f"substitui nome usado pelos testes: {node.id} = …")
        if name := self._name(node):
            self._rule(name, getattr(node, "_callee", False))

    def visit_Attribute(self, node):
        base = node
        while isinstance(base, ast.Attribute):
            if base.attr in INTERNAL_ATTRS:
                self.add(f"usa atributo interno do Python: {base.attr}")
            base = base.value
        store, deleted = not isinstance(node.ctx, ast.Load), isinstance(node.ctx, ast.Del)
        if store and node.attr in STORE_ATTRS:
            self.add(f"usa atributo interno do Python: {_src(node)} = …")
        elif store and self._is_module(node.value):
            target = f"del {_src(node)}" if deleted else f"{_src(node)} = …"
            self.add(f"altera o módulo importado: {target}")
        elif name := self._name(node):
            self._rule(name, getattr(node, "_callee", False))
        if not isinstance(base, ast.Name):  # the chain itself was judged as a whole
            self.visit(base)

    def visit_Subscript(self, node):
        if not isinstance(node.ctx, ast.Load) and self._namespace(node.value):
            self.add(f"altera o espaço de nomes: {_src(node.value)}[…] = …")
        self.generic_visit(node)

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Div):  # a str on either side of / makes a pathlib path
            for text in (_const(node.left), _const(node.right)):
                if text is not None and _outside(text):
                    self.add(f"acessa arquivo fora da pasta: … / {_short(text)!r}")
        self.generic_visit(node)

    def visit_Constant(self, node):  # getattr(f, "__globals__"), globals()["__builtins__"]
        if isinstance(node.value, str) and node.value in INTERNAL_ATTRS:
            self.add(f"usa atributo interno do Python: {node.value}")

    def visit_Call(self, node):
        func, first = node.func, node.args[0] if node.args else None
        func._callee, name = True, self._name(node.func) or ""
        if name in EXECUTORS and _const(first) is not None:
            self._extend(_const(first))
        elif name in EXECUTORS:
            self.add(f"executa código calculado: {_src(func)}(…)")
        elif name in IMPORTERS and _const(first) is not None:
            self._rule(_const(first))
        elif name in IMPORTERS:
            self.add(f"importa módulo de nome calculado: {_src(func)}(…)")
        elif name.startswith("get_ipython()."):
            self._magic(name.split(".", 1)[1], [_const(a) for a in node.args])
        obj = first if name.removeprefix("builtins.") in ("setattr", "delattr") else None
        if isinstance(func, ast.Attribute) and func.attr in ("__setattr__", "__delattr__"):
            obj = func.value if self._is_module(func.value) else first
        if obj is not None and self._is_module(obj):
            self.add(f"altera o módulo importado: {_src(func)}({_src(obj)}, …)")
        method = func.attr if isinstance(func, ast.Attribute) else None
        if method in ("update", "setdefault", "pop", "clear", "__setitem__", "__delitem__"):
            if self._namespace(func.value):
                self.add(f"altera o espaço de nomes: {_src(func)}(…)")
        lenient = FILE_FUNCS.fullmatch(name) or method in FILE_METHODS
        for arg in node.args + [k.value for k in node.keywords]:
            text = self._text(arg)
            if text is not None and _outside(text, strict=not lenient):
                self.add(f"acessa arquivo fora da pasta: {_src(func)}({_short(text, 24)!r})")
                break
        self.generic_visit(node)

    def _extend(self, code: str) -> None:
        for reason in _scan(code, self.level + 1) if self.level < MAX_DEPTH else []:
            self.add(reason)

    def _magic(self, method: str, texts: list[str | None]) -> None:
        """``get_ipython().system(...)`` and magics, as IPython converts ``!`` and ``%``."""
        if method in ("system", "getoutput", "system_raw", "system_piped"):
            self.add(f"executa comando do shell: !{_short(texts[0] if texts else None)}")
        if method not in ("run_line_magic", "run_cell_magic"):
            return
        magic, rest = (texts or [None])[0], texts[1:]
        prefix = f"{'%%' if method == 'run_cell_magic' else '%'}{magic or '…'}"
        if magic is None:
            self.add(f"executa magia de nome calculado: {method}(…)")
        elif magic in SHELL_MAGICS:
            line = rest[0] if rest and rest[0] else ""
            self.add(f"usa magia que executa comandos: {_short(f'{prefix} {line}')}")
        elif magic in CODE_MAGICS:
            for i, code in enumerate(rest):
                if code is None:
                    self.add(f"executa código calculado: {prefix}")
                else:  # a line's code comes after options such as "-n 10"
                    self._extend(code if i else re.sub(r"^(\s*-\w+(\s+\d\S*)?)*", "", code))
