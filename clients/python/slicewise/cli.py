"""``python -m slicewise``: the same commands and exit codes as the Node CLI (``npx slicewise``).

    python -m slicewise pull <project>/<dataset>@<tag-or-hash> --out DIR [--token T] [--api URL] [--workers N] [--replace] [--quiet]
    python -m slicewise verify DIR [--ref <manifest-sha256>]
    python -m slicewise trace <file-or-sha256> [--json]
    python -m slicewise register-run DIR [DIR ...] --name NAME [--url URL] [--metadata JSON]

Exit codes: see slicewise.errors (0 ok, 1 verification, 2 usage, 3 auth / not found, 4 network or server,
5 rate limited, 6 folder holds another version, 130 interrupted).
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__
from .errors import SlicewiseError, UsageError
from .lineage import register_training_run, trace
from .pull import pull, verify

EXIT_INTERRUPTED = 130

EXIT_CODES = """exit codes: 0 ok, 1 verification failed (files named), 2 usage, 3 auth / forbidden / not found,
4 network or server error, 5 rate limited, 6 the folder holds another version, 130 interrupted (re-run to resume)"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors, as documented
        self.print_usage(sys.stderr)
        self.exit(2, f"slicewise: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m slicewise", description="Pull, verify and trace Slicewise dataset versions.", epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"slicewise {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    conn = argparse.ArgumentParser(add_help=False)
    conn.add_argument("--token", help="API token (default: $SLICEWISE_TOKEN)")
    conn.add_argument("--api", help="API base URL (default: $SLICEWISE_API_URL or http://127.0.0.1:4000)")

    pl = sub.add_parser("pull", parents=[conn], help="download and verify a dataset version", epilog=EXIT_CODES)
    pl.add_argument("spec", help="<project>/<dataset>@<tag-or-hash>, e.g. brain-mri/glioma-train@v3")
    pl.add_argument("--out", required=True, help="destination folder (re-runs skip verified files, repair and resume others)")
    pl.add_argument("--workers", "--concurrency", type=int, default=8, help="parallel downloads (1..64, default 8)")
    pl.add_argument("--retries", type=int, default=4, help="retries of a request after a connection failure, 5xx or 429 (default 4, backoff 0.5 s doubling)")
    pl.add_argument("--replace", action="store_true", help="turn a folder holding another version into this one")
    pl.add_argument("--quiet", action="store_true", help="no progress output")

    vf = sub.add_parser("verify", help="re-check a pulled folder offline (every sha256)")
    vf.add_argument("folder")
    vf.add_argument("--ref", help="the manifest sha256 the folder must hold")

    tr = sub.add_parser("trace", parents=[conn], help="where did this file come from? (file path or sha256)")
    tr.add_argument("file", help="a file on disk, or its sha256")
    tr.add_argument("--json", action="store_true", help="print the full answer as JSON")

    rr = sub.add_parser("register-run", parents=[conn], help="record that a training run used pulled versions (GENERATE token)")
    rr.add_argument("folders", nargs="+", help="pulled folders (their slicewise.lock names the versions)")
    rr.add_argument("--name", required=True)
    rr.add_argument("--url", help="link to the run (tracker, CI job)")
    rr.add_argument("--metadata", help="a JSON object stored with the run")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = sys.stdout
    try:
        if args.command == "pull":
            r = pull(args.spec, args.out, token=args.token, api=args.api, workers=args.workers, replace=args.replace, quiet=args.quiet, retries=args.retries)
            out.write(f"{r.lock.pinned_spec}\n")
        elif args.command == "verify":
            r = verify(args.folder, ref=args.ref)
            sys.stderr.write(f"slicewise: all {r.files} files verified (manifest sha256 {r.manifest_sha256})\n")
        elif args.command == "trace":
            hits = trace(args.file, token=args.token, api=args.api)
            if args.json:
                out.write(json.dumps(hits, indent=2) + "\n")
            else:
                for h in hits:
                    versions = ", ".join(f"{v['dataset']}@{v['manifestHash'][:12]}" for v in h.get("datasetVersions", [])) or "none"
                    m = h.get("model") or {}
                    out.write(
                        f"{h['file']['kind']} of volume {h['file']['volumeId']} (subject {h['file']['subjectIndex']}) in cohort {h['cohort']['name']!r} "
                        f"(seed {h['cohort']['seed']}); volume seed {h['seed']}; model {m.get('name')} {m.get('version')}; "
                        f"distribution {h['distributionVersion']['distribution']} v{h['distributionVersion']['version']}; "
                        f"requested by {(h['request'].get('by') or {}).get('email') or h['request'].get('byTokenId')} at {h['request']['at']}; "
                        f"in dataset versions: {versions}\n"
                    )
        elif args.command == "register-run":
            try:
                metadata = json.loads(args.metadata) if args.metadata else None
            except ValueError as e:
                raise UsageError(f"--metadata must be a JSON object, got {args.metadata!r} ({e})") from None
            if metadata is not None and not isinstance(metadata, dict):
                raise UsageError(f"--metadata must be a JSON object, got {args.metadata!r}")
            run = register_training_run(args.folders, name=args.name, url=args.url, metadata=metadata, token=args.token, api=args.api)
            out.write(json.dumps(run, indent=2) + "\n")
        return 0
    except SlicewiseError as e:
        sys.stderr.write(f"slicewise: error: {e}\n")
        failures = getattr(e, "failures", None)
        if failures:
            sys.stderr.write("".join(f"  {f.path}: {f.reason}\n" for f in failures))
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("\nslicewise: interrupted; run the same command again to resume (verified files are kept, partial ones continue)\n")
        return EXIT_INTERRUPTED
