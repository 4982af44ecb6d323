"""Signed checkpoints from the command line (docs/proofs.md): `checkpoint init` makes the log's
key, `checkpoint publish DIR` appends the tree's checkpoint now to a folder anyone can mirror,
`checkpoint check DIR` verifies such a folder (signatures, forks, rollbacks) and `verify-proof`
checks one proof against a checkpoint; the last two need no database and no server."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli.progress import console
from cli.startup import CommandError, open_runtime, read_settings
from domain.proofs.checkpoint import CheckpointError, open_checkpoint, parse_verifier_key
from domain.proofs.claims import ClaimError, b64, check_claim
from integrations.mirror import KEY_FILE, MirrorError, check_mirror, publish
from ledger.integrity.checkpoints import (
    DEFAULT_ORIGIN,
    ForkRefused,
    KeyFileError,
    configured_key,
    make_key,
)

KEY_ENV = """environment:
  GOVLEDGER_CHECKPOINT_KEY   the file of the key that signs checkpoints
                             (default: checkpoint.key in GOVLEDGER_DATA_DIR)
  GOVLEDGER_DATA_DIR         the data dir (default: ./.govledger)"""


def init_command(args: argparse.Namespace) -> None:
    settings = read_settings()
    path = settings.checkpoint_key_file
    try:
        key = make_key(path, args.origin)
    except (KeyFileError, CheckpointError) as error:
        raise CommandError(f"checkpoint init: {error}") from None
    except OSError as error:
        raise CommandError(f"checkpoint init: cannot write {path}: {error.strerror}") from None
    print(f"wrote the checkpoint key of {key.name} to {path} (mode 0600)")
    print("keep it secret and back it up: it is never in the database nor in an export")
    print(f"verifier key (publish it): {key.verifier}")


def publish_command(args: argparse.Namespace) -> None:
    settings = read_settings()
    try:
        key = configured_key(settings)
    except KeyFileError as error:
        raise CommandError(f"checkpoint publish: {error}") from None
    if key is None:
        raise CommandError(
            f"checkpoint publish: no checkpoint key at {settings.checkpoint_key_file}; make one "
            "with `govledger checkpoint init`"
        )
    runtime = open_runtime(settings)
    try:
        notes = runtime.checkpoints
        tree = runtime.ledger.tree
        head = tree.checkpoint()
        if head.size == 0:
            raise CommandError("checkpoint publish: the log is empty; nothing to publish")
        note = notes.signed(head.size, head.root)
        assert note is not None

        def prove(old_size: int, size: int) -> list[bytes]:
            return tree.consistency_proof(old_size, size).hashes

        done = publish(Path(args.directory), key.verifier, head.size, head.root, note, prove)
    except (MirrorError, ForkRefused, CheckpointError) as error:
        raise CommandError(f"checkpoint publish: {error}") from None
    finally:
        runtime.close()
    if not done.written:
        print(f"size {done.size} is published already; nothing new")
        return
    since = f", with the consistency proof from size {done.proof_from}" if done.proof_from else ""
    print(f"published the checkpoint of size {done.size} to {args.directory}{since}")


def check_command(args: argparse.Namespace) -> None:
    directory = Path(args.directory)
    try:
        found = check_mirror(directory, args.key)
    except (MirrorError, CheckpointError, OSError) as error:
        raise CommandError(f"checkpoint check: {error}") from None
    whose = "the key given" if args.key else f"{directory / KEY_FILE} (pin it with --key)"
    print(f"key: {found.verifier} from {whose}")
    for problem in found.problems:
        console.print(f"[red]{problem}[/red]", highlight=False)
    for finding in found.findings:
        console.print(f"[red]{found.describe(finding)}[/red]", highlight=False)
    if not found.checkpoints:
        raise CommandError(f"checkpoint check: {directory} holds no checkpoint signed by the key")
    if not found.ok:
        raise CommandError("checkpoint check: the mirror does not hold up (see above)")
    sizes = [checkpoint.size for _, checkpoint in found.checkpoints]
    print(
        f"the mirror holds: {len(sizes)} checkpoints, sizes {sizes[0]} to {sizes[-1]}, every "
        "signature verifies and each is consistent with the one before (no fork, no rollback)"
    )


def verify_proof_command(args: argparse.Namespace) -> None:
    key = args.key
    if Path(key).is_file():
        key = Path(key).read_text(encoding="utf-8").strip()
    try:
        name, public_key = parse_verifier_key(key)
        note = Path(args.checkpoint).read_text(encoding="utf-8")
        checkpoint = open_checkpoint(note, name, public_key)
        print(
            f"checkpoint: {checkpoint.origin}, size {checkpoint.size}, root "
            f"{b64(checkpoint.root)}: signed by {name}+{key.split('+')[1]}"
        )
        claim = json.loads(Path(args.proof).read_text(encoding="utf-8"))
        if not isinstance(claim, dict):
            raise ClaimError("a proof is a JSON object (docs/proofs.md)")
        print(check_claim(checkpoint, claim))
    except (CheckpointError, ValueError, OSError) as error:
        raise CommandError(f"verify-proof: REFUSED: {error}") from None


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    checkpoint = commands.add_parser(
        "checkpoint",
        help="the log's signed checkpoints: make the key, publish to a mirror, check a mirror",
        epilog=KEY_ENV,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = checkpoint.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = actions.add_parser(
        "init",
        help="make the Ed25519 key that signs checkpoints (in the data dir, or "
        "GOVLEDGER_CHECKPOINT_KEY); prints its verifier key",
        epilog=KEY_ENV,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument(
        "--origin",
        default=DEFAULT_ORIGIN,
        help=f"the log's name: first line of every checkpoint, the key's name ({DEFAULT_ORIGIN})",
    )
    init.set_defaults(run=init_command)
    publish_cmd = actions.add_parser(
        "publish",
        help="append the checkpoint of the tree now, signed, with the consistency proof from "
        "the last one published, to a folder anyone can mirror",
    )
    publish_cmd.add_argument("directory", help="the folder of published checkpoints")
    publish_cmd.set_defaults(run=publish_command)
    check = actions.add_parser(
        "check",
        help="verify a folder of checkpoints (no database): every signature, and each "
        "checkpoint consistent with the one before (finds forks and rollbacks)",
        epilog="",
    )
    check.add_argument("directory", help="a folder written by checkpoint publish, or its mirror")
    check.add_argument("--key", help="the log's verifier key (default: the folder's own)")
    check.set_defaults(run=check_command)
    verify = commands.add_parser(
        "verify-proof",
        help="check an inclusion or consistency proof (JSON) against a signed checkpoint and "
        "the log's verifier key, with no database and no server (docs/proofs.md)",
        epilog="",
    )
    verify.add_argument("checkpoint", help="a file holding the signed checkpoint (a note)")
    verify.add_argument("key", help="the log's verifier key, or a file holding it")
    verify.add_argument("proof", help="a file holding the proof's JSON")
    verify.set_defaults(run=verify_proof_command)
