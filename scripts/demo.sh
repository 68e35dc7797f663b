#!/usr/bin/env bash
# The main job on embedded defaults: a real OpenStack site on loopback (the testbed),
# the hub on embedded SQLite, and the site agent against both:
#   make some usage on the site (scripts/demo-usage.mjs: servers in both VO projects, one on
#   the GPU flavor, one shelved, one deleted, a floating IP, a volume) -> check the site ->
#   extract accounting -> send it to the hub's AMS endpoint -> the hub loads and summarises it;
#   discover the site (GLUE 2.1) -> publish it to the hub. The demo's servers are removed
#   again once their usage is extracted (the testbed's projects are shared with the tests).
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
START=$(date +%s)
say() { printf '\n== %s\n' "$*" >&2; }
rel() { case "$1" in "$PWD"/*) echo "${1#"$PWD"/}";; *) echo "$1";; esac; }

# the scripts use the built code: build when dist/ is missing or older than a source file
if [ ! -f dist/cli.js ] || [ ! -f dist/web/index.html ] || [ -n "$(find src web -name '*.ts*' -newer dist/cli.js -print -quit)" ]; then
  say "building (npm run build)"; npm run build >/dev/null
fi

SITE_DIR=${TESTBED_DIR:-/tmp/os-testbed}/site-a
if [ -f "$SITE_DIR/site.env" ] && [[ "$(testbed/openstack.sh status --name site-a)" != *DOWN* ]]; then
  # a running site is used as it is: `up` would restart it under whoever else uses it (npm test)
  say "using the running OpenStack testbed site-a ($SITE_DIR)"
else
  say "starting the OpenStack testbed site-a (first time: installs Debian packages, then builds the site; see README)"
  SITE_DIR=$(dirname "$(testbed/openstack.sh up --name site-a | tail -n 1)")
fi

mkdir -p "$WORK"
export FEDSTACK_HUB_DATA_DIR=$WORK/hub
unset FEDSTACK_HUB_DATABASE_URL   # the demo's hub is on embedded SQLite, whatever the shell has set
if [ ! -s "$WORK/admin.token" ]; then (umask 077; openssl rand -hex 32 > "$WORK/admin.token"); fi
FEDSTACK_HUB_ADMIN_TOKEN=$(cat "$WORK/admin.token")
export FEDSTACK_HUB_ADMIN_TOKEN

say "starting the hub on $HUB (SQLite in $(rel "$FEDSTACK_HUB_DATA_DIR"))"
if curl -s -o /dev/null "$HUB/v1/status"; then
  echo "something already answers on $HUB; stop it or set FEDSTACK_DEMO_PORT" >&2; exit 1
fi
$FEDSTACK hub --listen "127.0.0.1:$PORT" --portal-access public --log-level warn &
HUB_PID=$!
USAGE=0
cleanup() {
  if [ $USAGE = 1 ]; then node scripts/demo-usage.mjs delete || true; fi
  kill $HUB_PID 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "$HUB/v1/status" >/dev/null && break; sleep 0.2; done
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

say "usage on $SITE: servers demo-* in projects vo and fedcloud, a floating IP, a volume"
USAGE=1
DEMO_IDS=$(node scripts/demo-usage.mjs create --site site-a)
USAGE_AT=$(date +%s)
GPU_VM=$(node -e 'console.log(JSON.parse(process.argv[1])["demo-gpu"])' "$DEMO_IDS")

say "fedstack site check"
$FEDSTACK site check --config "$WORK/site.yaml"

# Running servers are accounted up to the window's end (now): the seconds since they were
# created are their WallDuration, so no waiting is needed for non-zero usage.
say "fedstack site accounting extract (the demo servers are $(( $(date +%s) - USAGE_AT ))+ s old)"
$FEDSTACK site accounting extract --config "$WORK/site.yaml"
say "queued for the hub: the records of demo-gpu ($GPU_VM), a cloud record and its accelerator record"
node scripts/demo-report.mjs records "$WORK/accounting/outgoing" "$GPU_VM"

say "removing the demo's servers, floating IP and volume (their usage is in the outbox)"
node scripts/demo-usage.mjs delete --site site-a
USAGE=0

say "fedstack site accounting send (to the hub's AMS endpoint)"
$FEDSTACK site accounting send --config "$WORK/site.yaml"

say "fedstack site discovery --publish $HUB"
$FEDSTACK site discovery --config "$WORK/site.yaml" --no-gocdb --publish "$HUB" --token-file "$WORK/publisher.token" >/dev/null

api() { curl -sf -H "x-api-key: $FEDSTACK_HUB_ADMIN_TOKEN" "$HUB$1"; echo; }
# the hub loads AMS messages in the background: wait until it stored this run's records
node scripts/demo-report.mjs wait "$HUB" "$SITE" "$DEMO_IDS"

say "hub: the stored records of this run's servers (the hub's SQLite, $(rel "$FEDSTACK_HUB_DATA_DIR")/hub.sqlite)"
node scripts/demo-report.mjs stored "$DEMO_IDS"
say "hub: accounting summaries of $SITE per VO and month (WallDuration and CpuDuration in seconds)"
api "/v1/accounting/summaries?site=$SITE&group_by=site,vo,month&format=csv"
say "hub: accelerator usage of $SITE per month (demo-gpu and the GPU servers of earlier runs)"
api "/v1/accounting/accelerators?site=$SITE&format=csv"
say "hub: public IP usage of $SITE"
api "/v1/accounting/ip?site=$SITE&format=csv"
say "hub: $SITE in the information system"
node scripts/demo-report.mjs site "$HUB" "$SITE"

say "done in $(( $(date +%s) - START )) s; where to look next (while the hub runs)"
cat >&2 <<TXT
   web portal:    $HUB/   (accounting, sites, images, flavors; readable by all in the demo)
   admin token:   $(rel "$WORK/admin.token")   (curl -H "x-api-key: \$(cat $(rel "$WORK/admin.token"))" ...)
   summaries:     $HUB/v1/accounting/summaries?group_by=site,vo,month   (&format=csv, &format=apel)
   accelerators:  $HUB/v1/accounting/accelerators      public IPs: $HUB/v1/accounting/ip
   sites:         $HUB/v1/sites      images: $HUB/v1/site/$SITE/images?only_egi_images=false      flavors: $HUB/v1/flavors
   API document:  $HUB/openapi.json
   site config:   $(rel "$WORK/site.yaml")   (fedstack site ... --config it; outbox and watermarks in $(rel "$WORK/accounting"))
   OpenStack:     set -a; . $SITE_DIR/admin-openrc; set +a; openstack server list --all-projects
TXT

if [ "${FEDSTACK_DEMO_EXIT:-0}" = 1 ]; then exit 0; fi
say "the hub keeps running on $HUB; Ctrl-C stops it"
wait $HUB_PID
