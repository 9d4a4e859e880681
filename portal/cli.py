"""Command-line tasks: `flask --app portal demo-data`, `create-admin`, `verify-audit`, `audit-chain`, `audit-checkpoint`,
`backup create|restore`, `keys init|crl|tsa-serve`, `totp reencrypt`, `worker`, `send-reminders`."""
import os
import threading

import click
from flask import current_app, url_for
from flask.cli import with_appcontext


def register(app):
    app.cli.add_command(demo_data_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(verify_audit_command)
    app.cli.add_command(audit_chain_command)
    app.cli.add_command(audit_checkpoint_command)
    app.cli.add_command(backup_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(totp_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(mi_refresh_command)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty")
@click.option("--checkpoint-every", type=click.IntRange(min=0), default=None,
              help="Seconds between audit checkpoints (default AUDIT_CHECKPOINT_EVERY, 300; 0: none)")
@click.option("--chain-every", type=click.FloatRange(min=0), default=None,
              help="Seconds between extensions of the audit chain (default AUDIT_CHAIN_EVERY, 2; 0: none)")
@click.option("--reminders-every", type=click.IntRange(min=0), default=None,
              help="Seconds between looks for work-queue emails due (default REMINDERS_EVERY, 3600; 0: none)")
@with_appcontext
def worker_command(burst, checkpoint_every, chain_every, reminders_every):
    """Run background jobs (sealing at agreement, inspection packs) from Redis at REDIS_URL, with this app's
    configuration, chain new audit events every few seconds and write an audit checkpoint every few minutes
    (R-AUD-1) and send the work-queue emails that are due (R-REM-1)."""
    from redis import Redis
    from rq import SimpleWorker

    from portal.audit import run_chain_every
    from portal.audit_checkpoints import run_every
    from portal.documents.packs import QUEUE_NAME
    from portal.documents.service import SEAL_QUEUE

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("Set REDIS_URL: without it, packs are built in the request and need no worker")
    every = current_app.config["AUDIT_CHECKPOINT_EVERY"] if checkpoint_every is None else checkpoint_every
    if every and not burst:
        # Its own thread and app context (so its own database session), beside the job loop.
        threading.Thread(target=run_every, args=(current_app._get_current_object(), every, threading.Event()),
                         name="audit-checkpoints", daemon=True).start()
    chain_every = current_app.config["AUDIT_CHAIN_EVERY"] if chain_every is None else chain_every
    if chain_every and not burst:
        threading.Thread(target=run_chain_every, args=(current_app._get_current_object(), chain_every,
                                                       threading.Event()),
                         name="audit-chain", daemon=True).start()
    reminders_every = current_app.config["REMINDERS_EVERY"] if reminders_every is None else reminders_every
    if reminders_every and not burst:
        # R-REM-1: each adviser's digest when it is due; each is claimed in one UPDATE, so two workers send one.
        from portal.services.reminders import run_every as send_reminders_every

        threading.Thread(target=send_reminders_every,
                         args=(current_app._get_current_object(), reminders_every, threading.Event()),
                         name="work-queue-reminders", daemon=True).start()
    mi_every = current_app.config["MI_REFRESH_EVERY"]
    if mi_every and not burst:
        # R-MI-1: the hours and on-programme summaries the MI pages read.
        from portal.services.mi_summary import run_every as refresh_mi_every

        threading.Thread(target=refresh_mi_every, args=(current_app._get_current_object(), mi_every, threading.Event()),
                         name="mi-refresh", daemon=True).start()
    # SimpleWorker runs jobs in this process, inside this app context (no fork sharing database connections).
    # Sealing at agreement first (an adviser is waiting for it), then inspection packs.
    SimpleWorker([SEAL_QUEUE, QUEUE_NAME], connection=Redis.from_url(url)).work(burst=burst)


@click.command("mi-refresh")
@with_appcontext
def mi_refresh_command():
    """Rebuild the management-information summaries (R-MI-1). Run it from cron (hourly) where Redis is
    absent; `flask --app portal worker` does it itself every MI_REFRESH_EVERY seconds."""
    from portal.services.mi_summary import refresh

    click.echo("MI summaries rebuilt." if refresh() else "Another refresh is running; nothing done.")


@click.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """Email each adviser their work queue when their daily or weekly email is due (R-REM-1). Run it from
    cron (hourly or daily) where Redis is absent; `flask --app portal worker` does it itself."""
    from portal.services.reminders import send_digests

    sent = send_digests()
    click.echo(f"Work-queue emails sent: {sent}.")


@click.group("keys")
def keys_group():
    """The portal's document seal (R-SIGN-3)."""


@keys_group.command("init")
@with_appcontext
def keys_init_command():
    """Make what is missing: the root (in ROOT_KEY_DIR), the seal and time-stamping certificates and the
    CRL (in SIGNING_KEY_DIR). A root key found in SIGNING_KEY_DIR is moved to ROOT_KEY_DIR."""
    from portal.documents.seal import KeysMissing, init_keys, root_fingerprint

    config = current_app.config
    try:
        done = init_keys(config["SIGNING_KEY_DIR"], config["ROOT_KEY_DIR"], base_url=config["PORTAL_BASE_URL"])
    except KeysMissing as missing:
        raise click.ClickException(str(missing)) from missing
    click.echo(f"Signing keys in {config['SIGNING_KEY_DIR']}: " + ("; ".join(done) if done else "all present") + ".")
    click.echo(f"Root certificate SHA-256: {root_fingerprint()}")
    if done:
        click.echo(f"The root key is in {config['ROOT_KEY_DIR']}: keep it offline (see README, \"The document seal\").")


@keys_group.command("crl")
@click.option("--days", type=click.IntRange(min=1, max=400), default=90, show_default=True,
              help="Days until the next CRL is due")
@click.option("--revoke", "revoke", multiple=True, metavar="SERIAL",
              help="Serial number (decimal or 0x…) of a certificate to revoke; repeatable")
@with_appcontext
def keys_crl_command(days, revoke):
    """Sign a new CRL with the root key (ROOT_KEY_DIR) and publish it in SIGNING_KEY_DIR. Run it before
    the current one expires: the seal needs a current CRL. Revoked serials stay on every later CRL."""
    from portal.documents.authority import write_crl
    from portal.documents.seal import KeysMissing

    config = current_app.config
    try:
        crl = write_crl(config["SIGNING_KEY_DIR"], config["ROOT_KEY_DIR"], days=days,
                        revoked=[int(serial, 0) for serial in revoke])
    except (KeysMissing, ValueError) as failed:
        raise click.ClickException(str(failed)) from failed
    click.echo(f"CRL published in {config['SIGNING_KEY_DIR']}, next due {crl.next_update_utc:%Y-%m-%d}, "
               f"{len(list(crl))} revoked.")


@keys_group.command("tsa-serve")
@click.option("--port", type=int, default=3161, show_default=True)
@with_appcontext
def keys_tsa_serve_command(port):
    """Development: serve the portal's own time-stamping authority over HTTP (set TSA_URL to use it)."""
    from portal.documents.tsa import serve_in_thread

    server, url = serve_in_thread(current_app.config["SIGNING_KEY_DIR"], port=port)
    click.echo(f"Time-stamping authority at {url} (Ctrl-C to stop)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


@click.group("totp")
def totp_group():
    """The stored TOTP secrets, encrypted with TOTP_ENCRYPTION_KEY."""


def _previous_totp_keys(*env_names):
    """Keys the secrets may still be encrypted with: before TOTP_ENCRYPTION_KEY, the SECRET_KEY (or in
    development the key once published in the code), and any named environment variables."""
    from portal.config import KNOWN_KEYS

    return [current_app.config["SECRET_KEY"], *sorted(KNOWN_KEYS), *(os.environ.get(name) for name in env_names)]


def _reencrypt_totp_secrets(old_keys):
    from portal.services.accounts import reencrypt_totp_secrets

    moved, unreadable = reencrypt_totp_secrets(old_keys)
    if moved:
        click.echo(f"Re-encrypted {moved} TOTP secret(s) with TOTP_ENCRYPTION_KEY.")
    if unreadable:
        click.echo(f"{len(unreadable)} TOTP secret(s) could not be opened with any key given; these users must "
                   "set up their authenticator app again: " + ", ".join(unreadable), err=True)
    return moved, unreadable


@totp_group.command("reencrypt")
@click.option("--old-key-env", "old_key_envs", multiple=True, metavar="NAME",
              help="An environment variable holding an earlier key (e.g. a previous TOTP_ENCRYPTION_KEY); repeatable")
@with_appcontext
def totp_reencrypt_command(old_key_envs):
    """Move the stored TOTP secrets to TOTP_ENCRYPTION_KEY from SECRET_KEY or the keys named.

    Run it once after setting TOTP_ENCRYPTION_KEY for the first time (the secrets were encrypted with
    SECRET_KEY before), and after changing TOTP_ENCRYPTION_KEY (with --old-key-env naming the old one).
    Secrets already under the current key are left alone; it can be run again safely.
    """
    missing = [name for name in old_key_envs if not os.environ.get(name)]
    if missing:
        raise click.ClickException("Not set: " + ", ".join(missing))
    moved, unreadable = _reencrypt_totp_secrets(_previous_totp_keys(*old_key_envs))
    if not moved and not unreadable:
        click.echo("Every TOTP secret is already encrypted with TOTP_ENCRYPTION_KEY.")


@click.command("demo-data")
@click.option("--password", required=True, help="Password for every demo account")
@click.option("--totp-secret", required=True, help="Base32 TOTP secret every demo account is enrolled with")
@click.option("--only-if-empty", is_flag=True, help="Do nothing if the database already has provider organisations")
@with_appcontext
def demo_data_command(password, totp_secret, only_if_empty):
    """Create demo organisations, accounts and customers (idempotent)."""
    from portal.demo_data import has_provider_organisations, load_demo_data

    if only_if_empty and has_provider_organisations():
        click.echo("The database already has data; demo data not loaded.")
        # A database made before TOTP_ENCRYPTION_KEY existed keeps its secrets under the old development key.
        _reencrypt_totp_secrets(_previous_totp_keys())
        return
    created = load_demo_data(password=password, totp_secret=totp_secret)
    click.echo("Demo data loaded." if created else "Demo data already present; passwords and TOTP secrets reset.")


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@with_appcontext
def create_admin_command(email, name):
    """Invite the first system administrator; prints the invitation link."""
    from portal.models import Role
    from portal.models.user import Invitation
    from portal.security.tokens import new_token, token_hash
    from portal.extensions import db
    from portal.models.base import utcnow

    token = new_token()
    db.session.add(Invitation(token_hash=token_hash(token), email=email.strip().lower(), name=name, role=Role.ADMIN,
                              expires_at=utcnow() + current_app.config["INVITE_VALID_FOR"]))
    db.session.commit()
    with current_app.test_request_context():
        link = current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for("auth.accept_invitation", token=token)
    click.echo(f"Invitation for {email}: {link}")


@click.command("verify-audit")
@with_appcontext
def verify_audit_command():
    """Check the audit trail's hash chain and the chain against its signed checkpoints (R-AUD-1)."""
    from portal.audit_checkpoints import verify_trail

    report = verify_trail()
    for warning in report.warnings:
        click.echo(f"Warning: {warning}")
    if not report.intact:
        raise click.ClickException("\n".join(report.problems))
    click.echo(f"Audit trail intact: {_summary(report)}")


def _summary(report):
    checked = report.checkpoints_checked
    agree = ("no signed checkpoint yet" if not checked else
             "1 signed checkpoint agrees" if checked == 1 else f"{checked} signed checkpoints agree")
    newest = f", the newest of {report.newest.record['created_at']}" if report.newest else ""
    pending = f" ({report.pending} more pending, not chained yet)" if report.pending else ""
    return f"{report.event_count} events{pending}; {agree}{newest}."


@click.command("audit-chain")
@with_appcontext
def audit_chain_command():
    """Extend the audit hash chain over the events written since (R-AUD-1). Run it every minute from cron
    where Redis is absent; `flask --app portal worker` does it itself every few seconds."""
    from portal.audit import chain_pending

    click.echo(f"Audit events chained: {chain_pending()}.")


@click.command("audit-checkpoint")
@with_appcontext
def audit_checkpoint_command():
    """Sign the audit trail's length and keep it in AUDIT_CHECKPOINT_DIR and the database (R-AUD-1).
    Run it every few minutes (cron), unless `flask --app portal worker` runs: it writes them itself."""
    from portal.audit_checkpoints import CheckpointRefused, write_checkpoint
    from portal.documents.seal import KeysMissing

    try:
        row = write_checkpoint()
    except (CheckpointRefused, KeysMissing) as refused:
        raise click.ClickException(f"No checkpoint written: {refused}") from refused
    if row is None:
        click.echo("The audit trail has not changed since the newest checkpoint.")
    else:
        click.echo(f"Checkpoint written: {row.event_count} events up to event {row.last_event_id}.")


@click.group("backup")
def backup_group():
    """Back up and restore the database and the audit checkpoints (see README, "Backup and restore")."""


@backup_group.command("create")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def backup_create_command(directory):
    """Write a checkpoint, then copy the checkpoint file(s), dump the database and sign a manifest in DIRECTORY."""
    from portal.backup import BackupError, create_backup

    try:
        manifest, notes = create_backup(directory)
    except BackupError as failed:
        raise click.ClickException(str(failed)) from failed
    for note in notes:
        click.echo(f"Warning: {note}")
    trail = manifest["audit_trail_before_dump"]
    click.echo(f"Backup written to {directory}: {len(manifest['files'])} files, "
               f"audit trail of {trail['event_count']} events or more.")


@backup_group.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def backup_restore_command(directory):
    """Restore DIRECTORY into the configured (new, empty) database, then verify the audit trail."""
    from portal.audit_checkpoints import verify_trail
    from portal.backup import BackupError, restore_backup
    from portal.documents.seal import KeysMissing

    try:
        notes = restore_backup(directory)
    except (BackupError, KeysMissing) as failed:
        raise click.ClickException(str(failed)) from failed
    for note in notes:
        click.echo(note)
    report = verify_trail()
    if not report.intact:
        raise click.ClickException("Restored, but the audit trail does not verify:\n" + "\n".join(report.problems))
    click.echo(f"Restored. Audit trail intact: {_summary(report)}")
