#!/usr/bin/env bash
# Client CPU per call (Converse) and per event (ConverseStream): this SDK, the official
# aws-sdk-bedrockruntime 1.153.0 and a bare hyper client (the floor), against one bedrock-local
# process, interleaved in one run. See README.md.
#
#   benchmarks/client/run.sh [converse|stream|all] [extra client-bench args]
#
# Builds (release) the bedrock-local binary into ${LOCAL_TARGET:-/work/target-bench-local} and
# this bench into ${CLIENT_TARGET:-/work/target-bench-client}, then runs the bench, which starts
# bedrock-local itself as a separate process. Output (markdown tables) goes to stdout and to
# target/<mode>.md here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
mode="${1:-all}"
shift || true
local_target="${LOCAL_TARGET:-/work/target-bench-local}"
client_target="${CLIENT_TARGET:-/work/target-bench-client}"
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_TARGET_DIR
(cd "$repo" && CARGO_TARGET_DIR="$local_target" cargo build --release -q -p bedrock-local)
(cd "$here" && CARGO_TARGET_DIR="$client_target" cargo build --release --locked -q)
mkdir -p "$here/target"
run() {
    echo "# $1 — $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), $(lscpu | sed -n 's/^Model name: *//p')" | tee "$here/target/$1.md"
    BEDROCK_LOCAL="$local_target/release/bedrock-local" "$client_target/release/client-bench" "$@" | tee -a "$here/target/$1.md"
}
case "$mode" in
    converse) run converse "$@" ;;
    stream) run stream "$@" ;;
    all) run converse; run stream ;;
    *) echo "usage: $0 [converse|stream|all] [args]" >&2; exit 2 ;;
esac
