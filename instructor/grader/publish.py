"""``autograder publish``: the student-facing repository, written into a git work tree.

What is published is built from an allow-list, in memory, before anything is written:
``lessons/`` (as ``autograder generate`` generated it), the student package ``autograder/``
(no caches), ``data/``, the root ``pyproject.toml`` (with a student-facing description; the
wheel still carries ``data/`` as ``autograder/_data``), a generated README in Portuguese,
LICENSE if there is one, and a ``.gitignore``. Nothing of ``solutions/``, ``instructor/``,
``tests/``, ``tools/``, ``grading/`` or ``nbgrader_config.py`` is ever read into it.

Before writing, the command refuses when ``lessons/`` is out of date with ``solutions/``,
when the tag asked for is not the one the lessons install (``course.PACKAGE_REF``, unless
``force``), when a lesson's install line or badge does not point at ``course.REPOSITORY``,
or when any file about to be published contains solution or hidden-test text, their
markers, or a reference to the instructor side; the message names the offending file.
Then it commits the tree in the destination ("Publicação: <tag>") and creates the tag, so
that the instructor only pushes. It never pushes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import grading

PACKAGE = "autograder"
DATA = "data"
LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING")
NEVER_PUBLISHED = ("solutions", "instructor", "tests", "tools", "grading", ".ci")
"""Top-level folders of the course repository that must never appear in the published tree."""
SKIPPED_NAMES = {"__pycache__", ".ipynb_checkpoints", ".DS_Store"}
SKIPPED_SUFFIXES = (".pyc", ".pyo")

MARKER_RE = re.compile(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS)")
BLOCK_RE = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END", re.S)
VISIBLE_RE = re.compile(
    r"### BEGIN (SOLUTION|HIDDEN TESTS)\n.*?### END (SOLUTION|HIDDEN TESTS)", re.S
)
FORBIDDEN = [
    (MARKER_RE, "marcador de solução ou de teste oculto"),
    (
        re.compile(r"(?<![\w.])grader\.\w|\b(from|import) grader\b"),
        "referência ao pacote de correção (grader)",
    ),
    (re.compile(r"\bverdicts\b"), "referência aos vereditos da correção"),
    (re.compile(r"\binstructor\b"), "referência ao lado dos instrutores"),
    (re.compile(r"solutions/"), "referência a solutions/"),
    (re.compile(r"nbgrader_config"), "referência à configuração de correção"),
]
SOLUTION_LINE_LENGTH = 25
"""Lines of solution or hidden-test blocks longer than this must not appear anywhere."""
PUBLIC_LINES = {
    # lesson 03: the formula is in the exercise's text (EER = (FPR + FNR) / 2, FNR = 1 - TPR)
    # and the visible self-check computes it the same way
    "eer = (fpr[i] + 1 - tpr[i]) / 2",
    # lesson 03: the exercise's text gives it (n_treino = int(len(x) * (1 - fraction))) and
    # the self-check's docstring repeats it
    "n_train = int(len(x) * (1 - fraction))",
    # lesson 03: the self-check of first_misclassified computes the expected indices with
    # the same line (the check module is readable by students anyway)
    "predicted = y_pred.argmax(axis=1) if y_pred.ndim == 2 else np.ravel(y_pred)",
    # lesson 03: a compile argument that the package's own small models use too
    'loss="sparse_categorical_crossentropy",',
    # lesson 10: a generic conversion at the top of extract_patches; the package's plot
    # helpers start the same way
    "images = np.asarray(images)",
}
"""Solution lines that may appear in the published tree: each one is public knowledge."""

STUDENT_DESCRIPTION = (
    "Pacote do curso 'Redes convolucionais avançadas' (PSI5790) que as lições instalam no "
    "Colab: dados, gráficos, configuração e as verificações de cada exercício."
)

GITIGNORE = """\
__pycache__/
*.pyc
*.egg-info/
build/
dist/
.venv/
.ipynb_checkpoints/
# arquivos que as lições gravam quando rodadas a partir do clone
*.keras
*.h5
*.bin
lessons/**/*.png
"""

FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "Publicação do curso",
    "GIT_AUTHOR_EMAIL": "publicacao@example.invalid",
    "GIT_COMMITTER_NAME": "Publicação do curso",
    "GIT_COMMITTER_EMAIL": "publicacao@example.invalid",
}


class PublishError(grading.GradingError):
    """Publishing cannot go on; the message (Portuguese) says why and what to do."""


@dataclass
class Result:
    """What :func:`publish` did (or, with ``check``, would do)."""

    dest: Path
    tag: str
    branch: str = "main"
    files: dict = field(default_factory=dict)  # relative path -> bytes
    commit: str = ""
    written: bool = False
    unchanged: bool = False
    messages: list = field(default_factory=list)


# --------------------------------------------------------------------------- the course


def load_course(root):
    """The ``course`` module of the course at ``root`` (not necessarily the imported one)."""
    path = Path(root, PACKAGE, "course.py")
    if not path.is_file():
        raise PublishError(f"{path} não existe: é aí que ficam o repositório e a tag do curso.")
    spec = importlib.util.spec_from_file_location("_published_course", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lesson_notebooks(root) -> list[Path]:
    return sorted(Path(root, "lessons").glob("*/*.ipynb"))


def lesson_info(notebook: Path) -> dict:
    """Title, section of the apostila and Colab time, read from a lesson's first cell."""
    first = nbformat.read(notebook, 4).cells[0].source
    title = re.search(r"^# (?:Lição \d+[a-z]?\s*[—-]\s*)?(.+)$", first, re.M)
    # "**Apostila:** … · **Tempo no Colab com GPU:** … · …", wrapped over lines or not; the
    # supplementary lessons name their "**Fonte:**" and may say "**Tempo no Colab:**"
    field = r"\*\*{}:\*\*\s*([^·]+?)\s*(?:·|\n\n|$)"
    section = re.search(field.format("(?:Apostila|Fontes?)"), first)
    minutes = re.search(field.format("Tempo no Colab[^*:]*"), first)

    def one_line(match) -> str:
        return " ".join(match.group(1).split()) if match else ""

    return {
        "id": notebook.parent.name,
        "number": notebook.parent.name.split("_")[0],
        "path": f"lessons/{notebook.parent.name}/{notebook.name}",
        "title": title.group(1).strip() if title else notebook.stem,
        "section": one_line(section),
        "time": one_line(minutes),
    }


def install_specs(notebook: Path) -> list[str]:
    """The ``autograder @ git+https://...`` requirements of a notebook's ``%pip`` lines."""
    specs = []
    for cell in nbformat.read(notebook, 4).cells:
        if cell.cell_type == "code":
            specs += re.findall(r'%pip install[^\n"]*"(autograder @ [^"]+)"', cell.source)
    return specs


def link_problems(root, course) -> list[str]:
    """Lessons whose install line or Colab badge does not point where the course says."""
    problems = []
    notebooks = lesson_notebooks(root)
    if not notebooks:
        problems.append("lessons/ não tem nenhuma lição: rode `autograder generate`.")
    for notebook in notebooks:
        rel = f"lessons/{notebook.parent.name}/{notebook.name}"
        specs = install_specs(notebook)
        if not specs:
            problems.append(
                f'{rel}: nenhuma linha de instalação `%pip install "autograder @ ..."`.'
            )
        for spec in specs:
            if spec != course.pip_spec():
                problems.append(
                    f"{rel}: a linha de instalação instala {spec!r}, mas autograder/course.py "
                    f"pede {course.pip_spec()!r}. Rode `autograder format` e `autograder generate`."
                )
        text = notebook.read_text(encoding="utf-8")
        badges = re.findall(r"https://colab\.research\.google\.com/github/[^\"\\ )]*", text)
        if badges != [course.colab_url(rel)]:
            problems.append(
                f"{rel}: o badge do Colab aponta para {badges or 'nada'}, não para "
                f"{course.colab_url(rel)}. Rode `autograder format` e `autograder generate`."
            )
    return problems


# --------------------------------------------------------------------------- the tree


def _files_under(root: Path, folder: str) -> dict:
    files = {}
    base = root / folder
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIPPED_NAMES for part in rel.parts) or path.suffix in SKIPPED_SUFFIXES:
            continue
        if path.is_symlink():
            raise PublishError(f"{rel.as_posix()} é um link simbólico: não é publicado; remova-o.")
        if path.is_file():
            files[rel.as_posix()] = path.read_bytes()
    return files


def student_pyproject(root) -> str:
    """The root ``pyproject.toml`` with a student-facing description and without the test
    settings (``tests/`` is not published); everything the build needs is kept."""
    original = Path(root, "pyproject.toml").read_text(encoding="utf-8")
    text, count = re.subn(
        r'^description = ".*"$',
        lambda _: f'description = "{STUDENT_DESCRIPTION}"',
        original,
        count=1,
        flags=re.M,
    )
    if count != 1:
        raise PublishError('pyproject.toml: não achei a linha `description = "..."`.')
    text = re.sub(r"(?ms)^\[tool\.pytest\.ini_options\]\n.*?(?=^\[|\Z)", "", text)
    before, after = tomllib.loads(original), tomllib.loads(text)
    for key in ("build-system", "project"):
        before_part = {k: v for k, v in before.get(key, {}).items() if k != "description"}
        after_part = {k: v for k, v in after.get(key, {}).items() if k != "description"}
        if before_part != after_part:
            raise PublishError(f"pyproject.toml: a cópia publicada mudaria [{key}].")
    if before.get("tool", {}).get("hatch") != after.get("tool", {}).get("hatch"):
        raise PublishError("pyproject.toml: a cópia publicada mudaria [tool.hatch].")
    force_include = after.get("tool", {}).get("hatch", {}).get("build", {})
    force_include = force_include.get("targets", {}).get("wheel", {}).get("force-include", {})
    if force_include.get(DATA) != f"{PACKAGE}/_data":
        raise PublishError(
            "pyproject.toml: o wheel precisa levar data/ como autograder/_data "
            "([tool.hatch.build.targets.wheel.force-include])."
        )
    return text


def student_readme(root, course, tag: str) -> str:
    """The README of the published repository, for students (Portuguese)."""
    rows = []
    for notebook in lesson_notebooks(root):
        info = lesson_info(notebook)
        rows.append(
            f"| {info['number']} | {info['title']} | {info['section']} | {info['time']} | "
            f"{course.badge_markdown(info['path'])} |"
        )
    install = f'pip install "autograder @ git+https://github.com/{course.REPOSITORY}@{tag}"'
    return f"""\
# Redes convolucionais avançadas (PSI5790)

Lições práticas, em notebooks Jupyter e em português, que acompanham a apostila *Modelos
avançados de redes convolucionais* capítulo a capítulo: de redes pré-treinadas no ImageNet
e do CIFAR-10 até arquiteturas como VGG, Inception, ResNet e EfficientNet, passando por
aumento de dados e *ensembles*. Tudo em TensorFlow/Keras 3, pensado para rodar no Google
Colab com GPU. A tabela abaixo traz as lições publicadas até agora.

Versão publicada: **{tag}**.

## Lições

| lição | tema | apostila ou fonte | tempo no Colab | abrir |
|---|---|---|---|---|
{chr(10).join(rows)}

## Como rodar no Colab

1. Clique no botão **Abrir no Colab** da lição.
2. Salve uma cópia sua: *Arquivo → Salvar uma cópia no Drive*. Sem isso, o que você
   escrever se perde quando a sessão fecha.
3. Ative a GPU: *Ambiente de execução → Alterar o tipo de ambiente de execução → GPU*.
4. Execute as células de cima para baixo. A primeira instala o pacote do curso
   (`autograder`, versão {tag}) sem mexer no TensorFlow, no Keras nem no NumPy que o
   Colab já traz.
5. Escreva cada resposta na célula indicada, no lugar de `raise NotImplementedError()`
   (nas perguntas abertas, no lugar de `SUA RESPOSTA AQUI`). Logo depois vem uma célula de
   verificação: ela testa a sua resposta com entradas novas a cada execução e diz, em
   português, o que está certo e o que falta.

## Como entregar

1. Rode o notebook inteiro de novo, do começo (*Ambiente de execução → Reiniciar e executar
   tudo*), e confira que as verificações passam.
2. Baixe o notebook: *Arquivo → Baixar → Baixar .ipynb*. O nome pode ficar como o Colab
   deixar (por exemplo, `Copy of 02_cifar10.ipynb`).
3. Entregue o arquivo `.ipynb` no AVA da disciplina, na tarefa da lição.

Não apague nem mude as células de verificação e não troque células de lugar: a correção
usa as suas respostas nas células indicadas. A nota sai de testes com entradas novas,
então copiar números de uma execução não adianta.

## Rodando fora do Colab

Com Python 3.11 ou mais novo:

```bash
git clone https://github.com/{course.REPOSITORY}.git
cd {course.REPOSITORY.split("/")[-1]}
git checkout {tag}
python3 -m venv .venv && .venv/bin/pip install -e ".[course]"
.venv/bin/jupyter lab lessons/
```

Só o pacote, num ambiente que já tem TensorFlow: `{install}`.

Sem internet, aponte a variável `CIFAR10_DIR` para uma pasta com os lotes oficiais do
CIFAR-10 (versão python), ou use o modo rápido (`COURSE_SMOKE=1`), que reduz dados e épocas
e troca dados ausentes por um conjunto sintético, com aviso.
"""


def build_tree(root, tag: str) -> dict:
    """Every file to publish, as ``{relative posix path: bytes}``; nothing is written."""
    root = Path(root)
    course = load_course(root)
    files = {}
    files.update(_files_under(root, "lessons"))
    files.update(_files_under(root, PACKAGE))
    files.update(_files_under(root, DATA))
    files["pyproject.toml"] = student_pyproject(root).encode("utf-8")
    files["README.md"] = student_readme(root, course, tag).encode("utf-8")
    files[".gitignore"] = GITIGNORE.encode("utf-8")
    for name in LICENSE_NAMES:
        if (root / name).is_file():
            files[name] = (root / name).read_bytes()
    return files


# --------------------------------------------------------------------------- the scan


def solution_lines(root) -> set[str]:
    """Lines (stripped, longer than 25 characters) of the solution and hidden-test blocks of
    ``solutions/`` that are visible in no lesson (visible: outside those blocks, in any
    notebook), less :data:`PUBLIC_LINES`."""
    notebooks = [nbformat.read(p, 4) for p in sorted(Path(root, "solutions").glob("*/*.ipynb"))]
    visible = "\n".join(VISIBLE_RE.sub("", c.source) for nb in notebooks for c in nb.cells)
    secret = set()
    for nb in notebooks:
        for cell in nb.cells:
            for _, block in BLOCK_RE.findall(cell.source):
                for line in block.splitlines():
                    line = line.strip()
                    if len(line) > SOLUTION_LINE_LENGTH and line not in visible:
                        secret.add(line)
    return secret - PUBLIC_LINES


def searchable_text(path: str, content: bytes) -> str:
    """The text a scan searches: the file itself and, for notebooks, the cell sources."""
    text = content.decode("utf-8", errors="replace")
    if path.endswith(".ipynb"):
        try:
            nb = nbformat.reads(text, 4)
        except Exception:  # noqa: BLE001 - an unreadable notebook is scanned as text
            return text
        text += "\n" + "\n".join(c.source for c in nb.cells)
    return text


def scan(files: dict, root) -> list[str]:
    """``"path: reason"`` for every published file that must not be published."""
    secret = solution_lines(root)
    problems = []
    for path, content in sorted(files.items()):
        parts = path.split("/")
        if parts[0] in NEVER_PUBLISHED or parts[-1] == "nbgrader_config.py":
            problems.append(f"{path}: arquivo só dos instrutores")
            continue
        text = searchable_text(path, content)
        for pattern, reason in FORBIDDEN:
            match = pattern.search(text)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path}: {reason} ({match.group(0)!r}, linha {line})")
        for line in sorted(secret):
            if line in text:
                problems.append(f"{path}: texto de solução ou de teste oculto: {line[:80]!r}")
                break
    return problems


# --------------------------------------------------------------------------- git


def _git(dest, *args, check=True, env=None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["git", *args],
        cwd=dest,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if check and result.returncode != 0:
        raise PublishError(f"git {' '.join(args)} falhou em {dest}:\n{result.stderr.strip()}")
    return result


def blob_id(content: bytes) -> str:
    """Git's object id of a file with this content."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def tree_of(dest, rev: str) -> dict | None:
    """``{path: blob id}`` of a revision of ``dest`` (None if it does not exist)."""
    if _git(dest, "rev-parse", "-q", "--verify", f"{rev}^{{commit}}", check=False).returncode:
        return None
    listing = _git(dest, "ls-tree", "-r", "-z", rev).stdout
    tree = {}
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        tree[path] = meta.split()[2]
    return tree


def _identity(dest) -> dict:
    """Author variables for git when the instructor has none configured."""
    name = _git(dest, "config", "user.name", check=False).stdout.strip()
    email = _git(dest, "config", "user.email", check=False).stdout.strip()
    return {} if name and email else FALLBACK_IDENTITY


def check_dest(root, dest: Path, branch: str) -> bool:
    """Refuse a destination that is not safe to rewrite; True if it is already a repository."""
    root, dest = Path(root).resolve(), Path(dest).resolve()
    if dest == root or root in dest.parents or dest in root.parents:
        raise PublishError(
            f"{dest} fica dentro do clone do curso (ou o contém): publique numa pasta fora "
            f"de {root}."
        )
    if dest.exists() and not dest.is_dir():
        raise PublishError(f"{dest} existe e não é uma pasta.")
    if not dest.exists() or not any(dest.iterdir()):
        return False
    if not (dest / ".git").exists():
        raise PublishError(
            f"{dest} não está vazia e não é um repositório git: escolha uma pasta nova ou um "
            "clone do repositório dos alunos."
        )
    top = Path(_git(dest, "rev-parse", "--show-toplevel").stdout.strip()).resolve()
    if top != dest:
        raise PublishError(f"{dest} não é a raiz do repositório git ({top}).")
    if _git(dest, "--no-optional-locks", "status", "--porcelain").stdout.strip():
        raise PublishError(
            f"{dest} tem alterações sem commit: faça commit ou descarte-as antes de publicar."
        )
    current = _git(dest, "symbolic-ref", "--short", "-q", "HEAD", check=False).stdout.strip()
    if current != branch:
        raise PublishError(
            f"{dest} está no ramo {current or '(nenhum)'!r}, mas os badges do Colab abrem o "
            f"ramo {branch!r} (autograder/course.py, BRANCH): `git -C {dest} switch {branch}`."
        )
    return True


def write_tree(dest: Path, files: dict) -> None:
    """Replace everything in ``dest`` but ``.git`` with ``files``."""
    dest.mkdir(parents=True, exist_ok=True)
    for entry in dest.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for rel, content in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


# --------------------------------------------------------------------------- the command


def publish(root, dest, tag=None, check=False, force=False) -> Result:
    """Publish the course at ``root`` into the git work tree ``dest`` (see the module)."""
    root, dest = Path(root).resolve(), Path(dest).resolve()
    course = load_course(root)
    tag = tag or course.PACKAGE_REF
    result = Result(dest=dest, tag=tag, branch=course.BRANCH)
    if _git(root, "check-ref-format", f"refs/tags/{tag}", check=False).returncode:
        raise PublishError(f"{tag!r} não é um nome de tag válido no git.")
    if tag != course.PACKAGE_REF:
        if not force:
            raise PublishError(
                f"a tag pedida ({tag}) difere de PACKAGE_REF em autograder/course.py "
                f"({course.PACKAGE_REF}), que é a versão que as lições instalam. Mude "
                "PACKAGE_REF, rode `autograder format` e `autograder generate`, ou use --force."
            )
        result.messages.append(
            f"aviso: as lições continuam instalando {course.PACKAGE_REF}, não {tag} (--force)."
        )
    is_repo = check_dest(root, dest, course.BRANCH)

    problems = link_problems(root, course)
    if problems:
        raise PublishError("as lições não apontam para o lugar certo:\n  " + "\n  ".join(problems))
    files = build_tree(root, tag)
    problems = scan(files, root)
    if problems:
        raise PublishError(
            "publicação recusada: estes arquivos têm conteúdo que não pode ir para os alunos:\n  "
            + "\n  ".join(problems)
        )
    planned = {path: blob_id(content) for path, content in files.items()}
    tagged = tree_of(dest, f"refs/tags/{tag}") if is_repo else None
    if tagged is not None and tagged != planned and not force:
        raise PublishError(
            f"a tag {tag} já existe em {dest} com outro conteúdo: publique uma versão nova "
            "(mude PACKAGE_REF em autograder/course.py) ou use --force para mover a tag."
        )
    drift = grading.generate_drift(root)
    if drift:
        raise PublishError(
            "lessons/ está desatualizado em relação a solutions/: "
            + ", ".join(drift)
            + ". Rode `autograder generate`, confira e faça commit antes de publicar."
        )
    result.files = files
    if tagged == planned:
        result.unchanged = True
        result.commit = _git(dest, "rev-parse", f"{tag}^{{commit}}").stdout.strip()
        result.messages.append(f"a tag {tag} já existe em {dest} com este mesmo conteúdo.")
        return result
    if check:
        return result

    if not is_repo:
        dest.mkdir(parents=True, exist_ok=True)
        _git(dest, "init", "-q", "-b", course.BRANCH)
    write_tree(dest, files)
    env = _identity(dest)
    _git(dest, "add", "-A")
    if tree_of(dest, "HEAD") != planned:
        _git(dest, "commit", "-q", "-m", f"Publicação: {tag}", env=env)
    else:
        result.messages.append("o conteúdo é o mesmo do último commit: só a tag é criada.")
    _git(dest, "tag", *(["-f"] if force else []), "-a", tag, "-m", f"Publicação: {tag}", env=env)
    result.commit = _git(dest, "rev-parse", "HEAD").stdout.strip()
    result.written = True
    return result


def summary(result: Result, check: bool, remote_hint: str) -> str:
    """What ``autograder publish`` prints."""
    counts = {}
    for path in result.files:
        top = path.split("/")[0] if "/" in path else "(raiz)"
        counts[top] = counts.get(top, 0) + 1
    listing = ", ".join(f"{top}: {n}" for top, n in sorted(counts.items()))
    lines = list(result.messages)
    if check:
        lines.append(
            f"tudo certo: {len(result.files)} arquivos seriam publicados em {result.dest} "
            f"com a tag {result.tag} ({listing}). Nada foi escrito."
        )
        return "\n".join(lines)
    if result.written:
        lines.append(
            f"publicado em {result.dest}: {len(result.files)} arquivos ({listing}), "
            f'commit {result.commit[:10]} "Publicação: {result.tag}", tag {result.tag}.'
        )
    lines.append("Para enviar ao GitHub:")
    if remote_hint:
        lines.append(
            f"  git -C {result.dest} remote add origin {remote_hint}   # só na primeira vez"
        )
    lines.append(f"  git -C {result.dest} push origin {result.branch} --tags")
    return "\n".join(lines)


def run(root, dest, tag=None, check=False, force=False) -> int:
    """The ``autograder publish`` command; errors are :class:`PublishError`."""
    result = publish(root, dest, tag=tag, check=check, force=force)
    remote_hint = ""
    if not check and not _git(result.dest, "remote", check=False).stdout.strip():
        remote_hint = f"git@github.com:{load_course(root).REPOSITORY}.git"
    print(summary(result, check, remote_hint))
    return 0
