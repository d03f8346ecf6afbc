#!/usr/bin/python3
"""Checks the SFTPGo configuration examples of deploy/sftpgo against an install tree.

Usage: sftpgo_config_test.py SFTPGO_EXAMPLES_DIR INSTALL_ROOT

- every *.json parses;
- the Event Manager dumps: version 17 with SFTPGo 2.7's placeholders ({{.Name}}), version 16 with
  2.6's ({{Name}}); only placeholders SFTPGo defines; no SFTPGO_ACTION_SESSION_ID fed from
  {{.UID}} (a random id per event, not the session);
- every command SFTPGo would run (hook, command path, Event Manager cmd, plugin cmd) is an
  executable the install provides under INSTALL_ROOT, and the Event Manager's command is the one
  enabled_commands allows;
- no setting SFTPGo never reads (SFTPGO_COMMAND__COMMANDS__N__HOOK);
- copy events are subscribed wherever uploads are.
"""
import json
import os
import re
import sys

# SFTPGo's placeholders for event actions (internal/common/eventmanager.go, getStringReplacements).
PLACEHOLDERS = {
    "Name", "Event", "Status", "VirtualPath", "EscapedVirtualPath", "FsPath", "VirtualTargetPath",
    "FsTargetPath", "ObjectName", "ObjectBaseName", "ObjectType", "FileSize", "Elapsed",
    "Protocol", "IP", "Role", "Email", "Timestamp", "DateTime", "Year", "Month", "Day", "Hour",
    "Minute", "StatusString", "UID", "Ext", "VirtualDirPath", "VirtualTargetDirPath", "TargetName",
    "ErrorString", "Metadata", "MetadataString", "ObjectData", "ObjectDataString",
}
errors = []


def error(msg):
    errors.append(msg)


def executable(root, path):
    full = os.path.join(root, path.lstrip("/"))
    if not (os.path.isfile(full) and os.access(full, os.X_OK)):
        error(f"{path}: not an executable the install provides (looked at {full})")


def env_file(path):
    values = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def main(examples, root):
    docs = {}
    for name in sorted(os.listdir(examples)):
        path = os.path.join(examples, name)
        if name.endswith(".json"):
            try:
                docs[name] = json.load(open(path))
            except ValueError as e:
                error(f"{name}: not JSON: {e}")
    enabled = env_file(os.path.join(examples, "eventmanager.env")).get(
        "SFTPGO_COMMON__EVENT_MANAGER__ENABLED_COMMANDS", "").split(",")
    for name, want_version, pattern in (("eventmanager.json", 17, r"\{\{\.(\w+)\}\}"),
                                        ("eventmanager-v2.6.json", 16, r"\{\{(\w+)\}\}")):
        dump = docs.get(name)
        if dump is None:
            error(f"{name} missing")
            continue
        if dump.get("version") != want_version:
            error(f"{name}: version {dump.get('version')}, want {want_version}")
        text = json.dumps(dump)
        for raw in re.findall(r"\{\{[^}]*\}\}", text):
            m = re.fullmatch(pattern, raw)
            if not m or m.group(1) not in PLACEHOLDERS:
                error(f"{name}: placeholder {raw} is not SFTPGo {'2.7' if want_version == 17 else '2.6'}'s")
        for action in dump.get("event_actions", []):
            cmd = action.get("options", {}).get("cmd_config", {})
            if action.get("type") == 2:
                executable(root, cmd["cmd"])
                if cmd["cmd"] not in enabled:
                    error(f"{name}: {cmd['cmd']} is not in enabled_commands {enabled}")
                for var in cmd.get("env_vars", []):
                    if var["key"] == "SFTPGO_ACTION_SESSION_ID" and "UID" in var["value"]:
                        error(f"{name}: SFTPGO_ACTION_SESSION_ID fed from {var['value']}")
        for rule in dump.get("event_rules", []):
            events = rule.get("conditions", {}).get("fs_events", [])
            if "upload" in events and "copy" not in events:
                error(f"{name}: rule {rule.get('name')} has upload but not copy")
    hook = docs.get("hook.json", {})
    actions = hook.get("common", {}).get("actions", {})
    executable(root, actions.get("hook", ""))
    if "copy" not in actions.get("execute_on", []):
        error("hook.json: execute_on lacks copy")
    for command in hook.get("command", {}).get("commands", []):
        executable(root, command["path"])
        if command["path"] != actions.get("hook"):
            error(f"hook.json: command {command['path']} is not the hook {actions.get('hook')}")
    plugin = docs.get("plugin.json", {})
    for p in plugin.get("plugins", []):
        executable(root, p["cmd"])
        if "copy" not in p["notifier_options"]["fs_events"]:
            error("plugin.json: fs_events lacks copy")
    for name in sorted(os.listdir(examples)):
        if not name.endswith(".env"):
            continue
        values = env_file(os.path.join(examples, name))
        for key, value in values.items():
            if re.fullmatch(r"SFTPGO_COMMAND__COMMANDS__\d+__HOOK", key):
                error(f"{name}: {key} is never read by SFTPGo")
            if key in ("SFTPGO_COMMON__ACTIONS__HOOK", "SFTPGO_PLUGINS__0__CMD") or \
               re.fullmatch(r"SFTPGO_COMMAND__COMMANDS__\d+__PATH", key):
                executable(root, value)
            if key.endswith("FS_EVENTS") or key.endswith("EXECUTE_ON"):
                if "copy" not in value.split(","):
                    error(f"{name}: {key} lacks copy")
        for cmd in values.get("SFTPGO_COMMON__EVENT_MANAGER__ENABLED_COMMANDS", "").split(","):
            if cmd:
                executable(root, cmd)
    for e in errors:
        print("FAIL:", e)
    print(f"{len(docs)} SFTPGo JSON files checked, {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
