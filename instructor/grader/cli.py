"""The instructor command ``autograder``: thin over nbgrader (see ``autograder --help``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import grading


def _root(args) -> Path:
    return grading.find_course_root(args.course_dir)


def cmd_release(args) -> int:
    root = _root(args)
    if args.check:
        drift = grading.release_drift(root)
        if drift:
            print(
                "lessons/ está desatualizado em relação a solutions/: "
                + ", ".join(drift)
                + ". Rode `autograder release` e faça commit do resultado.",
                file=sys.stderr,
            )
            return 1
        print("lessons/ confere com solutions/.")
        return 0
    for notebook in grading.release(root, args.lessons or None):
        print(f"gerado: {notebook.relative_to(root)}")
    return 0


def cmd_collect(args) -> int:
    root = _root(args)
    report = grading.collect(root, args.lesson, args.source)
    for line in report.lines():
        print(line)
    return 0


def cmd_grade(args) -> int:
    from . import sandbox

    root = _root(args)
    print(f"isolamento: {sandbox.isolation()}", flush=True)
    report = grading.grade(
        root,
        args.lesson,
        jobs=args.jobs,
        force=args.force,
        students=args.student or None,
    )
    print(report.table())
    print(f"corrigidos: {len(report.graded)} · não corrigidos: {len(report.failed)}")
    if report.failed:
        print(
            f"{len(report.failed)} entrega(s) não corrigida(s): veja os motivos acima; elas "
            "recebem zero na exportação e uma devolutiva explicando por quê.",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_feedback(args) -> int:
    folder = grading.feedback(_root(args), args.lesson)
    print(f"devolutivas em {folder}")
    return 0


def cmd_export(args) -> int:
    path = grading.export(_root(args), args.output)
    print(f"notas em {path}")
    return 0


def cmd_format(args) -> int:
    from . import notebooks

    root = _root(args)
    paths = args.paths or sorted((root / "solutions").glob("*/*.ipynb"))
    changed = [p for p in map(Path, paths) if notebooks.format_file(p)]
    for path in changed:
        print(f"formatado: {path}")
    return 0


def cmd_publish(args) -> int:
    from . import publish

    return publish.run(_root(args), args.dest, tag=args.tag, check=args.check, force=args.force)


def cmd_demo(args) -> int:
    from . import demo

    rows = demo.run(_root(args), args.lesson, workdir=args.workdir, keep=args.workdir is not None)
    print(demo.table(rows))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Fluxo de correção do curso (sobre o nbgrader). Rode dentro do clone do repositório.",
    )
    parser.add_argument("--course-dir", help="raiz do curso (padrão: a pasta atual ou acima)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="gera lessons/ a partir de solutions/")
    p.add_argument("lessons", nargs="*", help="lições (padrão: todas)")
    p.add_argument("--check", action="store_true", help="só confere; falha se lessons/ divergir")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("collect", help="importa as entregas (zip do AVA, pasta ou .ipynb soltos)")
    p.add_argument("lesson")
    p.add_argument("source", help="zip do AVA, pasta ou arquivo .ipynb")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser(
        "grade",
        help="corrige automaticamente, sempre no modo rápido: os tamanhos da apostila pedem GPU "
        "e internet, e as taxas de acerto completas são relatadas pelo aluno (correção manual)",
    )
    p.add_argument("lesson")
    p.add_argument("--jobs", type=int, default=1, help="entregas corrigidas ao mesmo tempo")
    p.add_argument("--force", action="store_true", help="corrige de novo quem já foi corrigido")
    p.add_argument("--student", action="append", help="só este aluno (pode repetir)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("feedback", help="gera as devolutivas em HTML")
    p.add_argument("lesson")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="escreve o CSV de notas")
    p.add_argument("--output", help=f"arquivo CSV (padrão: {grading.WORK_DIR}/notas.csv)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("format", help="põe os notebooks de solutions/ na forma canônica")
    p.add_argument("paths", nargs="*")
    p.set_defaults(func=cmd_format)

    p = sub.add_parser("publish", help="escreve o repositório dos alunos (git, com tag) em DEST")
    p.add_argument("dest", help="pasta do repositório dos alunos (criada se não existir)")
    p.add_argument("--tag", help="tag da versão (padrão: PACKAGE_REF de autograder/course.py)")
    p.add_argument("--check", action="store_true", help="só confere; não escreve nada")
    p.add_argument(
        "--force", action="store_true", help="aceita --tag diferente de PACKAGE_REF; move a tag"
    )
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("demo", help="todo o fluxo com alunos sintéticos, e a tabela de notas")
    p.add_argument("--lesson", default="02_cifar10")
    p.add_argument(
        "--workdir", help="pasta onde guardar o curso de demonstração (padrão: temporária)"
    )
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except grading.GradingError as error:
        print(f"erro: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
