"""What the command line advises for each kind of error: core says what went wrong (``kind`` and
``data``); only the shell knows its flags and commands. An error whose kind is not here shows core's
own hint, which never names a flag."""

from __future__ import annotations

HINTS: dict[str, str] = {
    "file_exists": "Use --force to replace it.",
    "out_is_folder": "Give a file name, or use --out-dir for a folder.",
    "one_file_many_units": "Use --out-dir for several units.",
    "template_without_folder": "--name-template goes with --out-dir.",
    "folder_missing": "Create the folder first.",
    "password_too_short": "Choose a longer password.",
    "owner_passphrase_missing": "Give the owner's passphrase with --password-file, --password-stdin or at the prompt.",
    "other_unit_unconfirmed": "Check the preview (--dry-run), then add --allow-other-unit.",
    "confirm_change": "Check the plan with --dry-run, then add --yes (or run it on a terminal to type the name).",
    "confirm_delete": "Add --yes to confirm.",
    "confirm_terminate": "Check the plan with --dry-run, then add --yes.",
    "nothing_to_undo": "List safety snapshots with 'unitvault snapshots list'.",
    "account_not_found": "List accounts with 'unitvault account list'.",
    "destination_not_found": "List destinations with 'unitvault destination list'.",
    "destination_exists": "Remove it first, or choose another name.",
    "backup_not_found": "List backups with 'unitvault backup list ACCOUNT'.",
    "restore_items_missing": "Choose with --items.",
    "paths_need_files": "--path chooses files; add 'files' to --items.",
    "restore_target_needed": "Choose where the files go with --to DIR.",
    "destination_secret_missing": "Give it with --secret-file F or --secret-stdin.",
    "bundle_password_missing": "Give it with --password-file, --password-stdin or at the prompt.",
    "home_dir_missing": "Create the folder first, or give the right --home-dir.",
    "host_key_unknown": "Or pin the key when adding the destination: --host-key 'TYPE BASE64'.",
    "known_hosts_missing": "Give another file with --known-hosts F, or pin the key with --host-key.",
    "conditions_not_accepted": "Read them, then add --accept-conditions.",
    "ondemand_limit": "(unitvault backup forget ID --yes; unitvault account edit USERNAME --max-on-demand N)",
    "backup_locked": "Unlock it first: unitvault backup unlock ID.",
    "job_not_found": "List jobs with 'unitvault job list'.",
    "tag_not_found": "List tags with 'unitvault tag list'.",
    "priority_group_not_found": "List groups with 'unitvault priority list'.",
    "orphan_not_found": "List orphans with 'unitvault orphans list'.",
    "no_recovery_key": "Create one with 'unitvault recovery-key create --out DIR --use'.",
    "queue_item_not_found": "List the queue with 'unitvault queue list' (or --state done|failed|cancelled).",
    "queue_item_needs_secret": "Run it directly instead: 'unitvault backup restore' or 'unitvault backup download' "
                               "ask for the passphrase.",
    "connections_destination_missing": "Add --destination D.",
    "app_key_missing": "Give --recovery-key FILE or --account-key FILE.",
    "no_recovery_slot": "Give the account's exported key with --account-key FILE.",
    "owner_key_file_missing": "Give it with --owner-key-file FILE.",
    "account_key_missing": "Or reset the key: 'unitvault account key reset USERNAME'.",
    "typed_confirmation_needed": "Type the username at the prompt, or add --confirm USERNAME.",
    "account_key_not_made": "Back the account up once first: 'unitvault backup now USERNAME --destination D'.",
    "not_a_regular_file": "Choose another file name.",
    # who may do what
    "sign_in_required": "Sign in with --user USERNAME (the password from --user-password-file F, "
                        "UNITVAULT_USER_PASSWORD or the prompt), or start a session: "
                        "'unitvault --user USERNAME session start'.",
    "sign_in_failed": "",
    "backup_token_missing": "Give your backup token with --token-file F, --token-stdin or UNITVAULT_BACKUP_TOKEN.",
    "backup_token_none": "Create one with 'unitvault --user USERNAME token create'.",
    "backup_token_wrong": "Check it, or make a new one with 'unitvault token reset'.",
    "backup_token_pending": "An admin can make it valid now: 'unitvault token allow-now USERNAME'.",
    "token_exists": "Make a new one with 'unitvault token reset'.",
    "token_password_missing": "Give your password with --user-password-file F, UNITVAULT_USER_PASSWORD or at the "
                              "prompt.",
    "backups_disabled": "An admin can enable them: 'unitvault settings access --backups on'.",
    "backups_admin_configured": "An admin can switch modes: 'unitvault mode set user-configured'.",
    "backups_module_disabled": "An admin enables it per plan: 'unitvault plan add NAME --backups', then "
                               "'unitvault plan assign ACCOUNT NAME'.",
    "reason_required": "Give one with --reason TEXT (or at the prompt).",
    "vault_locked": "Sign in with your password (--user USERNAME with --user-password-file F, "
                    "UNITVAULT_USER_PASSWORD or the prompt); a session does not open it.",
    "user_not_found": "List users with 'unitvault user list'.",
    "user_exists": "Choose another name, or change that user with 'unitvault user edit'.",
    "user_password_missing": "Give --password-file F (or type it at the prompt), or add --password-less.",
    "plan_not_found": "List plans with 'unitvault plan list'.",
    "backups_env_invalid": "Fix the lines below, then run 'unitvault mode apply'.",
    "backups_env_missing": "Write one: 'unitvault mode env --template > FILE', edit it, and put it there.",
    "account_choice_needed": "Choose one with --account USERNAME.",
    "mybackup_no_destination": "Choose it with 'unitvault my-backups destination --type local|sftp|s3 ...'.",
    "smtp_not_configured": "Configure it with 'unitvault notify smtp --host H [--port N] [--security S]'.",
    "no_users": "Add the first user (an admin) with 'unitvault user add USERNAME --role admin'.",
    "token_not_found": "The user makes one with 'unitvault token create'.",
    "no_recipients": "Add --to ADDRESS.",
}


def option_names(names) -> str:
    return ", ".join("--" + str(n).replace("_", "-") for n in names)


def cli_hint(exc) -> str:
    """The advice to print after ``exc``'s message: core's own hint (never about flags), then ours."""
    kind = getattr(exc, "kind", "")
    data = getattr(exc, "data", {}) or {}
    if kind == "destination_option_unused":
        return f"{option_names(data.get('options', []))} cannot be used with --type {data.get('type')}."
    if kind == "destination_option_missing":
        return f"Add {option_names([data.get('option', '')])}."
    own, core_hint = HINTS.get(kind, ""), getattr(exc, "hint", "")
    return " ".join(h for h in (core_hint, own) if h)
