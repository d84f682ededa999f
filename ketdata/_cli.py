"""The ``ketdata`` command: parses arguments and calls the library; nothing else lives here."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from ketdata._io.escape import terminal_text
from ketdata._model.errors import KetdataError, UnknownRecordError
from ketdata._model.problems import DataError, Problem, Severity, short

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70
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
  ketdata list --evidence experimental --format json
"""


_DATASET = "dataset.yaml"


# The article's own sentence, whole: a caveat's statement says only what its quote holds (KD640).
_SESSION = ("During the session, the patient is typically seated or lying down "
            "and is closely monitored by a healthcare professional")  # fmt: skip


def _default_data() -> Path | None:
    here = Path("data")
    return here if (here / _DATASET).is_file() else None


def _print_problems(
    problems: Sequence[Problem], fmt: str, *, verbose: bool = False, folder: Path | None = None
) -> None:
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


def _failed(problems: Sequence[Problem], *, strict: bool = False) -> bool:
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(p.severity in failing for p in problems)


def _validate(args: argparse.Namespace) -> int:
    from ketdata._validation.pipeline import run

    report = run(args.data, cache=args.cache and not args.shipped)
    problems = report.problems
    if args.shipped:  # what `load()` serves is the snapshot, not the folder: check that too
        from ketdata._editor.shipped import snapshot_problems

        problems = (*problems, *snapshot_problems(report))
    _print_problems(problems, args.format, verbose=args.verbose, folder=args.data)
    return EXIT_PROBLEMS if _failed(problems, strict=args.strict) else EXIT_OK


def _coverage(args: argparse.Namespace) -> int:
    from ketdata._validation.pipeline import run

    report = run(args.data)
    if not report.coverage:
        _print_problems([p for p in report.problems if p.severity is Severity.ERROR], "text")
        print("ketdata: error: no source text could be read; nothing to report", file=sys.stderr)
        return EXIT_PROBLEMS
    uncovered = 0
    for source_id, rows in report.coverage.items():
        chars = sum(r.chars for r in rows)
        covered = sum(r.covered_chars for r in rows)
        done = sum(r.covered for r in rows)
        uncovered += len(rows) - done
        print(
            f"{source_id}: {done}/{len(rows)} sentences covered ({100 * done / max(len(rows), 1):.0f} %), "
            f"{100 * covered / max(chars, 1):.1f} % of their characters quoted"
        )
        for r in rows:
            s = r.sentence
            mark = "ok  " if r.covered else "MISS"
            ids = ", ".join(r.record_ids) or "-"
            print(f"  {mark} [{s.start:>5}, {s.end:>5}) {s.section}: {s.text[:50]!r}\n         quoted by: {ids}")
    errors = [p for p in report.problems if p.severity is Severity.ERROR]
    if errors:
        # The coverage of data in error is shown, but never as a clean bill.
        _print_problems(errors, "text")
    return EXIT_PROBLEMS if uncovered or errors else EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from ketdata._io.transaction import locked
    from ketdata._read.paths import project_root

    if args.check or args.shipped:  # reads only, or reads what no ketdata command changes
        return _export_locked(args)
    with locked(Path(args.out).parent, read_only=[project_root(args.data)]):
        return _export_locked(args)


def _export_locked(args: argparse.Namespace) -> int:
    from ketdata._export import export, stale_files
    from ketdata._model.errors import ExportTargetError
    from ketdata._validation.pipeline import run

    report = run(args.data)
    problems = report.problems
    if _failed(problems):
        _print_problems(problems, "text")
        print("not exporting: the data has errors", file=sys.stderr)
        return EXIT_PROBLEMS
    ds = report.dataset()
    if args.check:
        stale = stale_files(ds, args.out)
        for name in stale:
            print(f"stale: {Path(args.out) / name}")
        if stale:
            print("exports are out of date; run `ketdata export`", file=sys.stderr)
        return EXIT_PROBLEMS if stale else EXIT_OK
    try:
        result = export(ds, args.out)
    except ExportTargetError as exc:
        print(f"ketdata: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for name in result.removed:
        print(f"removed {Path(args.out) / name}")
    print(f"wrote {len(result.written)} files under {args.out} from {args.data}", file=sys.stderr)
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from ketdata._editor.diff_render import render_markdown, render_text
    from ketdata._editor.release import RevisionError, compare, resolve

    try:
        old, new = resolve(args.old), resolve(args.new)
    except RevisionError as exc:
        print(f"ketdata: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DataError as exc:
        _print_problems(exc.problems, "text")
        print("ketdata: error: could not read what to compare", file=sys.stderr)
        return EXIT_USAGE
    d = compare(old, new)
    if args.format == "json":
        print(json.dumps(d.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_markdown(d) if args.format == "markdown" else render_text(d), end="")
    return EXIT_PROBLEMS if d else EXIT_OK


def _release(args: argparse.Namespace) -> int:
    from ketdata._editor.release import check_date
    from ketdata._io.transaction import locked
    from ketdata._read.paths import project_root

    folder = args.data or Path("data")
    if args.date is not None:
        check_date(args.date)
    if args.dry_run:
        return _release_locked(folder, args)
    # One release at a time, and no other command changing the data while it is worked out and written.
    with locked(project_root(folder)):
        return _release_locked(folder, args)


def _release_locked(folder: Path, args: argparse.Namespace) -> int:
    from ketdata._editor.release import apply, plan
    from ketdata._validation.pipeline import run

    problems = run(folder).problems
    if _failed(problems):
        _print_problems(problems, "text")
        print("not releasing: the data has errors", file=sys.stderr)
        return EXIT_PROBLEMS
    flagged = sorted({str(p.record_id) for p in problems if p.code == "KD612"})
    if flagged:
        _print_problems([p for p in problems if p.code == "KD612"], "text")
        print(f"not releasing: {len(flagged)} record(s) flagged in review; change them and have them reviewed again",
              file=sys.stderr)  # fmt: skip
        return EXIT_PROBLEMS
    release = plan(folder, args.date)
    if release.previous is not None and release.bump is None:
        print(f"nothing to release: the data equals release {release.previous}", file=sys.stderr)
        return EXIT_OK
    why = f"{release.bump} bump over {release.previous}" if release.previous else "first release"
    print(f"release {release.version} ({why}), dated {release.date}\n\n{release.changelog}")
    unreviewed = sum(p.code == "KD601" for p in problems)
    print(f"{unreviewed} claim(s) and caveat(s) not yet reviewed", file=sys.stderr)
    if args.dry_run:
        print("dry run: nothing written", file=sys.stderr)
        return EXIT_OK
    for path in apply(release, folder):
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def _codes(args: argparse.Namespace) -> int:
    from ketdata._model.problems import render_catalogue

    print(render_catalogue(args.format), end="")
    return EXIT_OK


def _editor_folder(args: argparse.Namespace) -> Path:
    return args.data or Path("data")


def _locate(args: argparse.Namespace) -> int:
    from ketdata._editor.locate import locate
    from ketdata._editor.new import source_text

    if not args.quote.strip():
        print("ketdata: error: the quote is empty", file=sys.stderr)
        return EXIT_USAGE
    folder = args.data or _shipped_data()
    ds = _load_checked(folder)
    sources = [ds.source(args.source)] if args.source else list(ds.sources)
    for source in sources:
        found = locate(source, source_text(folder, source), args.quote)
        if len(found.exact) == 1:
            print(found.exact[0].to_yaml(), end="")
            return EXIT_OK
        if found.exact:
            print(
                f"ketdata: the quote occurs {len(found.exact)} times in {source.id}; quote more of it:", file=sys.stderr
            )
            for span in found.exact:
                print(f"  [{span.start}, {span.end}) in {span.section}", file=sys.stderr)
            return EXIT_PROBLEMS
        if found.nearest is not None:
            print(f"ketdata: not found exactly in {source.id}; the nearest match {found.difference}:", file=sys.stderr)
            print(found.nearest.to_yaml(), end="")
    return EXIT_PROBLEMS


def _new(args: argparse.Namespace) -> int:
    from ketdata._io.transaction import locked
    from ketdata._read.paths import project_root

    # Held from reading the next free id to writing the record: two `new` never take the same id.
    with locked(project_root(_editor_folder(args))):
        return _new_locked(args)


def _new_locked(args: argparse.Namespace) -> int:
    from ketdata._editor import new as _scaffold

    folder = _editor_folder(args)
    ds = _load_checked(folder)
    try:
        if args.record == "concept":
            record = _scaffold.concept(vars(args))
        else:
            span = _scaffold.quote_span(folder, ds, args.quote, args.source, args.nth)
            if args.record == "claim":
                context = args.context and _scaffold.quote_span(folder, ds, args.context, args.source, None)
                record = _scaffold.claim(ds, span, vars(args), context or None)
            else:
                record = _scaffold.caveat(ds, span, vars(args))
    except (_scaffold.ScaffoldError, KeyError) as exc:
        print(f"ketdata: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    duplicate = _scaffold.duplicate_of(ds, args.record, record)
    if duplicate:
        print(f"not written: the new {args.record} repeats {duplicate}", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        written = _scaffold.write(folder, args.record, record, getattr(args, "caveat", None) or ())
    except _scaffold.ScaffoldError as exc:
        print(f"ketdata: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if written.problems:
        _print_problems(written.problems, "text")
        print(f"not written: with {written.record_id} the data would not validate; nothing was kept", file=sys.stderr)
        scoped = sorted({p.record_id for p in written.problems if p.code == "KD608" and p.record_id})
        if scoped:
            flags = " ".join(f"--caveat {c}" for c in scoped)
            print(f"the new claim lies in the scope of caveats that must apply to it: add {flags}", file=sys.stderr)
        elif any(p.code == "KD604" for p in written.problems):
            print("a claim that needs a caveat can name one with --caveat CAVEAT_ID", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{written.record_id}\t{written.path}")
    for todo in written.to_do:
        print(f"still to do: {todo}", file=sys.stderr)
    return EXIT_OK


def _fmt(args: argparse.Namespace) -> int:
    from ketdata._io.transaction import locked
    from ketdata._read.paths import project_root

    if args.check:
        return _fmt_locked(args)
    with locked(project_root(_editor_folder(args))):
        return _fmt_locked(args)


def _fmt_locked(args: argparse.Namespace) -> int:
    from ketdata._editor.fmt import format_folder
    from ketdata._io.transaction import commit
    from ketdata._read.paths import project_root

    results, blocking = format_folder(_editor_folder(args))
    for found in blocking:
        print(found, file=sys.stderr)
    failed = bool(blocking)
    changed = {}
    for result in results:
        if result.skipped:
            print(f"{result.path}: {result.skipped}", file=sys.stderr)
            # A file left as it is stays not canonical: neither CI nor `fmt && git commit` may pass on it.
            failed = True
        elif result.changed:
            failed = failed or args.check
            if args.check:
                print(f"would reformat {result.path}")
            else:
                changed[result.path] = (result.text or "").encode("utf-8")
    if changed:
        # Every file reformatted, or (a full disk, a kill) none.
        commit(project_root(_editor_folder(args)), changed)
        for path in changed:
            print(f"reformatted {path}")
    return EXIT_PROBLEMS if failed else EXIT_OK


def _review(args: argparse.Namespace) -> int:
    try:
        from ketdata._workbench import serve
    except ImportError as exc:
        print(f"ketdata: error: `ketdata review` needs the review extra ({exc.name} is missing): "
              "pip install 'ketdata[review]'", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    folder = _editor_folder(args)
    if not folder.is_dir():
        print(f"ketdata: error: no data folder at {folder}", file=sys.stderr)
        return EXIT_USAGE
    # Ctrl-C is how the reviewer stops the server: not an error.
    with contextlib.suppress(KeyboardInterrupt):
        try:
            serve(folder, args.port, open_browser=args.open)
        except OSError as exc:
            print(f"ketdata: error: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
    return EXIT_OK


def _port(text: str) -> int:
    """A TCP port number, 0 (any free port) to 65535; anything else is a usage error."""
    if not text.isascii() or not text.isdigit() or len(text) > 5 or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a port (0 to 65535)")
    return int(text)


def _dataset(args: argparse.Namespace) -> Any:
    from ketdata._read.load import load_shipped

    return _load_checked(args.data) if args.data is not None else load_shipped()


def _load_checked(folder: Path) -> Any:
    """An editor's folder, read once: the dataset when every record has passed its schema.

    No command then meets a record of the wrong shape; the problems are raised as a DataError otherwise.
    """
    from ketdata._validation.pipeline import run

    return run(folder).dataset()


def _show(args: argparse.Namespace) -> int:
    from ketdata._editor.show import show
    from ketdata._model.dataset import near_misses
    from ketdata._model.records import Caveat, Claim

    ds = _dataset(args)
    record = ds.get(args.id)
    if record is None:
        near = near_misses(args.id, [r.id for r in (*ds.claims, *ds.caveats, *ds.concepts, *ds.categories)])
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        print(f"ketdata: error: no record with id {args.id!r}{hint}", file=sys.stderr)
        return EXIT_USAGE
    try:
        text = ds.source(record.evidence[0].source).text if isinstance(record, Claim | Caveat) else None
        shown = show(ds, record, text)
    except UnknownRecordError as exc:
        # The id asked for exists, so a missing record behind it is a problem of the data, not of the command.
        print(f"ketdata: error: {args.id} refers to a missing record: {exc}; run `ketdata validate`", file=sys.stderr)
        return EXIT_PROBLEMS
    print(shown, end="")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from ketdata._editor.show import render_list, select

    claims = select(_dataset(args), args.category, args.status, args.evidence, args.concept)
    print(render_list(claims, args.format), end="")
    return EXIT_OK


def _shipped_data() -> Path:
    from ketdata._read.paths import data_dir

    return data_dir()


def _positive(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{short(text)} is not a whole number of at least 1")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketdata",
        description="Validate and export the ketdata dataset.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def data_arg(p: argparse.ArgumentParser, *, shipped: bool = False) -> None:
        p.add_argument(
            "data",
            nargs="?",
            type=Path,
            default=None,
            help="the data folder (default: ./data)",
        )
        if shipped:
            p.add_argument(
                "--shipped", action="store_true", help="use the copy of the data inside the installed package"
            )

    p = sub.add_parser(
        "validate", help="check the data and list every problem", epilog="example: ketdata validate data --format json"
    )
    data_arg(p, shipped=True)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="fail on warnings too (an overdue review, say)")
    p.add_argument("--verbose", action="store_true", help="list infos too (records not yet reviewed, say)")
    p.add_argument(
        "--cache",
        action="store_true",
        help="keep each file's parse and schema check in the user's cache folder (~/.cache/ketdata, or "
        "$KETDATA_CACHE_DIR) and reuse it while the "
        "file is unchanged (rules across records always run on everything)",
    )
    p.set_defaults(run=_validate)

    p = sub.add_parser(
        "coverage",
        help="show which records quote each sentence of the sources",
        epilog="example: ketdata coverage data",
    )
    data_arg(p, shipped=True)
    p.set_defaults(run=_coverage)

    p = sub.add_parser(
        "export",
        help="write the export files (or check them with --check)",
        epilog="example: ketdata export --out exports --check",
    )
    data_arg(p, shipped=True)
    p.add_argument("--out", type=Path, default=Path("exports"), help="export folder (default: ./exports)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale file")
    p.set_defaults(run=_export)

    p = sub.add_parser(
        "diff",
        help="show what changed between two versions of the data",
        description="Show what changed between two versions of the data; exit 0 when they are equal, 1 when they "
        "differ, 2 when one cannot be read.",
        epilog="examples: ketdata diff 1.0.0 data; ketdata diff releases/1.0.0.json data; ketdata diff HEAD data",
    )
    p.add_argument(
        "old", help="a data folder, a snapshot file (releases/X.Y.Z.json), a released version (1.0.0) or a git revision"
    )
    p.add_argument("new", help="the same, for the newer side")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format")
    p.set_defaults(run=_diff, data=None)  # compares its two arguments, not a data folder

    p = sub.add_parser(
        "release",
        help="cut a release: bump the version, write the snapshot and changelog",
        epilog="example: ketdata release --dry-run",
    )
    data_arg(p)
    p.add_argument("--dry-run", action="store_true", help="show the release without writing anything")
    p.add_argument("--date", help="release date as YYYY-MM-DD (default: today, UTC)")
    p.set_defaults(run=_release)

    p = sub.add_parser(
        "locate",
        help="find a quote in the source and print its offsets, ready to paste",
        epilog='example: ketdata locate "can also be taken orally"',
    )
    p.add_argument("quote", help="the text to find, exactly as the article has it")
    p.add_argument("--source", help="the source id (default: every source)")
    p.set_defaults(run=_locate)

    p = sub.add_parser(
        "new",
        help="add a record with the next free id, version 1, status active",
        description="Add a record with the next free id, version 1, status active. A record that repeats an existing "
        "one, or with which the data would no longer validate, is not written.",
        epilog='example: ketdata new claim --statement "Ketamine has the ability to induce a dissociative state." '
        '--subject ketamine --predicate has_property --value "ability to induce a dissociative" '
        '--category effects --evidence established --context "Ketamine is also used illicitly as a recreational drug" '
        '--quote "its ability to induce a dissociative and euphoric state" '
        "--caveat caveat-001 --caveat caveat-005 --caveat caveat-006",
    )
    kinds = p.add_subparsers(dest="record", required=True, metavar="RECORD")
    c = kinds.add_parser(
        "claim",
        help="a new claim (appended to data/claims/<category>.yaml)",
        epilog="example: see `ketdata new --help`",
    )
    for flag in ("--statement", "--subject", "--predicate", "--category", "--evidence", "--quote"):
        c.add_argument(flag, required=True)
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--object", help="the object concept id")
    what.add_argument("--value", help="the object as a literal value")
    c.add_argument("--context", help="for a list item quoted by --quote: the clause naming its subject and relation")
    c.add_argument("--hedge", help="the source's own hedge word, if any")
    c.add_argument(
        "--caveat",
        action="append",
        help="add the new claim to this existing caveat's applies_to (repeat for several; a released caveat gets "
        "its next version)",
    )
    v = kinds.add_parser(
        "caveat",
        help="a new caveat (appended to data/caveats.yaml)",
        epilog=f"example: ketdata new caveat --statement '{_SESSION}.' --kind supervision-requirement "
        f"--applies-to claim-045 --hedge typically --quote '{_SESSION}'",
    )
    for flag in ("--statement", "--kind", "--quote"):
        v.add_argument(flag, required=True)
    v.add_argument("--applies-to", nargs="+", required=True, dest="applies_to", help="claim ids (its scope)")
    v.add_argument("--hedge", help="the source's own hedge word, if any")
    for q in (c, v):
        q.add_argument("--source", help="the source id (default: the only source)")
        q.add_argument(
            "--nth", type=_positive, help="which occurrence of the quote, from 1, when it occurs several times"
        )
    k = kinds.add_parser(
        "concept",
        help="a new concept (appended to data/concepts.yaml)",
        epilog="example: ketdata new concept --id nausea --label Nausea --kind condition",
    )
    for flag in ("--id", "--label", "--kind"):
        k.add_argument(flag, required=True)
    k.add_argument("--definition")
    k.add_argument("--synonym", action="append", help="another name (repeat for several)")
    for q in (c, v, k):
        q.add_argument("--data", type=Path, default=None, help="the data folder (default: ./data)")
    p.set_defaults(run=_new)

    p = sub.add_parser(
        "fmt",
        help="rewrite data files in their canonical form (or check with --check)",
        epilog="example: ketdata fmt --check",
    )
    data_arg(p)
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 listing files that would change")
    p.set_defaults(run=_fmt)

    p = sub.add_parser(
        "review",
        help="review the claims and caveats against the article, in a local web page",
        description="Serve a local review workbench on 127.0.0.1: the article beside each record, to confirm it or "
        "flag it. Prints the page's one-time URL. Writes only the records' review blocks. Needs the review extra: "
        "pip install 'ketdata[review]'.",
        epilog="example: ketdata review data --open",
    )
    data_arg(p)
    p.add_argument("--port", type=_port, default=0, help="the port on 127.0.0.1, 0 to 65535 (default: a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(run=_review)

    p = sub.add_parser(
        "show", help="one record, with its caveats and its quote in context", epilog="example: ketdata show claim-021"
    )
    p.add_argument("id", help="a claim, caveat, concept or category id")
    p.set_defaults(run=_show)

    p = sub.add_parser(
        "list",
        help="claims, filtered, as a table, JSON or CSV",
        epilog="example: ketdata list --category adverse-effects --format json",
    )
    p.add_argument("--category", help="claims in this category or below it")
    p.add_argument("--status", choices=("active", "deprecated", "withdrawn"), help="lifecycle status")
    p.add_argument("--evidence", help="evidence status id, e.g. experimental")
    p.add_argument("--concept", help="claims whose subject or object is this concept")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")
    p.set_defaults(run=_list)
    for name in ("locate", "show", "list"):
        sub.choices[name].add_argument(
            "--data",
            type=Path,
            default=None,
            help="the data folder (default: ./data if present, else the shipped data)",
        )

    p = sub.add_parser(
        "codes",
        help="list every problem code, what it means and how to fix it",
        epilog="example: ketdata codes --format markdown",
    )
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text", help="output format")
    p.set_defaults(run=_codes, data=None)
    return parser


_EDITING = ("fmt", "release", "new", "review")


def _choose_folder(args: argparse.Namespace) -> str | None:
    """Set ``args.data`` to the folder the command works on; a message instead when there is none to use."""
    if getattr(args, "shipped", False):
        if args.data is not None:
            return "give a data folder or --shipped, not both"
        args.data = _shipped_data()
    elif args.data is None:
        args.data = _default_data()
        if args.data is None and hasattr(args, "shipped"):
            # Checking the installed copy unasked would pass while the editor's own files went unchecked.
            return (
                f"no data folder here (./data/{_DATASET} not found); give its path, e.g. "
                f"`ketdata {args.command} path/to/data`, or use --shipped for the copy inside the installed package"
            )
        if args.data is None and args.command in _EDITING:
            # A command that changes the data never falls back to another copy of it.
            flag = " --data" if args.command == "new" else ""
            return f"no data folder here (./data/{_DATASET} not found); give its path: `ketdata {args.command}{flag} …`"
    elif not args.data.is_dir():
        return f"{args.data} is not a folder"
    elif not (args.data / _DATASET).is_file() and (args.data / "data" / _DATASET).is_file():
        return f"{args.data} is not a data folder (it has no {_DATASET}); did you mean {args.data / 'data'}?"
    return None


# The extra each command needs whatever its arguments (others need one only to read a YAML folder, and say so).
_COMMAND_EXTRAS = {"validate": "validate", "fmt": "validate", "new": "validate", "release": "validate",
                   "export": "export", "review": "review"}  # fmt: skip


def _require_extra(args: argparse.Namespace) -> None:
    extra = _COMMAND_EXTRAS.get(args.command)
    if extra is not None:
        from ketdata._model.extras import require

        require(f"`ketdata {args.command}`", extra)


def _missing_extra(exc: ModuleNotFoundError, command: str) -> KetdataError | None:
    """A module an extra brings could not be imported (a command reading a YAML folder without ``validate``)."""
    from ketdata._model.extras import explain

    return explain(exc, f"`ketdata {command}`")


class _Terminal(io.TextIOBase):
    """A terminal (or whatever reads the command's output): everything written passes `terminal_text`.

    This is the terminal's one sanitizer: no value, message, path or argument printed by any command
    reaches it with a raw escape sequence, control, bidi or zero-width character. JSON output stays
    JSON that means the same, as such characters only ever stand inside its strings.
    """

    def __init__(self, stream: TextIO, *, json: bool = False) -> None:
        super().__init__()
        self.stream, self.json = stream, json

    def write(self, text: str) -> int:
        self.stream.write(terminal_text(text, json=self.json))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def writable(self) -> bool:
        return True


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line; returns the exit code.

    Args:
        argv: The arguments (default: the process's own).
        stdout: Where results go (default: the process's standard output); tests pass a `io.StringIO`.
        stderr: Where messages go (default: the process's standard error).
    """
    out, err = stdout or sys.stdout, stderr or sys.stderr
    with contextlib.redirect_stderr(_Terminal(err)):
        try:
            with contextlib.redirect_stdout(_Terminal(out)):
                args = _parser().parse_args(argv)  # --help and usage errors print too
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
        with contextlib.redirect_stdout(_Terminal(out, json=getattr(args, "format", None) == "json")):
            return _main(args)


def _main(args: argparse.Namespace) -> int:
    problem = _choose_folder(args)
    if problem:
        print(f"ketdata: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        _require_extra(args)
        return int(args.run(args))
    except DataError as exc:
        _print_problems(exc.problems, "text")
        return exc.exit_code
    except KetdataError as exc:
        print(f"ketdata: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        # Every write is one transaction: a change stopped midway is finished or undone by the next writer.
        print("ketdata: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (`| head`) has gone: say nothing more, and let no flush at exit fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PROBLEMS
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"ketdata: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if isinstance(exc, ModuleNotFoundError) and (known := _missing_extra(exc, args.command)):
            print(f"ketdata: error: {known}", file=sys.stderr)
            return known.exit_code
        import traceback

        traceback.print_exc()
        print(f"ketdata: internal error: this is a bug in ketdata, not in your data or command; please report it "
              f"with the traceback above to {BUG_REPORTS}", file=sys.stderr)  # fmt: skip
        return EXIT_BUG
