#!/usr/bin/env bash
# A real, small OpenStack site on loopback, built from Debian's packages:
# Keystone, Glance (file store), Placement, Nova (fake virt driver: servers go
# ACTIVE without a hypervisor), Neutron (ports bind to a registered fake agent,
# floating IPs associate), Cinder (fake volume driver) and Swift (one replica on
# one local device); OIDC federation in
# front of Keystone through Apache mod_auth_openidc, as EGI sites run it.
# Several independent sites can run side by side (--name, --offset).
#
#   openstack.sh install                       apt packages (idempotent, ~3 min first time)
#   openstack.sh up   [--name N] [--offset K]  start a site, seed it, print its env file
#   openstack.sh down [--name N]               stop that site's processes
#   openstack.sh status [--name N]
#   openstack.sh keystone-stop|keystone-start --name N [--offset K]
#                                              stop or start only that site's Keystone (an outage for monitoring tests)
#   openstack.sh token --sub S [--entitlements E1,E2] [--lifetime SECONDS]
#                                              an OIDC access token from the testbed identity provider
#
# Ports of a site: Keystone 5000+K, Glance 9292+K, Placement 8778+K,
# Nova 8774+K, Neutron 9696+K, Cinder 8776+K, Keystone behind the OIDC front 5001+K, Swift 8888+K
# (its storage servers 6200+K..6202+K).  K defaults to 0; use e.g. 20 for a second site.
# State lives in $TESTBED_DIR/<name> (default /tmp/os-testbed/<name>).
# MariaDB (reached as root over its socket; the services use user testbed) and RabbitMQ (guest/guest,
# 127.0.0.1:5672) are used if running and started if not.
#
# No data plane: nothing boots, no packet flows; the APIs and their records
# behave as on a production site.
set -euo pipefail

NAME=site-a
OFFSET=0
SUB=""; ENTS=""; LIFETIME=3600
CMD=${1:-help}; shift || true
while [ $# -gt 0 ]; do
  case "$1" in
    --name) NAME=$2; shift 2;;
    --offset) OFFSET=$2; shift 2;;
    --sub) SUB=$2; shift 2;;
    --entitlements) ENTS=$2; shift 2;;
    --lifetime) LIFETIME=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done

ROOT=${TESTBED_DIR:-/tmp/os-testbed}
DIR=$ROOT/$NAME
PY=/usr/bin/python3
DBP=$(echo "$NAME" | tr -c 'a-zA-Z0-9\n' '_')   # database name prefix
KS_PORT=$((5000 + OFFSET)); GL_PORT=$((9292 + OFFSET)); PL_PORT=$((8778 + OFFSET))
NV_PORT=$((8774 + OFFSET)); NT_PORT=$((9696 + OFFSET)); CI_PORT=$((8776 + OFFSET)); FED_PORT=$((5001 + OFFSET))
# Swift: the proxy (object-store endpoint) and its object, container and account servers
SW_PORT=$((8888 + OFFSET)); SW_OBJ=$((6200 + OFFSET)); SW_CON=$((6201 + OFFSET)); SW_ACC=$((6202 + OFFSET))
ADMIN_PASSWORD=${TESTBED_ADMIN_PASSWORD:-secret}
SVC_PASSWORD=secret
PKGS="python3-keystone python3-glance python3-nova python3-placement python3-neutron python3-cinder python3-swift \
python3-openstackclient python3-pymysql python3-jwt uwsgi uwsgi-plugin-python3 mariadb-server rabbitmq-server curl \
apache2 libapache2-mod-auth-openidc"
# what the tests use besides the sites: python3-dirq (the outbox's compatibility check with Python
# dirq), qemu-utils (qemu-img, image conversion), docker-registry (the registry image source),
# openssh-client (ssh-keygen, a key for servers create), oidc-agent (the client's token source),
# monitoring-plugins-basic (check_tcp, an external plugin the hub's monitor runs), chromium (the
# portal's browser tests, driven by playwright-core at /usr/bin/chromium)
TEST_PKGS="python3-dirq qemu-utils docker-registry openssh-client oidc-agent monitoring-plugins-basic chromium fonts-dejavu-core"

log() { echo "[testbed $NAME] $*" >&2; }

install() {
  local missing=""
  for p in $PKGS $TEST_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    log "installing:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
  fi
  # paste files ship in the *-common packages, whose maintainer scripts want
  # a full service install; unpack just the files instead.
  local cache=$ROOT/.debs
  if [ ! -f "$cache/done" ] || [ ! -d "$cache/x/usr/share/cinder-common" ]; then
    mkdir -p "$cache" && (cd "$cache" && apt-get download glance-common nova-common neutron-common cinder-common >/dev/null \
      && for d in *.deb; do dpkg -x "$d" x; done && touch done)
  fi
}

wait_http() { # url seconds
  local i=0
  until curl -s -o /dev/null "$1"; do
    i=$((i + 1)); [ $i -gt "$2" ] && { log "no answer from $1"; return 1; }; sleep 1
  done
}

start_bg() { # name command...   (pid file: run/<name>.pid)
  local n=$1; shift
  "$@" > "$DIR/log/$n.out" 2>&1 &
  echo $! > "$DIR/run/$n.pid"
}

start_py() { # name argv0 module args...: an OpenStack console entry point, in the background
  local n=$1 argv0=$2 mod=$3; shift 3
  start_bg "$n" $PY -c "import sys; sys.argv=sys.argv[1:]; from $mod import main; sys.exit(main())" "$argv0" "$@"
}

infra() {
  if ! mysqladmin -uroot status >/dev/null 2>&1; then
    log "starting MariaDB"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    for _ in $(seq 60); do mysqladmin -uroot status >/dev/null 2>&1 && break; sleep 1; done
  fi
  if ! rabbitmqctl -q status >/dev/null 2>&1; then
    log "starting RabbitMQ"
    rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 90); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
  fi
  # a user of our own: root's login over TCP differs between installs
  mysql -uroot -e "CREATE USER IF NOT EXISTS 'testbed'@'127.0.0.1' IDENTIFIED BY 'testbed'; \
    CREATE USER IF NOT EXISTS 'testbed'@'localhost' IDENTIFIED BY 'testbed'; \
    GRANT ALL ON *.* TO 'testbed'@'127.0.0.1'; GRANT ALL ON *.* TO 'testbed'@'localhost';"
  rabbitmqctl -q add_vhost "$NAME" >/dev/null 2>&1 || true
  rabbitmqctl -q set_permissions -p "$NAME" guest '.*' '.*' '.*' >/dev/null
}

authtoken() { # section for keystonemiddleware / service users
  cat <<EOF
www_authenticate_uri = http://127.0.0.1:$KS_PORT
auth_url = http://127.0.0.1:$KS_PORT
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SVC_PASSWORD
EOF
}

common() {
  cat <<EOF
[oslo_messaging_notifications]
driver = noop
[oslo_policy]
enforce_new_defaults = false
enforce_scope = false
EOF
}

write_configs() {
  local db="mysql+pymysql://testbed:testbed@127.0.0.1"
  local x=$ROOT/.debs/x/usr/share
  mkdir -p "$DIR"/{log,run,keystone,glance/images,placement,nova/state,nova/locks,neutron/locks,cinder/state,cinder/locks}
  cat > "$DIR/keystone/keystone.conf" <<EOF
[DEFAULT]
log_file = $DIR/log/keystone.log
[database]
connection = $db/${DBP}_keystone
[token]
provider = fernet
[fernet_tokens]
key_repository = $DIR/keystone/fernet-keys
[credential]
key_repository = $DIR/keystone/credential-keys
$(common)
EOF
  cp "$x/glance-common/glance-api-paste.ini" "$DIR/glance/"
  cat > "$DIR/glance/glance-api.conf" <<EOF
[DEFAULT]
log_file = $DIR/log/glance.log
bind_host = 127.0.0.1
bind_port = $GL_PORT
workers = 1
enabled_backends = fs:file
[database]
connection = $db/${DBP}_glance
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $DIR/glance/images/
[keystone_authtoken]
$(authtoken glance)
[paste_deploy]
flavor = keystone
config_file = $DIR/glance/glance-api-paste.ini
$(common)
EOF
  cat > "$DIR/placement/placement.conf" <<EOF
[DEFAULT]
log_file = $DIR/log/placement.log
[placement_database]
connection = $db/${DBP}_placement
[api]
auth_strategy = keystone
[keystone_authtoken]
$(authtoken placement)
$(common)
EOF
  cp "$x/nova-common/api-paste.ini" "$DIR/nova/"
  cat > "$DIR/nova/nova.conf" <<EOF
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:5672/$NAME
compute_driver = fake.FakeDriver
state_path = $DIR/nova/state
my_ip = 127.0.0.1
host = $NAME-compute
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $NV_PORT
osapi_compute_workers = 1
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
allow_resize_to_same_host = true
# one host that is never really down: a heartbeat late on a loaded machine must not
# make the scheduler answer "no valid host", nor a slow RPC turn a build into ERROR
service_down_time = 3600
rpc_response_timeout = 300
[api]
auth_strategy = keystone
[api_database]
connection = $db/${DBP}_nova_api
[database]
connection = $db/${DBP}_nova
[wsgi]
api_paste_config = $DIR/nova/api-paste.ini
[keystone_authtoken]
$(authtoken nova)
[service_user]
send_service_user_token = false
[placement]
region_name = RegionOne
$(authtoken placement | grep -v www_authenticate_uri)
[neutron]
region_name = RegionOne
$(authtoken neutron | grep -v www_authenticate_uri)
[glance]
api_servers = http://127.0.0.1:$GL_PORT
[oslo_concurrency]
lock_path = $DIR/nova/locks
[scheduler]
discover_hosts_in_cells_interval = 5
[conductor]
workers = 1
[vnc]
enabled = false
$(common)
EOF
  cp "$x/neutron-common/api-paste.ini" "$DIR/neutron/"
  cat > "$DIR/neutron/neutron.conf" <<EOF
[DEFAULT]
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
bind_host = 127.0.0.1
bind_port = $NT_PORT
api_paste_config = $DIR/neutron/api-paste.ini
transport_url = rabbit://guest:guest@127.0.0.1:5672/$NAME
log_file = $DIR/log/neutron.log
state_path = $DIR/neutron
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
api_workers = 1
rpc_workers = 0
# the fake agent registered at creation never reports again: keep it alive
agent_down_time = 1000000000
[database]
connection = $db/${DBP}_neutron
[keystone_authtoken]
$(authtoken neutron)
[nova]
region_name = RegionOne
$(authtoken nova | grep -v www_authenticate_uri)
[oslo_concurrency]
lock_path = $DIR/neutron/locks
[ml2]
type_drivers = flat,local
tenant_network_types = local
mechanism_drivers = fake_agent
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
$(common)
EOF
  cp "$x/cinder-common/api-paste.ini" "$DIR/cinder/"
  cat > "$DIR/cinder/cinder.conf" <<EOF
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:5672/$NAME
auth_strategy = keystone
state_path = $DIR/cinder/state
api_paste_config = $DIR/cinder/api-paste.ini
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = $CI_PORT
osapi_volume_workers = 1
enabled_backends = fake
host = $NAME-volume
glance_api_servers = http://127.0.0.1:$GL_PORT
[database]
connection = $db/${DBP}_cinder
[keystone_authtoken]
$(authtoken cinder)
[fake]
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = fake
[oslo_concurrency]
lock_path = $DIR/cinder/locks
$(common)
EOF
  cat > "$DIR/admin-openrc" <<EOF
export OS_AUTH_URL=http://127.0.0.1:$KS_PORT/v3
export OS_USERNAME=admin
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=RegionOne
EOF
}

pymain() { # argv0 module -- args...: run an OpenStack console entry point with Debian's python
  local argv0=$1 mod=$2; shift 2
  $PY -c "import sys; sys.argv=sys.argv[1:]; from $mod import main; sys.exit(main())" "$argv0" "$@"
}

dbsync() {
  for d in keystone glance placement nova_api nova nova_cell0 neutron cinder; do
    mysql -uroot -e "CREATE DATABASE IF NOT EXISTS ${DBP}_$d"
  done
  local k="--config-file $DIR/keystone/keystone.conf"
  keystone-manage $k db_sync
  keystone-manage $k fernet_setup --keystone-user root --keystone-group root
  keystone-manage $k credential_setup --keystone-user root --keystone-group root
  keystone-manage $k bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-admin-url "http://127.0.0.1:$KS_PORT/v3/" --bootstrap-public-url "http://127.0.0.1:$KS_PORT/v3/" \
    --bootstrap-internal-url "http://127.0.0.1:$KS_PORT/v3/" --bootstrap-region-id RegionOne
  pymain glance-manage glance.cmd.manage --config-file "$DIR/glance/glance-api.conf" db_sync
  placement-manage --config-file "$DIR/placement/placement.conf" db sync
  local n="--config-file $DIR/nova/nova.conf"
  pymain nova-manage nova.cmd.manage $n api_db sync
  pymain nova-manage nova.cmd.manage $n cell_v2 map_cell0 --database_connection "mysql+pymysql://testbed:testbed@127.0.0.1/${DBP}_nova_cell0"
  pymain nova-manage nova.cmd.manage $n cell_v2 create_cell --name=cell1 || true  # exit 2 = exists
  pymain nova-manage nova.cmd.manage $n db sync
  pymain neutron-db-manage neutron.db.migration.cli --config-file "$DIR/neutron/neutron.conf" upgrade heads
  # the L2 agent that ports bind to (ML2 fake_agent driver): registered once, alive forever
  mysql -uroot "${DBP}_neutron" -e "INSERT INTO agents (id, agent_type, \`binary\`, topic, host, admin_state_up,
    created_at, started_at, heartbeat_timestamp, configurations, \`load\`) VALUES (UUID(), 'OFA driver agent',
    'neutron-fake-agent', 'N/A', '$NAME-compute', 1, UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP(),
    '{\"interface_mappings\": {\"public\": \"eth0\"}}', 0)"
  pymain cinder-manage cinder.cmd.manage --config-file "$DIR/cinder/cinder.conf" db sync
}


start_identity() {
  # "Connection: close": uwsgi holds one of its few workers per idle keep-alive
  # connection (up to its 4 s socket timeout), so pooling clients stall each other
  start_bg keystone env OS_KEYSTONE_CONFIG_FILES="$DIR/keystone/keystone.conf" \
    uwsgi --plugin python3 --http11-socket "127.0.0.1:$KS_PORT" --add-header "Connection: close" --wsgi-file /usr/bin/keystone-wsgi-public \
    --processes 2 --threads 1 --master --die-on-term --lazy-apps
  wait_http "http://127.0.0.1:$KS_PORT/v3" 60
}

# Swift with one replica on one local device, Keystone auth in the proxy (member or admin may write)
ringbuilder() { $PY -c "import sys; sys.argv[0] = 'swift-ring-builder'; from swift.cli.ringbuilder import main; sys.exit(main())" "$@" >/dev/null; }

write_swift() {
  local d=$DIR/swift kind port
  mkdir -p "$d/node/d1" /etc/swift
  # every site reads /etc/swift/swift.conf (its path is fixed in Swift); the rings are each site's own
  [ -f /etc/swift/swift.conf ] || printf '[swift-hash]\nswift_hash_path_suffix = fedstack-testbed\nswift_hash_path_prefix = fedstack\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n' > /etc/swift/swift.conf
  for kind in object container account; do
    case $kind in object) port=$SW_OBJ;; container) port=$SW_CON;; account) port=$SW_ACC;; esac
    printf '[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = %s\ndevices = %s/node\nmount_check = false\nswift_dir = %s\nworkers = 0\n[pipeline:main]\npipeline = %s-server\n[app:%s-server]\nuse = egg:swift#%s\n[%s-replicator]\n[%s-updater]\n[%s-auditor]\n' \
      "$port" "$d" "$d" "$kind" "$kind" "$kind" "$kind" "$kind" "$kind" > "$d/$kind-server.conf"
    if [ ! -f "$d/$kind.ring.gz" ]; then
      ringbuilder "$d/$kind.builder" create 0 1 1
      ringbuilder "$d/$kind.builder" add "r1z1-127.0.0.1:$port/d1" 1
      ringbuilder "$d/$kind.builder" rebalance || [ -f "$d/$kind.ring.gz" ]
    fi
  done
  {
    printf '[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = %s\nswift_dir = %s\nworkers = 0\n' "$SW_PORT" "$d"
    printf '[pipeline:main]\npipeline = catch_errors proxy-logging authtoken keystoneauth proxy-logging proxy-server\n'
    printf '[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n'
    printf '[filter:catch_errors]\nuse = egg:swift#catch_errors\n[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n'
    printf '[filter:keystoneauth]\nuse = egg:swift#keystoneauth\noperator_roles = admin, member\n'
    printf '[filter:authtoken]\npaste.filter_factory = keystonemiddleware.auth_token:filter_factory\ndelay_auth_decision = true\n'
    authtoken swift
  } > "$d/proxy-server.conf"
}

start_swift() {
  local kind
  for kind in object container account proxy; do
    start_bg "swift-$kind" $PY -c "import sys; from swift.common.wsgi import run_wsgi; sys.exit(run_wsgi(sys.argv[1], '$kind-server'))" "$DIR/swift/$kind-server.conf"
  done
  wait_http "http://127.0.0.1:$SW_PORT/info" 60
}

# Neutron's port queries name Port.port_forwardings, a backref that SQLAlchemy
# only creates once some ORM query has configured the mappers; a port list as
# the worker's first request fails with AttributeError. One network list first.
warm_neutron() {
  local token
  token=$(curl -s -i -H 'Content-Type: application/json' "http://127.0.0.1:$KS_PORT/v3/auth/tokens" -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},\"password\":\"$ADMIN_PASSWORD\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}" \
    | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p')
  curl -s -o /dev/null -H "X-Auth-Token: $token" "http://127.0.0.1:$NT_PORT/v2.0/networks" || true
}

start_services() { # everything but Keystone; the service users must exist already
  start_bg placement env OS_PLACEMENT_CONFIG_DIR="$DIR/placement" \
    uwsgi --plugin python3 --http11-socket "127.0.0.1:$PL_PORT" --add-header "Connection: close" --wsgi-file /usr/bin/placement-api \
    --processes 1 --threads 1 --master --die-on-term
  start_py glance glance-api glance.cmd.api --config-file "$DIR/glance/glance-api.conf"
  start_py neutron neutron-server neutron.cmd.eventlet.server --config-file "$DIR/neutron/neutron.conf"
  wait_http "http://127.0.0.1:$PL_PORT/" 60
  for s in conductor scheduler compute api; do
    start_py "nova-$s" "nova-$s" "nova.cmd.$s" --config-file "$DIR/nova/nova.conf" --log-file "$DIR/log/nova-$s.log"
  done
  for s in api scheduler volume; do
    start_py "cinder-$s" "cinder-$s" "cinder.cmd.$s" --config-file "$DIR/cinder/cinder.conf" --log-file "$DIR/log/cinder-$s.log"
  done
  wait_http "http://127.0.0.1:$GL_PORT/" 90
  wait_http "http://127.0.0.1:$NT_PORT/" 90
  warm_neutron
  wait_http "http://127.0.0.1:$NV_PORT/" 90
  wait_http "http://127.0.0.1:$CI_PORT/" 90
}

register_and_seed() { # one Python process instead of dozens of CLI starts: KS_PORT etc. via env
  KS_PORT=$KS_PORT GL_PORT=$GL_PORT PL_PORT=$PL_PORT NV_PORT=$NV_PORT NT_PORT=$NT_PORT CI_PORT=$CI_PORT SW_PORT=$SW_PORT \
  SITE=$NAME ADMIN_PASSWORD=$ADMIN_PASSWORD SVC_PASSWORD=$SVC_PASSWORD SEED_IMG="$DIR/seed.img" STEP=$1 ISSUER=$ISSUER \
  $PY - <<'PY'
import os, re, sys, time
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
env = os.environ
K = f"http://127.0.0.1:{env['KS_PORT']}/v3"
auth = v3.Password(auth_url=K, username="admin", password=env["ADMIN_PASSWORD"], project_name="admin",
                   user_domain_id="default", project_domain_id="default")
s = ks_session.Session(auth=auth)

def ks(method, path, body=None, ok=(200, 201, 204)):
    r = s.request(K + path, method, json=body, raise_exc=False)
    if r.status_code not in ok:
        sys.exit(f"keystone {method} {path}: {r.status_code} {r.text[:300]}")
    return r.json() if r.content else {}

def find(kind, name):
    items = ks("GET", f"/{kind}?name={name}")[kind]
    return items[0]["id"] if items else None

def project(name, **extra):
    return find("projects", name) or ks("POST", "/projects", {"project": {"name": name, "domain_id": "default", **extra}})["project"]["id"]

def user(name, password):
    return find("users", name) or ks("POST", "/users", {"user": {"name": name, "domain_id": "default", "password": password}})["user"]["id"]

def grant(project_id, user_id, role):
    ks("PUT", f"/projects/{project_id}/users/{user_id}/roles/{find('roles', role)}")

if env["STEP"] == "swift":  # idempotent: a site made before Swift was added gets it on its next start
    service = project("service")
    grant(service, user("swift", env["SVC_PASSWORD"]), "admin")
    if not ks("GET", "/services?type=object-store")["services"]:
        sid = ks("POST", "/services", {"service": {"name": "swift", "type": "object-store"}})["service"]["id"]
        for iface in ("public", "internal", "admin"):
            ks("POST", "/endpoints", {"endpoint": {"service_id": sid, "interface": iface, "region_id": "RegionOne",
                                                  "url": f"http://127.0.0.1:{env['SW_PORT']}/v1/AUTH_%(project_id)s"}})
    sys.exit(0)

if env["STEP"] == "register":
    service = project("service")
    for u in ("glance", "placement", "nova", "neutron", "cinder"):
        grant(service, user(u, env["SVC_PASSWORD"]), "admin")
    for name, typ, url in (("glance", "image", f"{env['GL_PORT']}"), ("placement", "placement", f"{env['PL_PORT']}"),
                           ("nova", "compute", f"{env['NV_PORT']}/v2.1"), ("neutron", "network", f"{env['NT_PORT']}"),
                           ("cinderv3", "volumev3", f"{env['CI_PORT']}/v3/%(project_id)s")):
        sid = ks("POST", "/services", {"service": {"name": name, "type": typ}})["service"]["id"]
        for iface in ("public", "internal", "admin"):
            ks("POST", "/endpoints", {"endpoint": {"service_id": sid, "interface": iface, "region_id": "RegionOne",
                                                  "url": f"http://127.0.0.1:{url}"}})
    sys.exit(0)

# seed: everything a federation test needs to find
def api(port, method, path, body=None, ok=(200, 201, 202, 204), **kw):
    r = s.request(f"http://127.0.0.1:{port}{path}", method, json=body, raise_exc=False, **kw)
    if r.status_code not in ok:
        sys.exit(f"{method} {path}: {r.status_code} {r.text[:300]}")
    return r.json() if r.content and r.headers.get("Content-Type", "").startswith("application/json") else {}

NV, NT, GL = env["NV_PORT"], env["NT_PORT"], env["GL_PORT"]
for _ in range(60):  # the compute host must be known to the cell before servers can be scheduled
    if api(NV, "GET", "/v2.1/os-hypervisors").get("hypervisors"):
        break
    time.sleep(2)
else:
    sys.exit("no hypervisor registered")
projects = {}
for p, vo in (("vo", "vo.access.egi.eu"), ("fedcloud", "fedcloud.egi.eu")):
    pid = project(p, tags=["caso"], VO=vo)
    projects[p] = pid
    grant(pid, user(f"{p}-user", "secret"), "member")
    grant(pid, find("users", "admin"), "admin")
def flavor(name, vcpus, ram, disk, specs):
    f = api(NV, "POST", "/v2.1/flavors", {"flavor": {"name": name, "vcpus": vcpus, "ram": ram, "disk": disk}})["flavor"]
    if specs:
        api(NV, "POST", f"/v2.1/flavors/{f['id']}/os-extra_specs", {"extra_specs": specs})
flavor("m1.small", 1, 2048, 10, {})
flavor("m1.large", 4, 8192, 40, {"accounting:benchmark_type": "HEPSPEC06", "accounting:benchmark_value": "10.5"})
flavor("g1.a100", 8, 32768, 80, {"Accelerator:Type": "GPU", "Accelerator:Number": "1", "Accelerator:Vendor": "NVIDIA",
                                 "Accelerator:Model": "Tesla A100", "Accelerator:Memory": "40"})
with open(env["SEED_IMG"], "wb") as f:
    f.write(os.urandom(1 << 20))
img = api(GL, "POST", "/v2/images", {"name": "Local Ubuntu 22.04", "disk_format": "raw", "container_format": "bare",
                                     "visibility": "public", "os_distro": "ubuntu", "os_version": "22.04",
                                     "architecture": "x86_64"})
with open(env["SEED_IMG"], "rb") as f:
    api(GL, "PUT", f"/v2/images/{img['id']}/file", data=f.read(), headers={"Content-Type": "application/octet-stream"})
pub = api(NT, "POST", "/v2.0/networks", {"network": {"name": "public", "router:external": True,
          "provider:network_type": "flat", "provider:physical_network": "public"}})["network"]["id"]
api(NT, "POST", "/v2.0/subnets", {"subnet": {"name": "public-subnet", "network_id": pub, "ip_version": 4,
                                             "cidr": "203.0.113.0/24"}})
for i, (p, pid) in enumerate(projects.items(), start=1):  # a private network per VO project, routed to public
    net = api(NT, "POST", "/v2.0/networks", {"network": {"name": f"{p}-net", "project_id": pid}})["network"]["id"]
    sub = api(NT, "POST", "/v2.0/subnets", {"subnet": {"name": f"{p}-subnet", "network_id": net, "ip_version": 4,
                                                       "cidr": f"10.{i}.0.0/24", "project_id": pid}})["subnet"]["id"]
    rtr = api(NT, "POST", "/v2.0/routers", {"router": {"name": f"{p}-router", "project_id": pid,
                                                       "external_gateway_info": {"network_id": pub}}})["router"]["id"]
    api(NT, "PUT", f"/v2.0/routers/{rtr}/add_router_interface", {"subnet_id": sub})
# federation: identity provider, one group per VO with the member role on its
# project, EGI-style mapping rules (entitlement regexes escaped), protocol openid
fed = "/OS-FEDERATION"
ks("PUT", f"{fed}/identity_providers/egi.eu", {"identity_provider": {"remote_ids": [env["ISSUER"]], "enabled": True,
                                                                    "domain_id": "default"}})
rules = []
for p, vo, ent in (("vo", "vo.access.egi.eu", "urn:mace:egi.eu:group:vo.access.egi.eu:role=vm_operator#aai.egi.eu"),
                   ("fedcloud", "fedcloud.egi.eu", "urn:mace:egi.eu:group:fedcloud.egi.eu:vm_operator:role=member#aai.egi.eu")):
    gid = find("groups", f"{p}-federated") or ks("POST", "/groups", {"group": {"name": f"{p}-federated", "domain_id": "default"}})["group"]["id"]
    ks("PUT", f"/projects/{projects[p]}/groups/{gid}/roles/{find('roles', 'member')}")
    rules.append({"local": [{"user": {"name": "{0}", "email": "{1}"}}, {"group": {"id": gid}}],
                  "remote": [{"type": "HTTP_OIDC_SUB"}, {"type": "HTTP_OIDC_EMAIL"},
                             {"type": "HTTP_OIDC_ISS", "any_one_of": [env["ISSUER"]]},
                             {"type": "HTTP_OIDC_EDUPERSON_ENTITLEMENT", "regex": True,
                              "any_one_of": ["^" + re.escape(ent) + "$"]}]})
ks("PUT", f"{fed}/mappings/egi-mapping", {"mapping": {"rules": rules}})
ks("PUT", f"{fed}/identity_providers/egi.eu/protocols/openid", {"protocol": {"mapping_id": "egi-mapping"}})
PY
}

env_file() {
  cat > "$DIR/site.env" <<EOF
TESTBED_SITE=$NAME
OS_AUTH_URL=http://127.0.0.1:$KS_PORT/v3
OS_USERNAME=admin
OS_PASSWORD=$ADMIN_PASSWORD
OS_PROJECT_NAME=admin
OS_USER_DOMAIN_NAME=Default
OS_PROJECT_DOMAIN_NAME=Default
OS_REGION_NAME=RegionOne
TESTBED_VO_PROJECTS=vo:vo.access.egi.eu,fedcloud:fedcloud.egi.eu
TESTBED_VO_USERS=vo-user:secret,fedcloud-user:secret
# OIDC: POST \$TESTBED_FEDERATION_URL/OS-FEDERATION/identity_providers/egi.eu/protocols/openid/auth
# with 'Authorization: Bearer <token>' (mint one with: openstack.sh token --sub S --entitlements E)
TESTBED_FEDERATION_URL=http://127.0.0.1:$FED_PORT/v3
TESTBED_OIDC_ISSUER=$ISSUER
TESTBED_IDP_KEY=$ROOT/idp/key.pem
TESTBED_VO_ENTITLEMENTS='vo.access.egi.eu=urn:mace:egi.eu:group:vo.access.egi.eu:role=vm_operator#aai.egi.eu;fedcloud.egi.eu=urn:mace:egi.eu:group:fedcloud.egi.eu:vm_operator:role=member#aai.egi.eu'
EOF
  # a Fedstack site config for this site (EGI catch-all format + credentials by reference)
  local vo_id fc_id
  vo_id=$(mysql -N -uroot "${DBP}_keystone" -e "SELECT id FROM project WHERE name='vo'")
  fc_id=$(mysql -N -uroot "${DBP}_keystone" -e "SELECT id FROM project WHERE name='fedcloud'")
  ( umask 077; printf '%s\n' "$ADMIN_PASSWORD" > "$DIR/admin-password" )
  cat > "$DIR/site.yaml" <<EOF
# Fedstack site config for testbed $NAME (written by openstack.sh up)
gocdb: TESTBED-$(echo "$NAME" | tr 'a-z' 'A-Z')
endpoint: http://127.0.0.1:$KS_PORT/v3/
region: RegionOne
vos:
  - name: vo.access.egi.eu
    auth:
      project_id: $vo_id
  - name: fedcloud.egi.eu
    auth:
      project_id: $fc_id
credentials:
  type: password
  username: admin
  user_domain_name: Default
  password_file: admin-password
EOF
  echo "$DIR/site.env"
}

down() {
  [ -d "$DIR/run" ] || return 0
  local pids="" f pid alive
  for f in "$DIR"/run/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    pids="$pids $pid $(pgrep -P "$pid" | tr "\n" " " || true)"   # the process and its own workers
  done
  if [ -n "${pids// }" ]; then
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 30); do
      alive=""
      for pid in $pids; do if kill -0 "$pid" 2>/dev/null; then alive="$alive $pid"; fi; done
      [ -z "$alive" ] && break
      sleep 0.5
    done
    [ -z "$alive" ] || kill -KILL $alive 2>/dev/null || true
  fi
  rm -f "$DIR"/run/*.pid
  # whatever still listens on this site's ports (workers whose parent was killed alone) goes too
  local port listeners
  for port in $KS_PORT $GL_PORT $PL_PORT $NV_PORT $NT_PORT $CI_PORT $FED_PORT $SW_PORT $SW_OBJ $SW_CON $SW_ACC; do
    listeners=$(ss -ltnpH "( sport = :$port )" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' ' || true)
    if [ -n "${listeners// }" ]; then
      kill -TERM $listeners 2>/dev/null || true
      sleep 1
      kill -KILL $listeners 2>/dev/null || true
    fi
  done
}

status() {
  for p in "keystone $KS_PORT/v3" "glance $GL_PORT/" "placement $PL_PORT/" "nova $NV_PORT/" "neutron $NT_PORT/" "cinder $CI_PORT/" "oidc-front $FED_PORT/v3" "swift $SW_PORT/info"; do
    set -- $p
    if curl -s -o /dev/null "http://127.0.0.1:$2"; then echo "$1 up (127.0.0.1:${2%%/*})"; else echo "$1 DOWN"; fi
  done
}

# --- OIDC federation, as EGI sites run it: Apache mod_auth_openidc validates the
# bearer token and hands its claims to Keystone's OS-FEDERATION "openid" method.
# One testbed identity provider serves every site (like EGI Check-in): a key pair
# under $ROOT/idp; `openstack.sh token` mints access tokens signed by it.
ISSUER=${TESTBED_OIDC_ISSUER:-https://aai.testbed.local/realms/egi}

idp_keys() {
  mkdir -p "$ROOT/idp"
  if [ ! -f "$ROOT/idp/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ROOT/idp/key.pem" -out "$ROOT/idp/cert.pem" \
      -days 3650 -subj "/CN=testbed identity provider" 2>/dev/null
    chmod 644 "$ROOT/idp/cert.pem"
  fi
}

write_federation_config() {
  idp_keys
  mkdir -p "$DIR/apache"
  # token validation: the testbed key, or a real provider's JWKS when TESTBED_OIDC_JWKS_URI is set
  local verify="OIDCOAuthVerifyCertFiles testbed#$ROOT/idp/cert.pem"
  [ -n "${TESTBED_OIDC_JWKS_URI:-}" ] && verify="OIDCOAuthVerifyJwksUri ${TESTBED_OIDC_JWKS_URI}"
  cat > "$DIR/apache/httpd.conf" <<EOF
ServerRoot /usr/lib/apache2
ServerName 127.0.0.1
PidFile $DIR/run/apache.pid
Listen 127.0.0.1:$FED_PORT
User www-data
Group www-data
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule auth_openidc_module /usr/lib/apache2/modules/mod_auth_openidc.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
ErrorLog $DIR/log/apache-error.log
LogLevel warn
OIDCCryptoPassphrase testbed-$NAME
$verify
OIDCOAuthRemoteUserClaim sub
OIDCClaimPrefix "OIDC-"
OIDCClaimDelimiter ";"
OIDCPassClaimsAs both
<Location "/v3/OS-FEDERATION/identity_providers/egi.eu/protocols/openid/auth">
  AuthType oauth20
  Require valid-user
</Location>
ProxyPass "/" "http://127.0.0.1:$KS_PORT/"
ProxyPassReverse "/" "http://127.0.0.1:$KS_PORT/"
EOF
  cat >> "$DIR/keystone/keystone.conf" <<EOF
[auth]
methods = password,token,application_credential,openid
[openid]
remote_id_attribute = HTTP_OIDC_ISS
EOF
}

start_federation() {
  apache2 -f "$DIR/apache/httpd.conf" -k start
  wait_http "http://127.0.0.1:$FED_PORT/v3" 30
}

mint_token() { # sub entitlement,entitlement,... [lifetime seconds]
  idp_keys
  $PY - "$ROOT/idp/key.pem" "$ISSUER" "$@" <<'PY'
import sys, time, jwt
key, iss, sub, ents = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else ""
life = int(sys.argv[5]) if len(sys.argv) > 5 else 3600
now = int(time.time())
claims = {"iss": iss, "sub": sub, "email": f"{sub.split('@')[0]}@example.org", "iat": now, "exp": now + life,
          "eduperson_entitlement": [e for e in ents.split(",") if e]}
print(jwt.encode(claims, open(key).read(), algorithm="RS256", headers={"kid": "testbed"}))
PY
}

ports_free() { # refuse to start over another process listening on our ports
  local port
  for port in $KS_PORT $GL_PORT $PL_PORT $NV_PORT $NT_PORT $CI_PORT $FED_PORT $SW_PORT $SW_OBJ $SW_CON $SW_ACC; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      log "port $port is in use: another site on this offset? ('$0 down --name $NAME' or pick --offset)"; exit 1
    fi
  done
}

case "$CMD" in
  install) install ;;
  up)
    install; infra
    if [ -f "$DIR/ready" ]; then down; fi
    ports_free
    if [ -f "$DIR/ready" ]; then
      log "restarting existing site"
      write_configs; write_federation_config   # configs follow this script; data and keys stay
      start_identity; register_and_seed swift; write_swift; start_services; start_swift; start_federation
    else
      rm -rf "$DIR"; mkdir -p "$DIR"
      for d in keystone glance placement nova_api nova nova_cell0 neutron cinder; do mysql -uroot -e "DROP DATABASE IF EXISTS ${DBP}_$d"; done
      write_configs; write_federation_config
      log "creating databases"; dbsync > "$DIR/log/dbsync.out" 2>&1 || { tail -20 "$DIR/log/dbsync.out" >&2; exit 1; }
      log "starting Keystone"; start_identity
      log "registering services"; register_and_seed register; register_and_seed swift
      log "starting services"; write_swift; start_services; start_swift
      log "seeding projects, flavors, image, network, federation"; register_and_seed seed
      log "starting the OIDC front"; start_federation
      touch "$DIR/ready"
    fi
    env_file ;;
  down) down ;;
  keystone-stop)
    if [ -f "$DIR/run/keystone.pid" ]; then
      pid=$(cat "$DIR/run/keystone.pid")
      kill -TERM $pid $(pgrep -P "$pid" | tr "\n" " " || true) 2>/dev/null || true
      rm -f "$DIR/run/keystone.pid"
    fi
    for _ in $(seq 40); do (exec 3<>"/dev/tcp/127.0.0.1/$KS_PORT") 2>/dev/null || exit 0; sleep 0.25; done
    # a Keystone this pid file does not name (started twice, say): whatever listens on the port
    listeners=$(ss -ltnpH "( sport = :$KS_PORT )" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' ' || true)
    [ -z "${listeners// }" ] || kill -KILL $listeners 2>/dev/null || true
    for _ in $(seq 20); do (exec 3<>"/dev/tcp/127.0.0.1/$KS_PORT") 2>/dev/null || exit 0; sleep 0.25; done
    log "Keystone still listens on $KS_PORT"; exit 1 ;;
  keystone-start)
    [ -f "$DIR/ready" ] || { log "no site here: '$0 up --name $NAME' first"; exit 1; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$KS_PORT") 2>/dev/null; then log "Keystone already listens on $KS_PORT"; exit 0; fi
    start_identity ;;
  status) status ;;
  token) [ -n "$SUB" ] || { echo "token needs --sub" >&2; exit 2; }; mint_token "$SUB" "$ENTS" "$LIFETIME" ;;
  *) sed -n '2,27p' "$0"; exit 2 ;;
esac
