#!/bin/sh
# Install the virtcap agent on a Xen dom0 (idempotent: run it again to upgrade).
#   sh install.sh [path/to/virtcap-agent.cjs]
# Environment: PREFIX (/usr/local), UNITDIR (/etc/systemd/system), CONFDIR (/etc/virtcap),
# NO_SYSTEMCTL=1 to skip daemon-reload/enable (images, tests).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bundle=${1:-}
if [ -z "$bundle" ]; then
  for candidate in "$here/virtcap-agent.cjs" "$here/../../dist/agent/virtcap-agent.cjs"; do
    if [ -f "$candidate" ]; then bundle=$candidate; break; fi
  done
fi
[ -n "$bundle" ] && [ -f "$bundle" ] || { echo "install.sh: virtcap-agent.cjs not found (build it with npm run build:agent, or pass its path)" >&2; exit 1; }

PREFIX=${PREFIX:-/usr/local}
UNITDIR=${UNITDIR:-/etc/systemd/system}
CONFDIR=${CONFDIR:-/etc/virtcap}
libdir=$PREFIX/lib/virtcap
sbindir=$PREFIX/sbin

node=$(command -v node || command -v nodejs || true)
[ -n "$node" ] || { echo "install.sh: Node.js 18 or newer is needed (Debian: apt-get install nodejs)" >&2; exit 1; }
major=$("$node" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || { echo "install.sh: Node.js $major is too old; 18 or newer is needed" >&2; exit 1; }

install -d -m 0755 "$libdir" "$sbindir" "$UNITDIR"
install -d -m 0755 "$CONFDIR"
install -m 0644 "$bundle" "$libdir/virtcap-agent.cjs.new"
mv -f "$libdir/virtcap-agent.cjs.new" "$libdir/virtcap-agent.cjs"

wrapper=$sbindir/virtcap-agent
tmp=$wrapper.new
cat > "$tmp" <<WRAPPER
#!/bin/sh
exec "$node" "$libdir/virtcap-agent.cjs" "\$@"
WRAPPER
chmod 0755 "$tmp"
mv -f "$tmp" "$wrapper"

sed "s#/usr/local/sbin/virtcap-agent#$wrapper#" "$here/virtcap-agent.service" > "$UNITDIR/virtcap-agent.service"
install -m 0644 "$here/virtcap-agent.timer" "$UNITDIR/virtcap-agent.timer"
install -m 0644 "$here/agent.example.json" "$CONFDIR/agent.example.json"

echo "installed $libdir/virtcap-agent.cjs, $wrapper and the systemd units in $UNITDIR"
if [ ! -f "$CONFDIR/agent.json" ]; then
  echo "next: write $CONFDIR/agent.json (see agent.example.json), then: virtcap-agent enroll --server URL --secret S"
fi
if [ "${NO_SYSTEMCTL:-0}" != 1 ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  systemctl enable --now virtcap-agent.timer
fi
