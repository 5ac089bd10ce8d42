#!/usr/bin/env bash
# A minimal program (one Converse call) with this SDK and with the official SDK
# (aws-config + aws-sdk-bedrockruntime 1.153.0, default features both sides): clean release build
# time of the whole dependency tree, stripped binary size, and crate count, side by side.
#
#   benchmarks/min-program/run.sh [N]
#
# N (default 3) clean builds per project, alternating ours / official (which goes first alternates
# per round). Each build runs in its own target directory, ${TARGET_ROOT:-/work}/target-bench-min-<project>,
# which is deleted before every build; dependencies are fetched first (`cargo fetch --locked`),
# so downloads are never timed. Timing is GNU time around `cargo build --release --locked --timings`
# (wall and user+sys of the whole cargo invocation, i.e. every rustc and build script).
# Crate counts: the normal dependency tree (`cargo tree --prefix none -e normal`, deduplicated,
# the program itself excluded), the tree with build dependencies, and the crates the build compiled
# (distinct name+version units in cargo's timing report, the program excluded).
# If BEDROCK_LOCAL names a bedrock-local binary, each built program is run once against it.
# Prints a markdown table and writes it with the raw samples under target/ here.
# Environment: BUILD_TIMEOUT (seconds, default 1500) bounds one build; REPORT_ONLY=1 builds nothing
# and prints the table from the samples of the last (possibly interrupted) run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs="${1:-3}"
timeout_s="${BUILD_TIMEOUT:-1500}"
target_root="${TARGET_ROOT:-/work}"
out_dir="$here/target"
mkdir -p "$out_dir"
raw="$out_dir/raw.tsv"
log="$out_dir/build.log"
if [ -z "${REPORT_ONLY:-}" ]; then
    : >"$raw"
    : >"$log"
fi
projects=(ours official)

unset RUSTC_WRAPPER RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR
export CARGO_INCREMENTAL=0 CARGO_TERM_COLOR=never

# Distinct crates (name+version) compiled, from cargo's timing report, minus the program itself.
units() {
    python3 - "$1" <<'PY'
import json, re, sys
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", open(sys.argv[1]).read(), re.S).group(1))
print(len({(u["name"], u["version"]) for u in units}) - 1)
PY
}

declare -A normal all
for p in "${projects[@]}"; do
    (cd "$here/$p" && cargo fetch --locked -q)
    n="$(cd "$here/$p" && cargo tree --locked --prefix none -e normal | sed 's/ (\*)$//; s/ (proc-macro)$//' | sort -u | wc -l)"
    a="$(cd "$here/$p" && cargo tree --locked --prefix none -e normal,build | sed 's/ (\*)$//; s/ (proc-macro)$//' | sort -u | wc -l)"
    normal[$p]=$((n - 1))
    all[$p]=$((a - 1))
done

[ -n "${REPORT_ONLY:-}" ] && runs=0
for i in $(seq 1 "$runs"); do
    order=("${projects[@]}")
    [ $((i % 2)) -eq 0 ] && order=(official ours)
    for p in "${order[@]}"; do
        target="$target_root/target-bench-min-$p"
        rm -rf "$target"
        echo "== clean build $i/$runs: $p (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        tf="$(mktemp)"
        status=0
        (cd "$here/$p" && /usr/bin/env time -f '%e %U %S' -o "$tf" \
            timeout "$timeout_s" cargo build --release --locked --timings --target-dir "$target") >>"$log" 2>&1 || status=$?
        wall="$(awk '{print $1}' "$tf" | tail -n1)"
        cpu="$(awk '{print $2 + $3}' "$tf" | tail -n1)"
        rm -f "$tf"
        [ "$status" -eq 0 ] || { echo "build failed ($status), see $log" >&2; exit 1; }
        bin="$target/release/min-$p"
        cp "$bin" "$out_dir/min-$p"
        strip -o "$out_dir/min-$p.stripped" "$bin"
        size="$(stat -c %s "$bin")"
        stripped="$(stat -c %s "$out_dir/min-$p.stripped")"
        u="$(units "$target/cargo-timings/cargo-timing.html")"
        echo "   wall ${wall}s cpu ${cpu}s binary ${size} stripped ${stripped} units ${u}" >&2
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$i" "$wall" "$cpu" "$size" "$stripped" "$u" >>"$raw"
        if [ -n "${BEDROCK_LOCAL:-}" ]; then
            # Runs the program once against a fresh bedrock-local (a check, not timed).
            coproc SERVER { exec "$BEDROCK_LOCAL"; }
            read -r url <&"${SERVER[0]}"
            echo "   run: $("$bin" "$url" | head -c 80)" >&2
            kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
        fi
    done
done

python3 - "$raw" "${normal[ours]}" "${all[ours]}" "${normal[official]}" "${all[official]}" >"$out_dir/results.md" <<'PY'
import statistics, sys
raw, n_o, a_o, n_f, a_f = sys.argv[1], *map(int, sys.argv[2:])
s = {}
for line in open(raw):
    p, i, wall, cpu, size, stripped, units = line.split("\t")
    d = s.setdefault(p, {"wall": [], "cpu": [], "size": [], "stripped": [], "units": []})
    for k, v in zip(["wall", "cpu", "size", "stripped", "units"], [wall, cpu, size, stripped, units]):
        d[k].append(float(v))
tree = {"ours": (n_o, a_o), "official": (n_f, a_f)}
med = lambda p, k: statistics.median(s[p][k])
print(f"{len(s['ours']['wall'])} clean release builds per project, alternating. Times: median (min–max) in seconds.\n")
print("| program | clean build wall | clean build CPU (user+sys) | binary | stripped binary | crates (normal deps) | crates (incl. build deps) | crates compiled (timings units) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for p in ["ours", "official"]:
    d = s[p]
    r = lambda k: f"{med(p, k):.1f} ({min(d[k]):.1f}–{max(d[k]):.1f})"
    print(f"| {p} | {r('wall')} | {r('cpu')} | {med(p, 'size') / 1048576:.2f} MiB | {med(p, 'stripped') / 1048576:.2f} MiB | "
          f"{tree[p][0]} | {tree[p][1]} | {int(med(p, 'units'))} |")
ratio = lambda k: med("ours", k) / med("official", k)
print("\n| ours / official | wall | CPU | stripped binary | crates (normal) | crates compiled |")
print("|---|---:|---:|---:|---:|---:|")
print(f"| ratio | {ratio('wall'):.2f} | {ratio('cpu'):.2f} | {ratio('stripped'):.2f} | {n_o / n_f:.2f} | {ratio('units'):.2f} |")
print(f"| goal | ≤ 0.35 | ≤ 0.35 | ≤ 0.40 | ≤ 0.50 | ≤ 0.50 |")
PY
cat "$out_dir/results.md"
