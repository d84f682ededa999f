"""The ``ketdata`` command: parses arguments and calls the library; nothing else lives here."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from ketdata._io.escape import Terminal
from ketdata._model.errors import KetdataError
from ketdata._model.extras import explain, require_for
from ketdata._model.problems import DataError, Problem, RefusedError, Severity, fails, short

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ketdata._editor.show import Shown

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 70, 130
# The shell's code for a writer whose reader went away (128 + SIGPIPE): not 1, which says the data has problems.
EXIT_BROKEN_PIPE = 141
BUG_REPORTS = "the ketdata maintainers (the issue tracker of the repository you installed it from)"

_EPILOG = """exit codes: 0 success, 1 problems found (or exports stale), 2 usage or environment error,
70 a bug in ketdata (reported with its traceback).

examples:
  ketdata validate                 check ./data (exit 2 if there is none)
  ketdata validate --shipped       check the copy of the data inside the installed package
  ketdata validate data --format json
  ketdata coverage                 show which records quote each sentence of the source
  ketdata export                   write ./exports from ./data
  ketdata export --check           exit 1 if ./exports is not what ./data produces
  ketdata diff 1.0.0 data          what changed between release 1.0.0 and ./data
  ketdata diff HEAD data           what changed since the last commit (a git revision)
  ketdata release --dry-run        the version bump and changelog the next release would get
  ketdata locate "taken orally"    the section and offsets of a quote, ready to paste
  ketdata new claim --help         add a record with the next free id
  ketdata fmt --check              exit 1 if a data file is not in canonical form
  ketdata show claim-021           one record with its caveats and quote in context
  ketdata review data --open       check each record against the article in a local web page
  ketdata source update ketamine-overview new-article.txt   what a new revision changes (--write applies)
  ketdata list --evidence experimental --format json
"""


# The article's own sentence, whole: a caveat's statement says only what its quote holds (KD640). Not the
# sentence on the session: a record quoting its "typically" must read it as claims 026 and 027 do (KD322).
_THERAPY = ("In therapy, ketamine is typically administered in low doses "
            "and under the supervision of a trained medical professional")  # fmt: skip


def _print_problems(
    problems: Sequence[Problem], fmt: str, *, verbose: bool = False, folder: Path | None = None, messages: bool = False
) -> None:
    """Problems, one a line, and their count: ``validate``'s output, or with ``messages`` on stderr (a refusal's).

    Only `validate` prints problems as its data; any other command that shows them says why it did not do, or
    did not fully do, what was asked: a message, never mixed into the data it prints (``list --format json``).
    """
    if messages:
        with contextlib.redirect_stdout(sys.stderr):
            _print_problems(problems, fmt, verbose=verbose, folder=folder)
        return
    if fmt == "json":
        print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2))
        if folder is not None:
            print(f"checked {folder}", file=sys.stderr)
        return
    for p in problems:
        if verbose or p.severity is not Severity.INFO:
            print(p)
    counts = {s: sum(p.severity is s for p in problems) for s in Severity}
    summary = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items())
    infos = sorted({p.code for p in problems if p.severity is Severity.INFO})
    hidden = f" (infos {', '.join(infos)} listed with --verbose)" if infos and not verbose else ""
    checked = f"checked {folder}: " if folder is not None else ""
    print(f"{checked}{summary}{hidden}", file=sys.stderr)


def _print_refusal(args: argparse.Namespace, problems: Sequence[Problem]) -> None:
    """The problems that stopped a command: messages on stderr, so stdout (JSON, CSV) holds only data.

    `validate` is the exception: problems are what it was asked for, printed in the format asked.
    """
    if args.command == "validate":
        _print_problems(problems, getattr(args, "format", "text"))
        return
    _print_problems(problems, "text", messages=True)


def _validate(args: argparse.Namespace) -> int:
    from ketdata._validation.pipeline import run

    report = run(args.data, cache=args.cache and not args.shipped)
    problems = report.problems
    if args.shipped:  # what `load()` serves is the snapshot, not the folder: check that too
        from ketdata._editor.shipped import snapshot_problems

        problems = (*problems, *snapshot_problems(report))
    _print_problems(problems, args.format, verbose=args.verbose, folder=args.data)
    return EXIT_PROBLEMS if fails(problems, strict=args.strict) else EXIT_OK


def _shown(shown: Shown, *, problems: bool = False) -> int:
    """Print a result of the editor's looks at the data; the data's errors make it fail, never a clean bill."""
    print(shown.text, end="")
    for note in shown.notes:
        print(note, file=sys.stderr, end="" if note.endswith("\n") else "\n")
    if shown.errors and problems:
        _print_problems(shown.errors, "text", messages=True)
    elif shown.errors:
        print(f"ketdata: the data has {len(shown.errors)} error(s); `ketdata validate` lists them", file=sys.stderr)
    return EXIT_PROBLEMS if shown.failed or shown.errors else EXIT_OK


def _coverage(args: argparse.Namespace) -> int:
    from ketdata._editor.show import coverage

    return _shown(coverage(args.data), problems=True)


def _export(args: argparse.Namespace) -> int:
    from ketdata._export._folder import export_folder, stale_exports

    if args.check:
        stale = stale_exports(args.data, args.out)
        for name in stale:
            print(f"stale: {args.out / name}")
        if stale:
            print("exports are out of date; run `ketdata export`", file=sys.stderr)
        return EXIT_PROBLEMS if stale else EXIT_OK
    done = export_folder(args.data, args.out)
    for name in done.removed:
        print(f"removed {done.out / name}")
    print(f"wrote {len(done.written)} files under {done.out} from {done.data}", file=sys.stderr)
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from ketdata._editor.diff_render import render_markdown, render_text
    from ketdata._editor.release import compare_specs

    d = compare_specs(args.old, args.new)
    if args.format == "json":
        print(json.dumps(d.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_markdown(d) if args.format == "markdown" else render_text(d), end="")
    return EXIT_PROBLEMS if d else EXIT_OK


def _release(args: argparse.Namespace) -> int:
    from ketdata._editor.release import release

    done = release(args.data, args.date, dry_run=args.dry_run, accept_weaker=args.accept_weaker)
    planned = done.plan
    if done.nothing_to_release:
        print(f"nothing to release: the data equals release {planned.previous}", file=sys.stderr)
        return EXIT_OK
    why = f"{planned.bump} bump over {planned.previous}" if planned.previous else "first release"
    print(f"release {planned.version} ({why}), dated {planned.date}\n\n{planned.changelog}")
    print(f"{done.unreviewed} claim(s) and caveat(s) not yet reviewed", file=sys.stderr)
    for warning in done.warnings:
        print(warning, file=sys.stderr)
    if done.settled:
        verb = "would remove" if args.dry_run else "removed"
        print(f"{verb} the confirmed source update mark of {len(done.settled)} record(s): {', '.join(done.settled)}",
              file=sys.stderr)  # fmt: skip
    for weakening in done.accepted:
        print(f"accepted (--accept-weaker {weakening.record_id}): {weakening}", file=sys.stderr)
    if done.refused:
        ids = " ".join(f"--accept-weaker {rid}" for rid in dict.fromkeys(str(p.record_id) for p in done.refused))
        print(f"would refuse: {len(done.refused)} KD517 whose record is not accepted; if a maintainer means each, "
              f"add {ids}", file=sys.stderr)  # fmt: skip
    if args.dry_run:
        print("dry run: nothing written", file=sys.stderr)
    for path in done.written:
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_PROBLEMS if done.refused else EXIT_OK


def _codes(args: argparse.Namespace) -> int:
    from ketdata._model.problems import render_catalogue

    print(render_catalogue(args.format), end="")
    return EXIT_OK


def _locate(args: argparse.Namespace) -> int:
    from ketdata._editor.show import find_quote

    return _shown(find_quote(args.data, args.quote, args.source))


def _new(args: argparse.Namespace) -> int:
    from ketdata._editor.new import new_record

    written = new_record(args.data, args.record, vars(args))
    print(f"{written.record_id}\t{written.path}")
    for todo in written.to_do:
        print(f"still to do: {todo}", file=sys.stderr)
    return EXIT_OK


def _fmt(args: argparse.Namespace) -> int:
    from ketdata._editor.fmt import fmt

    done = fmt(args.data, check=args.check)
    for found in done.blocking:
        print(found, file=sys.stderr)
    for result in done.skipped:
        print(f"{result.path}: {result.skipped}", file=sys.stderr)
    for path in done.changed:
        print(f"reformatted {path}" if done.written else f"would reformat {path}")
    return EXIT_PROBLEMS if done.failed else EXIT_OK


def _source_update(args: argparse.Namespace) -> int:
    from ketdata._editor.source_update import report_lines, update_source
    from ketdata._io.files import read_regular

    report = update_source(args.data, args.source_id, read_regular(args.new_text), write=args.write)
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(report_lines(report)))
    return EXIT_PROBLEMS if report.blocked else EXIT_OK


def _review(args: argparse.Namespace) -> int:
    try:
        from ketdata._workbench import serve
    except ImportError as exc:
        print(f"ketdata: error: `ketdata review` needs the review extra ({exc.name} is missing): "
              "pip install 'ketdata[review]'", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    # Ctrl-C is how the reviewer stops the server: not an error.
    with contextlib.suppress(KeyboardInterrupt):
        try:
            serve(args.data, args.port, open_browser=args.open)
        except OSError as exc:
            print(f"ketdata: error: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
    return EXIT_OK


def _port(text: str) -> int:
    """A TCP port number, 0 (any free port) to 65535; anything else is a usage error."""
    if not text.isascii() or not text.isdigit() or len(text) > 5 or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a port (0 to 65535)")
    return int(text)


def _show(args: argparse.Namespace) -> int:
    from ketdata._editor.show import show_record

    return _shown(show_record(args.data, args.id))


def _list(args: argparse.Namespace) -> int:
    from ketdata._editor.show import list_claims

    filters = {"category": args.category, "status": args.status, "evidence": args.evidence, "concept": args.concept}
    return _shown(list_claims(args.data, args.format, **filters))


def _positive(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{short(text)} is not a whole number of at least 1")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ketdata", description="Validate and export the ketdata dataset.",
                                     epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Any, help: str, epilog: str, **more: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, epilog=epilog, **more)
        p.set_defaults(run=run)
        return p

    def data_arg(p: argparse.ArgumentParser, *, shipped: bool = False) -> None:
        p.add_argument("data", nargs="?", type=Path, default=None, help="the data folder (default: ./data)")
        if shipped:
            p.add_argument("--shipped", action="store_true",
                           help="use the copy of the data inside the installed package")  # fmt: skip

    p = command("validate", _validate, "check the data and list every problem",
                "example: ketdata validate data --format json")  # fmt: skip
    data_arg(p, shipped=True)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too (an overdue review, say)")
    p.add_argument("--verbose", action="store_true", help="list infos too (records not yet reviewed, say)")
    p.add_argument("--cache", action="store_true",
                   help="keep each file's parse and schema check in the user's cache folder (~/.cache/ketdata, or "
                   "$KETDATA_CACHE_DIR) and reuse it while the file is unchanged (rules across records always run "
                   "on everything)")  # fmt: skip

    p = command("coverage", _coverage, "show which records quote each sentence of the sources",
                "example: ketdata coverage data")  # fmt: skip
    data_arg(p, shipped=True)

    p = command("export", _export, "write the export files (or check them with --check)",
                "example: ketdata export --out exports --check")  # fmt: skip
    data_arg(p, shipped=True)
    p.add_argument("--out", type=Path, default=Path("exports"), help="export folder (default: ./exports)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale file")

    p = command("diff", _diff, "show what changed between two versions of the data",
                "examples: ketdata diff 1.0.0 data; ketdata diff releases/1.0.0.json data; ketdata diff HEAD data",
                description="Show what changed between two versions of the data; exit 0 when they are equal, 1 "
                "when they differ, 2 when one cannot be read.")  # fmt: skip
    p.add_argument("old", help="a data folder, a snapshot file (releases/X.Y.Z.json), a released version (1.0.0) "
                   "or a git revision")  # fmt: skip
    p.add_argument("new", help="the same, for the newer side")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format")
    p.set_defaults(data=None)  # compares its two arguments, not a data folder

    p = command("release", _release, "cut a release: bump the version, write the snapshot and changelog",
                "example: ketdata release --dry-run")  # fmt: skip
    data_arg(p)
    p.add_argument("--dry-run", action="store_true", help="show the release without writing anything")
    p.add_argument("--date", help="release date as YYYY-MM-DD (default: today, UTC)")
    p.add_argument("--accept-weaker", action="append", default=[], metavar="RECORD-ID",
                   help="release although this record checks or says less than in the latest release, or is new "
                   "policy (KD517; release refuses otherwise): repeat for each record KD517 names; each is listed "
                   "under 'Weakened (accepted at release)' in the changelog")  # fmt: skip

    p = command("locate", _locate, "find a quote in the source and print its offsets, ready to paste",
                'example: ketdata locate "can also be taken orally"')  # fmt: skip
    p.add_argument("quote", help="the text to find, exactly as the article has it")
    p.add_argument("--source", help="the source id (default: every source)")

    p = command("new", _new, "add a record with the next free id, version 1, status active",
                'example: ketdata new claim --statement "Ketamine has the ability to induce a dissociative and '
                'euphoric state." --subject ketamine --predicate has_property --value "induce a dissociative and '
                'euphoric state" '
                '--category effects --evidence established --context "Ketamine is also used illicitly as a '
                'recreational drug" --quote "its ability to induce a dissociative and euphoric state" '
                "--caveat caveat-001 --caveat caveat-005 --caveat caveat-006",
                description="Add a record with the next free id, version 1, status active. A record that repeats "
                "an existing one, or with which the data would no longer validate, is not written.")  # fmt: skip
    kinds = p.add_subparsers(dest="record", required=True, metavar="RECORD")
    c = kinds.add_parser("claim", help="a new claim (appended to data/claims/<category>.yaml)",
                         epilog="example: see `ketdata new --help`")  # fmt: skip
    for flag in ("--statement", "--subject", "--predicate", "--category", "--evidence", "--quote"):
        c.add_argument(flag, required=True)
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--object", help="the object concept id")
    what.add_argument("--value", help="the object as a literal value")
    c.add_argument("--context", help="for a list item quoted by --quote: the clause naming its subject and relation")
    c.add_argument("--hedge", help="the source's own hedge word, if any")
    c.add_argument("--caveat", action="append",
                   help="add the new claim to this existing caveat's applies_to (repeat for several; a released "
                   "caveat gets its next version)")  # fmt: skip
    v = kinds.add_parser("caveat", help="a new caveat (appended to data/caveats.yaml)",
                         epilog=f"example: ketdata new caveat --statement '{_THERAPY}.' --kind supervision-requirement "
                         f"--applies-to claim-045 --hedge typically --quote '{_THERAPY}'")  # fmt: skip
    for flag in ("--statement", "--kind", "--quote"):
        v.add_argument(flag, required=True)
    v.add_argument("--applies-to", nargs="+", required=True, dest="applies_to", help="claim ids (its scope)")
    v.add_argument("--hedge", help="the source's own hedge word, if any")
    for q in (c, v):
        q.add_argument("--source", help="the source id (default: the only source)")
        q.add_argument("--nth", type=_positive,
                       help="which occurrence of the quote, from 1, when it occurs several times")  # fmt: skip
    k = kinds.add_parser("concept", help="a new concept (appended to data/concepts.yaml)",
                         epilog="example: ketdata new concept --id nausea --label Nausea --kind condition")  # fmt: skip
    for flag in ("--id", "--label", "--kind"):
        k.add_argument(flag, required=True)
    k.add_argument("--definition")
    k.add_argument("--synonym", action="append", help="another name (repeat for several)")
    for q in (c, v, k):
        q.add_argument("--data", type=Path, default=None, help="the data folder (default: ./data)")

    p = command("fmt", _fmt, "rewrite data files in their canonical form (or check with --check)",
                "example: ketdata fmt --check")  # fmt: skip
    data_arg(p)
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 listing files that would change")

    p = command("source", _source_update, "re-anchor every record on a new revision of a source (`source update`)",
                "example: ketdata source update ketamine-overview new-article.txt data --write",
                description="Read a new revision of a source and re-anchor every place a record points into it: "
                "moved (same quote, new offsets), changed (words in or next to the quote changed, or a hedge: a "
                "person must review), or lost (no acceptable match). Reports each with old and new offsets and "
                "words, and the new text no record quotes. With --write: keeps the old revision beside the source, "
                "records the new one, moves the spans, marks changed and lost records for review (validation "
                "refuses to release them until a person acts) and raises their versions. Needs the revisions "
                "extra (edlib): pip install 'ketdata[revisions]'.")  # fmt: skip
    p.add_argument("action", choices=("update",), help="what to do with the source (update: a new revision)")
    p.add_argument("source_id", help="the id of the source record, e.g. ketamine-overview")
    p.add_argument("new_text", type=Path, help="the new revision's text file (UTF-8; line ends are kept)")
    data_arg(p)
    p.add_argument("--write", action="store_true", help="apply the update (default: report only)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")

    p = command("review", _review, "review the claims and caveats against the article, in a local web page",
                "example: ketdata review data --open",
                description="Serve a local review workbench on 127.0.0.1: the article beside each record, to "
                "confirm it or flag it. Prints the page's one-time URL, at a secret name of this run under "
                ".localhost (Chromium and Firefox take it to this machine), which keeps the session from other "
                "local servers. Writes only the records' review blocks. "
                "Needs the review extra: pip install 'ketdata[review]'.")  # fmt: skip
    data_arg(p)
    p.add_argument("--port", type=_port, default=0, help="the port on 127.0.0.1, 0 to 65535 (default: a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")

    p = command("show", _show, "one record, with its caveats and its quote in context",
                "example: ketdata show claim-021")  # fmt: skip
    p.add_argument("id", help="a claim, caveat, concept or category id")

    p = command("list", _list, "claims, filtered, as a table, JSON or CSV",
                "example: ketdata list --category adverse-effects --format json")  # fmt: skip
    p.add_argument("--category", help="claims in this category or below it")
    p.add_argument("--status", choices=("active", "deprecated", "withdrawn"), help="lifecycle status")
    p.add_argument("--evidence", help="evidence status id, e.g. experimental")
    p.add_argument("--concept", help="claims whose subject or object is this concept")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")
    for name in ("locate", "show", "list"):
        help = "the data folder (default: ./data if present, else the shipped data)"
        sub.choices[name].add_argument("--data", type=Path, default=None, help=help)

    p = command("codes", _codes, "list every problem code, what it means and how to fix it",
                "example: ketdata codes --format markdown")  # fmt: skip
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text", help="output format")
    p.set_defaults(data=None)
    return parser


_EDITING = ("fmt", "release", "new", "review", "source")


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line; returns the exit code.

    Args:
        argv: The arguments (default: the process's own).
        stdout: Where results go (default: the process's standard output); tests pass a `io.StringIO`.
        stderr: Where messages go (default: the process's standard error).
    """
    out, err = stdout or sys.stdout, stderr or sys.stderr
    with contextlib.redirect_stderr(Terminal(err, messages=True)):
        try:
            with contextlib.redirect_stdout(Terminal(out)):
                args = _parser().parse_args(argv)  # --help and usage errors print too
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
        with contextlib.redirect_stdout(Terminal(out, json=getattr(args, "format", None) == "json")), _ctrl_c(args):
            return _main(args)


@contextlib.contextmanager
def _ctrl_c(args: argparse.Namespace) -> Iterator[None]:
    """Ctrl-C ends a command at once with a message and exit 130, wherever Python happens to be.

    A KeyboardInterrupt raised where the interpreter cannot pass it on (an import's lock callback) is printed
    with a traceback and then ignored, and the command runs on. Ending the process is as safe as a kill,
    which every writer survives (`ketdata._io.transaction`). The review server stops on Ctrl-C as its way out.
    """
    if args.command == "review" or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum: int, frame: object) -> None:
        os.write(2, b"ketdata: interrupted\n")
        os._exit(EXIT_INTERRUPTED)

    before = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _main(args: argparse.Namespace) -> int:
    from ketdata._read.paths import choose_data_folder

    try:
        shipped, offers = getattr(args, "shipped", False), hasattr(args, "shipped")
        args.data = choose_data_folder(
            args.data, args.command, shipped=shipped, offers_shipped=offers, editing=args.command in _EDITING
        )
        require_for(args.command)
        code = int(args.run(args))
        sys.stdout.flush()  # here, not at exit: a reader gone before the last bytes is exit 141, like any other
        return code
    except RefusedError as exc:
        if exc.problems:
            _print_refusal(args, exc.problems)
        for note in exc.notes:
            print(note, file=sys.stderr)
        return exc.exit_code
    except DataError as exc:
        _print_refusal(args, exc.problems)
        return exc.exit_code
    except KetdataError as exc:
        print(f"ketdata: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        # Ctrl-C is the user's choice, not a bug: no traceback. A change being written was one transaction,
        # which the next command finishes or rolls back.
        print("ketdata: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (`| head`) has gone: say nothing more, and let no flush at exit fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"ketdata: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if isinstance(exc, ModuleNotFoundError) and (known := explain(exc, f"`ketdata {args.command}`")):
            print(f"ketdata: error: {known}", file=sys.stderr)
            return known.exit_code
        import traceback

        traceback.print_exc()
        print(f"ketdata: internal error: this is a bug in ketdata, not in your data or command; please report it "
              f"with the traceback above to {BUG_REPORTS}", file=sys.stderr)  # fmt: skip
        return EXIT_BUG
