#!/usr/bin/env bash
# Install Klassruk on a Debian/Ubuntu server: a system user, the app and its venv under
# /opt/klassruk, a local PostgreSQL database (or --database-url), the settings in
# /etc/klassruk/klassruk.env, systemd units for N app processes, migrations and nightly
# backups, and an nginx site. Run as root from a checkout:
#
#   sudo deploy/install.sh --server-name journal.school17.ru --processes 2
#   sudo deploy/install.sh --check        # change nothing: check prerequisites, render and verify
#
# TLS: after the install, `certbot --nginx -d NAME` (Debian's certbot and python3-certbot-nginx),
# or put the school's certificate into the site's TLS server block (see README, «Deployment»).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
source_dir="$(dirname "$here")"
check=false
processes=2
server_name="$(hostname -f 2>/dev/null || hostname)"
database_url=""
prefix=/opt/klassruk
data_dir=/var/lib/klassruk
env_file=/etc/klassruk/klassruk.env

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=true ;;
    --processes) processes="$2"; shift ;;
    --server-name) server_name="$2"; shift ;;
    --database-url) database_url="$2"; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
  shift
done
case "$processes" in ''|*[!0-9]*|0) echo "--processes must be a positive number" >&2; exit 2 ;; esac

say() { printf '• %s\n' "$*"; }
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need python3 python3
need nginx nginx
need systemctl systemd
need pg_dump postgresql-client
[ -n "$database_url" ] || need psql postgresql
python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  || missing+=("python3 (3.11 or newer) python3-venv")

render_units() {  # $1: target folder; $2: venv; $3: app dir; $4: env file; $5: data dir
  mkdir -p "$1"
  for unit in "$here"/systemd/*; do
    sed -e "s#@VENV@#$2#g" -e "s#@APP_DIR@#$3#g" -e "s#@ENV_FILE@#$4#g" -e "s#@DATA_DIR@#$5#g" \
      "$unit" > "$1/$(basename "$unit")"
  done
}

upstreams() {
  for i in $(seq 1 "$processes"); do
    printf 'server 127.0.0.1:%d max_fails=3 fail_timeout=10s; ' "$((8600 + i))"
  done
}

render_site() {  # $1: the file to write
  KLASSRUK_LISTEN=80 KLASSRUK_DEPLOY_DIR="$prefix/app/deploy" KLASSRUK_UPSTREAMS="$(upstreams)" \
    envsubst '$KLASSRUK_LISTEN $KLASSRUK_DEPLOY_DIR $KLASSRUK_UPSTREAMS' \
    < "$here/nginx/klassruk.conf.template" > "$1"
}

if $check; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  if [ ${#missing[@]} -gt 0 ]; then
    say "missing on this machine (apt-get install): ${missing[*]}"
  else
    say "prerequisites present"
  fi
  # Verified against this checkout and its venv, which stand in for /opt/klassruk.
  venv="$source_dir/.venv"
  [ -x "$venv/bin/python" ] || { echo "no venv at $venv to verify the units against" >&2; exit 1; }
  touch "$work/klassruk.env"
  render_units "$work/units" "$venv" "$source_dir" "$work/klassruk.env" "$work"
  cp "$work/units/klassruk@.service" "$work/units/klassruk@1.service"
  (cd "$work/units" && systemd-analyze verify klassruk@1.service klassruk.target \
    klassruk-migrate.service klassruk-sender.service klassruk-backup.service klassruk-backup.timer \
    klassruk-retention.service klassruk-retention.timer)
  say "systemd units verified (systemd-analyze verify)"
  render_site "$work/klassruk.conf"
  printf 'events {}\nhttp {\n include %s;\n}\n' "$work/klassruk.conf" > "$work/nginx.conf"
  sed -i "s#$prefix/app/deploy#$here#g" "$work/klassruk.conf"
  nginx -t -q -c "$work/nginx.conf" -g "pid $work/nginx.pid; error_log $work/error.log;"
  say "nginx site renders and passes nginx -t ($processes processes)"
  say "would install to $prefix, data in $data_dir, settings in $env_file, site for $server_name"
  exit 0
fi

[ "$(id -u)" = 0 ] || { echo "run as root (sudo)" >&2; exit 1; }
if [ ${#missing[@]} -gt 0 ]; then
  echo "install first: apt-get install ${missing[*]} gettext-base" >&2
  exit 1
fi

say "system user klassruk"
id klassruk >/dev/null 2>&1 || useradd --system --home-dir "$data_dir" --shell /usr/sbin/nologin klassruk
install -d -m 0700 -o klassruk -g klassruk "$data_dir" "$data_dir/backups"
install -d -m 0755 "$prefix"

say "the app in $prefix/app and its venv"
mkdir -p "$prefix/app"
tar -C "$source_dir" --exclude=.git --exclude=.venv --exclude=data --exclude='__pycache__' -cf - . \
  | tar -C "$prefix/app" -xf -
[ -x "$prefix/venv/bin/python" ] || python3 -m venv "$prefix/venv"
"$prefix/venv/bin/pip" install --quiet -r "$prefix/app/requirements.txt"

if [ -z "$database_url" ]; then
  say "PostgreSQL database klassruk (local, peer-authenticated role)"
  if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='klassruk'" | grep -q 1; then
    runuser -u postgres -- createuser klassruk
  fi
  if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname='klassruk'" | grep -q 1; then
    runuser -u postgres -- createdb --owner=klassruk klassruk
  fi
  database_url="postgresql+psycopg://klassruk@/klassruk?host=/var/run/postgresql"
fi

if [ ! -f "$env_file" ]; then
  say "settings in $env_file (a new cookie key)"
  install -d -m 0750 -g klassruk "$(dirname "$env_file")"
  umask 027
  cat > "$env_file" <<ENV
DATABASE_URL=$database_url
KLASSRUK_COOKIE_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
KLASSRUK_DATA_DIR=$data_dir
KLASSRUK_BACKUP_DIR=$data_dir/backups
KLASSRUK_APP_URL=https://$server_name
KLASSRUK_TRUSTED_PROXIES=127.0.0.1,::1
ENV
  chgrp klassruk "$env_file"
  umask 022
else
  say "keeping the settings in $env_file"
fi

say "systemd units: $processes app processes, migrations, the notification sender, nightly backups and retention"
render_units /etc/systemd/system "$prefix/venv" "$prefix/app" "$env_file" "$data_dir"
systemctl daemon-reload
systemctl start klassruk-migrate.service
for i in $(seq 1 "$processes"); do systemctl enable --now "klassruk@$i.service"; done
systemctl enable --now klassruk.target klassruk-sender.service klassruk-backup.timer \
  klassruk-retention.timer

say "nginx site"
render_site /etc/nginx/sites-available/klassruk.conf
sed -i "s/server_name _;/server_name $server_name;/" /etc/nginx/sites-available/klassruk.conf
ln -sf /etc/nginx/sites-available/klassruk.conf /etc/nginx/sites-enabled/klassruk.conf
nginx -t && systemctl reload nginx

for i in $(seq 1 "$processes"); do
  for _ in $(seq 1 60); do
    curl -fs "http://127.0.0.1:$((8600 + i))/healthz" >/dev/null && break
    sleep 1
  done
  say "process $i: $(curl -s "http://127.0.0.1:$((8600 + i))/healthz")"
done
say "Klassruk answers at http://$server_name/ — next: TLS (certbot --nginx -d $server_name),"
say "then open it, choose «Реальная школа» and create the first administrator."
