#!/usr/bin/env bash
# The main job on embedded defaults: a real OpenStack site on loopback (the testbed),
# the hub on embedded SQLite, and the site agent against both:
#   check the site -> extract accounting -> send it to the hub's AMS endpoint -> the hub
#   loads and summarises it; discover the site (GLUE 2.1) -> publish it to the hub.
# The hub keeps running afterwards (Ctrl-C stops it) unless FEDSTACK_DEMO_EXIT=1.
#
#   npm run demo                      (after npm ci; needs root for the testbed's packages)
#   FEDSTACK_DEMO_PORT=8090 npm run demo
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${FEDSTACK_DEMO_PORT:-8080}
HUB=http://127.0.0.1:$PORT
WORK=${FEDSTACK_DEMO_DIR:-$PWD/.fedstack/demo}
FEDSTACK="node $PWD/dist/cli.js"
say() { printf '\n== %s\n' "$*" >&2; }

say "starting the OpenStack testbed site-a (first time: installs Debian packages, a few minutes)"
SITE_ENV=$(testbed/openstack.sh up --name site-a | tail -n 1)
SITE_DIR=$(dirname "$SITE_ENV")

mkdir -p "$WORK"
export FEDSTACK_HUB_DATA_DIR=$WORK/hub
if [ ! -s "$WORK/admin.token" ]; then (umask 077; openssl rand -hex 32 > "$WORK/admin.token"); fi
FEDSTACK_HUB_ADMIN_TOKEN=$(cat "$WORK/admin.token")
export FEDSTACK_HUB_ADMIN_TOKEN

say "starting the hub on $HUB (SQLite in $FEDSTACK_HUB_DATA_DIR)"
$FEDSTACK hub --listen "127.0.0.1:$PORT" --log-level warn &
HUB_PID=$!
trap 'kill $HUB_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "$HUB/v1/status" >/dev/null && break; sleep 0.2; done
curl -sf "$HUB/v1/status" >/dev/null || { echo "the hub did not start" >&2; exit 1; }

SITE=$(sed -n 's/^gocdb: //p' "$SITE_DIR/site.yaml")
if [ ! -s "$WORK/publisher.token" ]; then
  (umask 077; $FEDSTACK hub token create --site "$SITE" --label demo > "$WORK/publisher.token")
fi
cp "$SITE_DIR/admin-password" "$WORK/admin-password"
{
  sed 's#password_file: .*#password_file: admin-password#' "$SITE_DIR/site.yaml"
  cat <<YAML
accounting:
  state_dir: accounting
  default_extract_from: $(date -u -d '1 day ago' +%Y-%m-%dT%H:%M:%SZ)
  ams:
    url: $HUB
    project: accounting
    topic: eu-egi-cloud-accounting
    token_file: publisher.token
YAML
} > "$WORK/site.yaml"

say "fedstack site check"
$FEDSTACK site check --config "$WORK/site.yaml"

say "fedstack site accounting extract"
$FEDSTACK site accounting extract --config "$WORK/site.yaml"

say "fedstack site accounting send (to the hub's AMS endpoint)"
$FEDSTACK site accounting send --config "$WORK/site.yaml"

say "fedstack site discovery --publish $HUB"
$FEDSTACK site discovery --config "$WORK/site.yaml" --no-gocdb --publish "$HUB" --token-file "$WORK/publisher.token" >/dev/null

sleep 1
say "hub: accounting summaries per site and VO ($HUB/v1/accounting/summaries?group_by=site,vo,month)"
curl -s -H "x-api-key: $FEDSTACK_HUB_ADMIN_TOKEN" "$HUB/v1/accounting/summaries?group_by=site,vo,month&format=csv"
say "hub: sites in the information system ($HUB/v1/sites)"
curl -s "$HUB/v1/sites"
echo

if [ "${FEDSTACK_DEMO_EXIT:-0}" = 1 ]; then exit 0; fi
say "the hub keeps running on $HUB (admin token in $WORK/admin.token); Ctrl-C stops it"
wait $HUB_PID
