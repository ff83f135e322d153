/** `--help` text for each command. */
export const COMMON_OPTIONS = `Common options:
  --config FILE            configuration file (default /etc/virtcap/agent.json); flags win over it
  --server URL             ingest API base URL, e.g. https://virtcap.example.net
  --ca-file FILE           PEM CA bundle to trust for the server's TLS certificate
  --state-dir DIR          token, spool and xl dmesg cache (default /var/lib/virtcap)
  --sysroot DIR            read /sys, /proc and /etc/machine-id under DIR (testing; default /)
  --labels k=v,k2=v2       host labels sent with every snapshot
  --hostname NAME          override the reported hostname
  --machine-id ID          override /etc/machine-id
  --command-timeout DUR    timeout for each collector command (default 30s)
  --request-timeout DUR    timeout for each HTTP request (default 30s)
  --spool-max-entries N    snapshots kept while the server is unreachable (default 500)
  --spool-max-bytes N      bytes kept in the spool (default 268435456)
  --quiet                  only warnings and errors on stderr
  -h, --help               this help`;

export const HELP: Record<string, string> = {
  main: `virtcap-agent: read a Xen dom0's virtualization capabilities and report them.

Usage: virtcap-agent <command> [options]

Commands:
  collect    collect evidence, build the snapshot, send it (or print it with --dry-run)
  enroll     exchange the fleet enroll secret for this host's token
  run        collect and send once (--once) or every --interval (daemon)
  capture    write the live host's evidence into an evidence directory

Run "virtcap-agent <command> --help" for the options of a command.`,
  collect: `Usage: virtcap-agent collect [--evidence-dir DIR] [--dry-run] [--format json|text]

Collect the evidence (from the live host, or from DIR laid out as an evidence directory),
parse it into facts and verdicts, validate the snapshot, then spool and send it.

  --evidence-dir DIR       read captured files instead of the live host (every file optional)
  --dry-run                print the snapshot and send nothing
  --format json|text       json (default): the snapshot; text: one line per capability,
                           PASS/WARN/FAIL/UNKNOWN with the reason and the remediation

${COMMON_OPTIONS}`,
  enroll: `Usage: virtcap-agent enroll --server URL --secret S [--labels k=v,...]

POST /v1/enroll with the fleet enroll secret, this host's name and machine id; the token the
server returns (shown once) is stored in <state-dir>/token.json with mode 0600.

  --secret S               the fleet enroll secret

${COMMON_OPTIONS}`,
  run: `Usage: virtcap-agent run --once
       virtcap-agent run [--interval 1h] [--jitter 10m]

Collect and send. Snapshots the server cannot take now are spooled and replayed, oldest
first, before the next one. Without --once the agent stays up, running every interval plus a
random delay up to jitter; SIGTERM or SIGINT stops it cleanly.

  --once                   one cycle, then exit
  --interval DUR           time between cycles (default 1h)
  --jitter DUR             random extra delay per cycle (default 10m)
  --evidence-dir DIR       report a captured evidence directory instead of the live host

${COMMON_OPTIONS}`,
  capture: `Usage: virtcap-agent capture --out DIR

Write the live host's evidence into DIR in the evidence-directory layout (xl-info.txt,
xl-dmesg.txt, acpi/RMAD, dmi/…), plus boot_id and .virtcap-collection.json. Serial numbers
and UUIDs are hashed. Read it back with: virtcap-agent collect --evidence-dir DIR --dry-run

  --out DIR                where to write

${COMMON_OPTIONS}`,
};
