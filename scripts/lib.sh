# scripts/lib.sh — shared by scripts/run, scripts/test and bench/run: install what is missing,
# build, and start/stop a private Redis and PostgreSQL under .sampark/<profile>/.
# Services run as an unprivileged user (PostgreSQL refuses root); only what this script
# started is stopped. Sourced, not executed.

SP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SP_PG_BIN=/usr/lib/postgresql/15/bin
SP_USER=sampark
SP_STARTED=()

sp_say() { printf '==> %s\n' "$*" >&2; }
sp_die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# Debian packages the build, the tests and the services need.
SP_PACKAGES=(
  gcc make cmake pkg-config libc6-dev
  libwebsockets-dev libhiredis-dev libpq-dev libcurl4-openssl-dev libjson-c-dev
  libpcre2-dev libssl-dev libcmocka-dev
  redis-server redis-tools postgresql-15 postgresql-client-15
  curl python3 procps util-linux openssl
)

sp_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo "$@";
  else sp_die "need root (or sudo) to run: $*"; fi
}

sp_install_deps() {
  local missing=() p
  for p in "${SP_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  sp_say "installing ${missing[*]}"
  sp_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    sp_die "apt-get update failed"
  sp_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || sp_die "apt-get install ${missing[*]} failed"
}

# The browser tests' own (scripts/test): Debian's chromium, driven headless by playwright-core
# from npm (kept in tests/browser/node_modules, at the version package-lock.json pins), and a
# Devanagari font so that a screenshot shows Hindi, not boxes. Node.js comes from Debian unless
# the machine already has one.
sp_install_browser() {
  local extra=(chromium fonts-noto-core) dir="$SP_ROOT/tests/browser"
  command -v node >/dev/null 2>&1 || extra+=(nodejs)
  command -v npm >/dev/null 2>&1 || extra+=(npm)
  sp_install_deps "${extra[@]}"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    sp_say "installing playwright-core from npm (tests/browser)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
      sp_die "npm ci in tests/browser failed"
  fi
}

# sp_build DIR [cmake args...]
sp_build() {
  local dir=$1; shift
  cmake -S "$SP_ROOT" -B "$dir" "$@" >/dev/null || sp_die "cmake configure failed"
  cmake --build "$dir" -j"$(nproc)" -- --no-print-directory >/dev/null ||
    { cmake --build "$dir" -j1 2>&1 | tail -40 >&2; sp_die "build failed"; }
}

# Runs a command as the unprivileged service user when we are root.
sp_run_as() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$SP_USER" -- "$@"; else "$@"; fi
}

sp_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# sp_data_dir PROFILE → sets SP_DATA. .sampark/<profile> under the project, unless the
# service user cannot reach the project (a clone under /root, say): then a private
# directory under /var/tmp named after the project's path.
sp_data_dir() {
  local profile=$1
  if [ "$(id -u)" -eq 0 ] && ! id "$SP_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SP_USER" ||
      sp_die "cannot create the service user $SP_USER"
  fi
  SP_DATA=$SP_ROOT/.sampark/$profile
  mkdir -p "$SP_DATA"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$SP_USER:" "$SP_DATA"
    if ! runuser -u "$SP_USER" -- test -w "$SP_DATA" 2>/dev/null; then
      SP_DATA=/var/tmp/sampark-$(printf '%s' "$SP_ROOT" | sha1sum | cut -c1-12)/$profile
      sp_say "the $SP_USER user cannot reach $SP_ROOT; keeping service data in $SP_DATA"
      mkdir -p "$SP_DATA" && chown "$SP_USER:" "$SP_DATA" "$(dirname "$SP_DATA")"
    fi
  fi
}

# sp_start_postgres PORT → PostgreSQL 15 with data in $SP_DATA/pg, database "sampark".
sp_start_postgres() {
  local port=$1 pgdata=$SP_DATA/pg
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    sp_say "initialising PostgreSQL in $pgdata"
    sp_run_as "$SP_PG_BIN/initdb" -D "$pgdata" -U sampark -A trust -E UTF8 --locale=C.UTF-8 \
      >"$SP_DATA/initdb.log" 2>&1 || { tail -5 "$SP_DATA/initdb.log" >&2; sp_die "initdb failed"; }
  fi
  if sp_run_as "$SP_PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    sp_say "PostgreSQL already running on port $port (left running on exit)"
  else
    sp_port_busy "$port" && sp_die "port $port is in use by another program; PostgreSQL for Sampark cannot start (set SP_PG_PORT)"
    sp_run_as "$SP_PG_BIN/pg_ctl" -D "$pgdata" -l "$SP_DATA/postgres.log" -w -t 60 \
      -o "-p $port -k $pgdata -c listen_addresses=127.0.0.1 -c fsync=${SP_PG_FSYNC:-on} ${SP_PG_OPTS:-}" start >/dev/null ||
      { tail -5 "$SP_DATA/postgres.log" >&2; sp_die "PostgreSQL did not start"; }
    SP_STARTED+=("postgres:$pgdata")
    sp_say "PostgreSQL started on 127.0.0.1:$port"
  fi
  if ! sp_run_as "$SP_PG_BIN/psql" -h 127.0.0.1 -p "$port" -U sampark -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'sampark'" | grep -q 1; then
    sp_run_as "$SP_PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U sampark sampark || sp_die "createdb failed"
  fi
}

# sp_start_redis PORT → Redis with an append-only file in $SP_DATA/redis.
sp_start_redis() {
  local port=$1 dir=$SP_DATA/redis
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$SP_USER:" "$dir"
  if [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null &&
     redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
    sp_say "Redis already running on port $port (left running on exit)"
    return 0
  fi
  sp_port_busy "$port" && sp_die "port $port is in use by another program; Redis for Sampark cannot start (set SP_REDIS_PORT)"
  sp_run_as redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --appendonly yes --save "" \
    >/dev/null || sp_die "Redis did not start (see $dir/redis.log)"
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  redis-cli -p "$port" ping 2>/dev/null | grep -q PONG || sp_die "Redis did not answer on port $port"
  SP_STARTED+=("redis:$port:$dir")
  sp_say "Redis started on 127.0.0.1:$port"
}

# Stops only what this shell started, newest first.
sp_stop_started() {
  local i item
  for ((i = ${#SP_STARTED[@]} - 1; i >= 0; i--)); do
    item=${SP_STARTED[$i]}
    case $item in
      postgres:*)
        sp_run_as "$SP_PG_BIN/pg_ctl" -D "${item#postgres:}" -m fast -w stop >/dev/null 2>&1 &&
          sp_say "PostgreSQL stopped" ;;
      redis:*)
        local rest=${item#redis:}
        redis-cli -p "${rest%%:*}" shutdown >/dev/null 2>&1
        sp_say "Redis stopped" ;;
    esac
  done
  SP_STARTED=()
}
