# Shared by the scripts: paths and the defaults they fill in for what the environment leaves
# unset. REPAIRBOT_* variables set by an operator or a harness always win.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
: "${REPAIRBOT_LOCAL_MYSQL_PORT:=13306}"
: "${REPAIRBOT_LOCAL_REDIS_PORT:=16379}"
LOCAL_MYSQL_URL="mysql://repairbot:repairbot@127.0.0.1:${REPAIRBOT_LOCAL_MYSQL_PORT}/repairbot"
LOCAL_REDIS_URL="redis://127.0.0.1:${REPAIRBOT_LOCAL_REDIS_PORT}/0"

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# True when the environment names no MySQL (resp. Redis) server: the scripts then start and use
# the project's own on loopback.
uses_local_mysql() { [ -z "${REPAIRBOT_MYSQL_URL:-}" ]; }
uses_local_redis() { [ -z "${REPAIRBOT_REDIS_URL:-}" ]; }

fill_defaults() {
    export REPAIRBOT_MYSQL_URL="${REPAIRBOT_MYSQL_URL:-$LOCAL_MYSQL_URL}"
    export REPAIRBOT_REDIS_URL="${REPAIRBOT_REDIS_URL:-$LOCAL_REDIS_URL}"
    export REPAIRBOT_LISTEN="${REPAIRBOT_LISTEN:-127.0.0.1:8080}"
    export REPAIRBOT_WECHAT_TOKEN="${REPAIRBOT_WECHAT_TOKEN:-repairbotlocal}"
    export REPAIRBOT_WECHAT_APPID="${REPAIRBOT_WECHAT_APPID:-wx0000000000local}"
    export REPAIRBOT_WECHAT_SECRET="${REPAIRBOT_WECHAT_SECRET:-local-secret}"
    export REPAIRBOT_WECHAT_AES_KEY="${REPAIRBOT_WECHAT_AES_KEY-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG}"
    export REPAIRBOT_ADMIN_TOKEN="${REPAIRBOT_ADMIN_TOKEN:-local-admin-token}"
}

# local_mysql_url DATABASE, local_redis_url DB: the URLs of a database (a Redis db number) on
# the project's own MariaDB (Redis).
local_mysql_url() { printf '%s/%s' "${LOCAL_MYSQL_URL%/repairbot}" "$1"; }
local_redis_url() { printf '%s/%s' "${LOCAL_REDIS_URL%/0}" "$1"; }

# mysql_local ARGS...: the mysql client as the application user on the project's own MariaDB.
mysql_local() {
    MYSQL_PWD=repairbot mysql --no-defaults -h127.0.0.1 -P"$REPAIRBOT_LOCAL_MYSQL_PORT" -urepairbot "$@"
}

# use_private_stores DATABASE REDIS_DB MYSQL_NOTE REDIS_NOTE: a run of its own, reset each time.
# Unless the environment names REPAIRBOT_MYSQL_URL, starts the project's own MariaDB, drops and
# creates DATABASE (a repairbot_test* name: the local user may create and drop only those) and
# exports its URL; otherwise says "using REPAIRBOT_MYSQL_URL as given MYSQL_NOTE". The same for
# Redis: db REDIS_DB flushed, or REPAIRBOT_REDIS_URL kept and REDIS_NOTE said.
use_private_stores() {
    local database="$1" redis_db="$2" mysql_note="$3" redis_note="$4"
    if uses_local_mysql; then
        "$ROOT/scripts/services" start-mysql
        mysql_local -e "DROP DATABASE IF EXISTS $database;
             CREATE DATABASE $database CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
        REPAIRBOT_MYSQL_URL="$(local_mysql_url "$database")"
        export REPAIRBOT_MYSQL_URL
    else
        say "using REPAIRBOT_MYSQL_URL as given $mysql_note"
    fi
    if uses_local_redis; then
        "$ROOT/scripts/services" start-redis
        redis-cli -p "$REPAIRBOT_LOCAL_REDIS_PORT" -n "$redis_db" flushdb >/dev/null
        REPAIRBOT_REDIS_URL="$(local_redis_url "$redis_db")"
        export REPAIRBOT_REDIS_URL
    else
        say "using REPAIRBOT_REDIS_URL as given $redis_note"
    fi
}

# ccache (CMakeLists.txt uses it when installed) keys on paths relative to the checkout, so a
# fresh clone elsewhere (CI) reuses what an earlier build of the same sources compiled.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"

# build_tree DIR TYPE [cmake options...]: configure once, then build everything in DIR.
build_tree() {
    local dir="$1" type="$2"; shift 2
    local jobs; jobs="$(nproc 2>/dev/null || echo 2)"
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
    else
        cmake -S "$ROOT" -B "$dir" "$@" >/dev/null
    fi
    local targets=()
    for t in "${BUILD_TARGETS[@]}"; do targets+=(--target "$t"); done
    cmake --build "$dir" -j"$jobs" "${targets[@]}"
}
BUILD_TARGETS=()

# --- Offline runs (scripts/run, scripts/chat, scripts/demo): the WeChat simulator's API server,
# the bot in the background, the seeded people and their terminal-chat openids. ---
: "${REPAIRBOT_SIM_PORT:=18081}"

# Points the bot's WeChat API at the local simulator unless the environment names an API base.
# Sets SIM_OWNED=1 when the simulator is ours to start.
fill_sim_defaults() {
    SIM_OWNED=""
    if [ -z "${REPAIRBOT_WECHAT_API_BASE:-}" ]; then
        export REPAIRBOT_WECHAT_API_BASE="http://127.0.0.1:${REPAIRBOT_SIM_PORT}"
        SIM_OWNED=1
    fi
}

# The webhook URL the bot serves, for the simulator's clients (0.0.0.0 and [::] mean loopback).
bot_webhook_url() {
    local host="${REPAIRBOT_LISTEN%:*}" port="${REPAIRBOT_LISTEN##*:}"
    case "$host" in ""|0.0.0.0|"[::]"|"::") host=127.0.0.1 ;; esac
    printf 'http://%s:%s/wechat' "$host" "$port"
}

# chat_openid owner NAME | technician N | dispatcher [N]: the stable openid a terminal-chat user
# has, so a technician's chat keeps its binding across runs (28 characters, like WeChat's).
chat_openid() {
    case "$1" in
        owner) printf 'oChatOwner%s' "$(printf '%s' "${2:-业主}" | sha1sum | cut -c1-18)" ;;
        technician) printf 'oChatTechnician%013d' "$((10#${2:-1}))" ;;
        dispatcher) printf 'oChatDispatcher%013d' "$((10#${2:-1}))" ;;
        *) die "chat_openid: unknown role '$1' (owner, technician, dispatcher)" ;;
    esac
}

# The signing options of the simulator's clients, from the bot's own settings.
sim_account_args() {
    SIM_ACCOUNT_ARGS=(--token "$REPAIRBOT_WECHAT_TOKEN")
    if [ -n "${REPAIRBOT_WECHAT_AES_KEY:-}" ]; then
        SIM_ACCOUNT_ARGS+=(--aes-key "$REPAIRBOT_WECHAT_AES_KEY" --appid "$REPAIRBOT_WECHAT_APPID")
    fi
}

# http_up URL: true when URL answers at all.
http_up() { curl -s -o /dev/null --max-time 2 "$1"; }

# wait_http URL PID SECONDS [STATUS]: polls URL every 0.1 s until it answers (with HTTP STATUS,
# when given): true; false as soon as process PID has exited, or after SECONDS.
wait_http() {
    local url="$1" pid="$2" tries=$(($3 * 10)) want="${4:-}"
    for _ in $(seq 1 "$tries"); do
        if [ -n "$want" ]; then
            [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" = "$want" ] && return 0
        else
            http_up "$url" && return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# write_tiny_jpeg FILE: a valid 1x1 JPEG, for photos in offline runs (any JPEG would do).
write_tiny_jpeg() {
    printf '%s' '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=' \
        | base64 -d >"$1"
}

# start_simulator SIM_BIN LOGFILE: `wechat-sim serve` on REPAIRBOT_SIM_PORT in the background;
# sets SIM_PID. Dies when the port is taken or the simulator does not come up.
start_simulator() {
    local bin="$1" log="$2"
    http_up "http://127.0.0.1:${REPAIRBOT_SIM_PORT}/sim/calls" \
        && die "something already listens on 127.0.0.1:${REPAIRBOT_SIM_PORT} (another ./scripts/run?); stop it or set REPAIRBOT_SIM_PORT"
    mkdir -p "$(dirname "$log")"
    "$bin" serve --listen "127.0.0.1:${REPAIRBOT_SIM_PORT}" --appid "$REPAIRBOT_WECHAT_APPID" \
        --secret "$REPAIRBOT_WECHAT_SECRET" >"$log" 2>&1 &
    SIM_PID=$!
    wait_http "http://127.0.0.1:${REPAIRBOT_SIM_PORT}/sim/calls" "$SIM_PID" 10 && return 0
    cat "$log" >&2
    die "the WeChat simulator did not start on 127.0.0.1:${REPAIRBOT_SIM_PORT} (log: $log)"
}

# start_bot BIN CONFIG LOGFILE: `repairbot serve` in the background; sets BOT_PID; waits until
# /healthz answers. Dies when the port is taken or the bot exits.
start_bot() {
    local bin="$1" config="$2" log="$3" base
    base="$(bot_webhook_url)"; base="${base%/wechat}"
    http_up "$base/healthz" \
        && die "something already listens on $REPAIRBOT_LISTEN (another ./scripts/run?); stop it or set REPAIRBOT_LISTEN=127.0.0.1:8081"
    mkdir -p "$(dirname "$log")"
    "$bin" serve --config "$config" >"$log" 2>&1 &
    BOT_PID=$!
    wait_http "$base/healthz" "$BOT_PID" 30 200 && return 0
    tail -20 "$log" >&2
    die "repairbot did not start on $REPAIRBOT_LISTEN (log: $log)"
}

# stop_started: stops the bot and the simulator this script started (by their PIDs), waits.
stop_started() {
    local pid
    for pid in ${BOT_PID:-} ${SIM_PID:-}; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in ${BOT_PID:-} ${SIM_PID:-}; do wait "$pid" 2>/dev/null || true; done
    BOT_PID=""; SIM_PID=""
}

# seed_person BIN CONFIG SIM_BIN OPENID NAME PHONE TRADES [technician add flags...]: adds the
# person unless a technician with PHONE exists (enabling them if disabled), and unless already
# bound, binds them to OPENID by sending "绑定 <code>" from OPENID as WeChat would. Idempotent.
# Prints one line saying what it did; warns (and goes on) when the bot did not confirm binding.
seed_person() {
    local bin="$1" config="$2" sim="$3" openid="$4" name="$5" phone="$6" trades="$7"; shift 7
    local row id out code reply
    mkdir -p "$VAR/log"
    row="$("$bin" technician list --all --config "$config" | grep -w -- "$phone" | head -1 || true)"
    if [ -z "$row" ]; then
        out="$("$bin" technician add --name "$name" --phone "$phone" --trades "$trades" "$@" \
            --config "$config" 2>>"$VAR/log/seed.log")" || die "could not add $name (see $VAR/log/seed.log)"
        id="$(printf '%s\n' "$out" | sed -n 's/^technician \([0-9]*\) added.*/\1/p' | head -1)"
        code="$(printf '%s\n' "$out" | tail -1)"
    else
        id="$(awk '{print $1}' <<<"$row")"
        [ "$(awk '{print $NF}' <<<"$row")" = yes ] \
            || "$bin" technician enable "$id" --config "$config" >/dev/null 2>>"$VAR/log/seed.log"
        if [ "$(awk '{print $(NF-1)}' <<<"$row")" = yes ]; then
            printf '  %s (ID %s, %s): already bound\n' "$name" "$id" "$trades"
            return 0
        fi
        code="$("$bin" technician bind-code "$id" --config "$config" 2>>"$VAR/log/seed.log" | tail -1)"
    fi
    sim_account_args
    reply="$("$sim" send --url "$(bot_webhook_url)" "${SIM_ACCOUNT_ARGS[@]}" --from "$openid" \
        --text "绑定 $code" 2>/dev/null || true)"
    if [[ "$reply" == *绑定成功* ]]; then
        printf '  %s (ID %s, %s): bound now\n' "$name" "$id" "$trades"
    else
        printf '  %s (ID %s, %s): NOT bound — the bot answered “%s” to “绑定 %s”\n' \
            "$name" "$id" "$trades" "${reply//$'\n'/ }" "$code" >&2
    fi
}

# seed_demo BIN CONFIG SIM_BIN: the demo's people — technician 1 (水/电/燃气), technician 2
# (门窗/土建/综合), a dispatcher (also supervisor; takes lift jobs) — bound to their chat openids.
seed_demo() {
    local bin="$1" config="$2" sim="$3"
    say "seeding the demo's people (idempotent)"
    seed_person "$bin" "$config" "$sim" "$(chat_openid technician 1)" 王师傅 13900000001 水,电,燃气
    seed_person "$bin" "$config" "$sim" "$(chat_openid technician 2)" 李师傅 13900000002 门窗,土建,综合
    seed_person "$bin" "$config" "$sim" "$(chat_openid dispatcher 1)" 陈客服 13900000003 电梯 \
        --dispatcher --supervisor
}
