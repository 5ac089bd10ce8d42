#!/usr/bin/env bash
# SSE decoding + typed deserialization of long Responses and Chat Completions streams:
# bedrock-mantle against async-openai 0.43.0, on the same bytes from one loopback server
# (this bench in `serve` mode, a separate process), interleaved in one run. See README.md.
#
#   benchmarks/sse/run.sh [extra sse-bench args]         # loopback HTTP; default: --events 200000 --rounds 5
#   benchmarks/sse/run.sh decode [extra sse-bench args]  # in memory, no HTTP (target/sse-decode.md)
#
# Builds (release) this bench into ${SSE_TARGET:-/work/target-ssebench}, checks that every
# generated event parses with both type sets, then runs the bench. Output (markdown tables)
# goes to stdout and to target/sse.md here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sse_target="${SSE_TARGET:-/work/target-ssebench}"
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_TARGET_DIR
(cd "$here" && CARGO_TARGET_DIR="$sse_target" cargo build --release --locked -q)
bin="$sse_target/release/sse-bench"
"$bin" check --events 2000
mkdir -p "$here/target"
mode=bench out=sse.md
if [ "${1:-}" = decode ]; then
    mode=decode out=sse-decode.md
    shift
fi
echo "# sse $mode — $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs" | tee "$here/target/$out"
"$bin" "$mode" "$@" | tee -a "$here/target/$out"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$here/target/$out"
