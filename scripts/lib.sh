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
