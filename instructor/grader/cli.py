"""The instructor command ``autograder``: thin over nbgrader (see ``autograder --help``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import grading
from .config import COURSE_ID, COURSE_ID_ENV, EXCHANGE_ROOT, EXCHANGE_ROOT_ENV, exchange_settings


def _root(args) -> Path:
    return grading.find_course_root(args.course_dir)


def cmd_generate(args) -> int:
    root = _root(args)
    if args.check:
        drift = grading.generate_drift(root)
        if drift:
            print(
                "lessons/ está desatualizado em relação a solutions/: "
                + ", ".join(drift)
                + ". Rode `autograder generate` e faça commit do resultado.",
                file=sys.stderr,
            )
            return 1
        print("lessons/ confere com solutions/.")
        return 0
    for notebook in grading.generate(root, args.lessons or None):
        print(f"gerado: {notebook.relative_to(root)}")
    return 0


def cmd_release_deprecated(args) -> int:
    print(
        "aviso: `autograder release` agora se chama `autograder generate` (gera lessons/ a "
        "partir de solutions/) e o nome antigo vai deixar de existir. Para entregar uma "
        "lição aos alunos pela troca do JupyterHub (o *release* do nbgrader), use "
        "`autograder exchange release <lição>`.",
        file=sys.stderr,
    )
    return cmd_generate(args)


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
        unsafe=args.unsafe,
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


def _exchange_options(args) -> dict:
    return {"course_id": args.course_id, "exchange_root": args.exchange_root}


def cmd_exchange_release(args) -> int:
    from . import exchange

    released = exchange.release(
        _root(args), args.lesson, due=args.duedate, force=args.force, **_exchange_options(args)
    )
    print(f"{args.lesson} publicada na troca: {released.path} (curso {released.course_id})")
    if released.duedate:
        print(f"prazo: {released.duedate:%Y-%m-%d %H:%M} UTC")
    else:
        print("sem prazo (use --duedate para definir; entregas não serão marcadas como atrasadas)")
    return 0


def cmd_exchange_collect(args) -> int:
    from . import exchange

    summary = exchange.collect(
        _root(args),
        args.lesson,
        before_duedate=args.before_duedate,
        students=args.student or None,
        **_exchange_options(args),
    )
    for line in summary.lines():
        print(line)
    return 0


def cmd_exchange_feedback(args) -> int:
    from . import exchange

    outcome = exchange.release_feedback(_root(args), args.lesson, **_exchange_options(args))
    for student in outcome.released:
        print(f"devolutiva publicada na troca: {student}")
    for student, why in outcome.skipped:
        print(f"sem devolutiva na troca: {student} ({why})")
    if not outcome.released:
        print(f"nenhuma devolutiva de {args.lesson} publicada", file=sys.stderr)
        return 1
    print("os alunos a buscam com fetch_feedback (aba Assignments ou `nbgrader fetch_feedback`)")
    return 0


def cmd_exchange_config(args) -> int:
    from . import exchange

    print(exchange.student_config(**_exchange_options(args)), end="")
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

    rows = demo.run(
        _root(args),
        args.lesson,
        workdir=args.workdir,
        keep=args.workdir is not None,
        jobs=args.jobs,
    )
    print(demo.table(rows))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Fluxo de correção do curso (sobre o nbgrader). Rode dentro do clone do repositório.",
    )
    parser.add_argument("--course-dir", help="raiz do curso (padrão: a pasta atual ou acima)")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, func, text in (
        ("generate", cmd_generate, "gera lessons/ a partir de solutions/ (generate_assignment)"),
        ("release", cmd_release_deprecated, "nome antigo de `generate` (obsoleto)"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("lessons", nargs="*", help="lições (padrão: todas)")
        p.add_argument(
            "--check", action="store_true", help="só confere; falha se lessons/ divergir"
        )
        p.set_defaults(func=func)

    course_id, exchange_root = exchange_settings()
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument(
        "--course-id",
        help=f"id do curso na troca (padrão: ${COURSE_ID_ENV}, ou {COURSE_ID}; agora {course_id})",
    )
    shared.add_argument(
        "--exchange-root",
        help=f"pasta da troca (padrão: ${EXCHANGE_ROOT_ENV}, ou {EXCHANGE_ROOT}; agora "
        f"{exchange_root})",
    )
    p = sub.add_parser(
        "exchange",
        help="rota do JupyterHub: publica lições, coleta entregas e devolve as devolutivas "
        "pela troca (exchange) do nbgrader",
    )
    ex = p.add_subparsers(dest="exchange_command", required=True)
    q = ex.add_parser(
        "release", parents=[shared], help="publica lessons/<lição> na troca (release_assignment)"
    )
    q.add_argument("lesson")
    q.add_argument(
        "--duedate",
        help="prazo, ex. '2026-04-10 23:59 -03:00' (sem fuso: hora local desta máquina)",
    )
    q.add_argument("--force", action="store_true", help="substitui a versão já publicada")
    q.set_defaults(func=cmd_exchange_release)
    q = ex.add_parser(
        "collect",
        parents=[shared],
        help=f"traz a entrega mais nova de cada aluno para {grading.WORK_DIR}/submitted",
    )
    q.add_argument("lesson")
    q.add_argument(
        "--before-duedate",
        action="store_true",
        help="a mais nova entregue no prazo, quando houver (--before-duedate do nbgrader)",
    )
    q.add_argument("--student", action="append", help="só este aluno (pode repetir)")
    q.set_defaults(func=cmd_exchange_collect)
    q = ex.add_parser(
        "feedback",
        parents=[shared],
        help="gera as devolutivas e as devolve pela troca (release_feedback)",
    )
    q.add_argument("lesson")
    q.set_defaults(func=cmd_exchange_feedback)
    q = ex.add_parser(
        "config", parents=[shared], help="a configuração do nbgrader que os alunos precisam"
    )
    q.set_defaults(func=cmd_exchange_config)

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
    p.add_argument(
        "--sem-isolamento",
        dest="unsafe",
        action="store_true",
        help="como root e sem bubblewrap, corrige mesmo assim (só numa máquina descartável)",
    )
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
    p.add_argument("--jobs", type=int, default=1, help="entregas corrigidas ao mesmo tempo")
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
