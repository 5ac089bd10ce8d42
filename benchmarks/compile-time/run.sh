#!/usr/bin/env bash
# Clean release build times of our generated model crates against the official AWS SDK crates,
# measured on the same machine in the same run.
#
#   benchmarks/compile-time/run.sh [N] [PROJECT ...]
#
# N (default 3) is the number of clean builds per project; PROJECTs default to every directory
# here with a Cargo.toml. For each project the script
#   1. fetches its locked dependencies (so download time is never measured),
#   2. counts the model crate's source lines, its dependency tree, and (after the builds) its rlib size,
#   3. runs N clean `cargo build --release --timings` in the project's own target directory,
#      round-robin across projects, timing the whole build and reading the model crate's own
#      compile time (and its frontend/codegen split) from cargo's timing report,
#   4. then N times removes only the model crate's artifacts (`cargo clean -p`) and rebuilds, which
#      times the model crate compiling with no other crate of the build beside it ("crate-only").
# It prints markdown tables and writes them, with the raw samples, under target/.
#
# Environment: BUILD_TIMEOUT (seconds, default 1500) bounds one build; a build that hits it is
# recorded as a timeout and the project gets no further builds. CRATE_ONLY_RUNS (default N) sets
# the number of crate-only rebuilds (0 skips step 4). KEEP_SAMPLES=1 adds this run's samples to the
# last run's instead of starting afresh (`KEEP_SAMPLES=1 CRATE_ONLY_RUNS=3 ./run.sh 0` adds only
# crate-only rebuilds). REPORT_ONLY=1 measures nothing and rewrites target/results.md from the
# samples kept. Needs bash, cargo, python3, coreutils and GNU time (/usr/bin/time).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs="${1:-3}"
shift || true
timeout_s="${BUILD_TIMEOUT:-1500}"
crate_only_runs="${CRATE_ONLY_RUNS:-$runs}"
out_dir="$here/target"
mkdir -p "$out_dir"
raw="$out_dir/raw.tsv"
meta="$out_dir/meta.tsv"
log="$out_dir/build.log"
if [ -z "${REPORT_ONLY:-}" ]; then
    [ -n "${KEEP_SAMPLES:-}" ] || : >"$raw"
    : >"$meta"
    : >"$log"
fi

if [ "$#" -gt 0 ]; then
    projects=("$@")
else
    projects=()
    for d in "$here"/*/; do
        [ -f "$d/Cargo.toml" ] && projects+=("$(basename "$d")")
    done
fi

# A clean environment for the compiler: no wrappers, no extra flags.
unset RUSTC_WRAPPER RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR
export CARGO_INCREMENTAL=0 CARGO_TERM_COLOR=never

# The model crate a project measures: its only direct dependency.
model_crate() {
    sed -n '/^\[dependencies\]/,$p' "$here/$1/Cargo.toml" | sed -n 's/^\([a-z0-9_-]*\) *=.*/\1/p' | head -n1
}

# Parses cargo's timing report: prints "<duration> <frontend> <codegen> <units>" for crate $2.
read_timings() {
    python3 - "$1" "$2" <<'PY'
import json, re, sys
html, crate = sys.argv[1], sys.argv[2]
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", open(html).read(), re.S).group(1))
unit = next(u for u in units if u["name"] == crate and u["mode"] != "run-custom-build" and not u["target"].strip())
sections = dict((name, s["end"] - s["start"]) for name, s in unit.get("sections") or [])
crates = {(u["name"], u["version"]) for u in units}
print(unit["duration"], sections.get("frontend", "-"), sections.get("codegen", "-"), len(crates) - 1)
PY
}

# Runs one build under the timeout; prints "<wall> <user+sys> <status>".
timed_build() {
    local dir="$1" target="$2" tf
    tf="$(mktemp)"
    local status=0
    (cd "$dir" && /usr/bin/env time -f '%e %U %S' -o "$tf" \
        timeout "$timeout_s" cargo build --release --locked --timings --target-dir "$target") >>"$log" 2>&1 || status=$?
    local wall cpu
    wall="$(awk '{print $1}' "$tf" | tail -n1)"
    cpu="$(awk '{print $2 + $3}' "$tf" | tail -n1)"
    rm -f "$tf"
    if [ "$status" -eq 124 ]; then
        echo "$wall $cpu timeout"
    elif [ "$status" -ne 0 ]; then
        echo "$wall $cpu failed($status)"
    else
        echo "$wall $cpu ok"
    fi
}

if [ -z "${REPORT_ONLY:-}" ]; then
echo "== fetch and static counts" >&2
for p in "${projects[@]}"; do
    dir="$here/$p"
    crate="$(model_crate "$p")"
    (cd "$dir" && cargo fetch --locked -q)
    src_dir="$(cd "$dir" && cargo metadata --locked --format-version 1 |
        python3 -c 'import json,os,sys; m=json.load(sys.stdin); n=sys.argv[1]; print(os.path.dirname(next(p["manifest_path"] for p in m["packages"] if p["name"]==n)))' "$crate")/src"
    version="$(cd "$dir" && cargo tree --locked --depth 1 --prefix none -e normal | sed -n "s/^$crate v\([^ ]*\).*/\1/p" | head -n1)"
    read -r files lines code < <(python3 - "$src_dir" <<'PY'
import os, sys
files = lines = code = 0
for root, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".rs"):
            files += 1
            for line in open(os.path.join(root, name), encoding="utf-8", errors="replace"):
                lines += 1
                s = line.strip()
                if s and not s.startswith("//"):
                    code += 1
print(files, lines, code)
PY
    )
    # Crates in the normal dependency tree, and in the whole build (build scripts and proc macros too),
    # not counting the probe project itself.
    normal="$(cd "$dir" && cargo tree --locked --prefix none -e normal | sed 's/ (\*)$//; s/ (proc-macro)$//' | sort -u | wc -l)"
    all="$(cd "$dir" && cargo tree --locked --prefix none -e normal,build | sed 's/ (\*)$//; s/ (proc-macro)$//' | sort -u | wc -l)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$crate" "$version" "$src_dir" "$files" "$lines" "$code" \
        "$((normal - 1))" "$((all - 1))" >>"$meta"
done

declare -A dead=()
for i in $(seq 1 "$runs"); do
    for p in "${projects[@]}"; do
        [ -n "${dead[$p]:-}" ] && continue
        crate="$(model_crate "$p")"
        target="$out_dir/$p"
        rm -rf "$target"
        echo "== clean build $i/$runs: $p" >&2
        read -r wall cpu status < <(timed_build "$here/$p" "$target")
        if [ "$status" = ok ]; then
            read -r unit front codegen units < <(read_timings "$target/cargo-timings/cargo-timing.html" "$crate")
        else
            unit=- front=- codegen=- units=-
            dead[$p]=1
        fi
        echo "   wall ${wall}s cpu ${cpu}s $crate ${unit}s ($status)" >&2
        printf 'clean\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$i" "$wall" "$cpu" "$status" "$unit" "$front" "$codegen" "$units" >>"$raw"
    done
done

for i in $(seq 1 "$crate_only_runs"); do
    for p in "${projects[@]}"; do
        [ -n "${dead[$p]:-}" ] && continue
        crate="$(model_crate "$p")"
        target="$out_dir/$p"
        # Completes the tree first (untimed; a no-op after a finished clean build).
        (cd "$here/$p" && cargo build --release --locked -q --target-dir "$target") >>"$log" 2>&1
        (cd "$here/$p" && cargo clean --release --locked -q -p "$crate" --target-dir "$target")
        echo "== crate-only rebuild $i/$crate_only_runs: $p" >&2
        read -r wall cpu status < <(timed_build "$here/$p" "$target")
        if [ "$status" = ok ]; then
            read -r unit front codegen units < <(read_timings "$target/cargo-timings/cargo-timing.html" "$crate")
        else
            unit=- front=- codegen=- units=-
            dead[$p]=1
        fi
        echo "   wall ${wall}s $crate ${unit}s ($status)" >&2
        printf 'crate\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$i" "$wall" "$cpu" "$status" "$unit" "$front" "$codegen" "$units" >>"$raw"
    done
done

fi

# The model crate's release rlib, from the last build.
sizes="$out_dir/sizes.tsv"
: >"$sizes"
for p in "${projects[@]}"; do
    crate="$(model_crate "$p")"
    rlib="$(ls -t "$out_dir/$p/release/deps/lib${crate//-/_}-"*.rlib 2>/dev/null | head -n1 || true)"
    printf '%s\t%s\n' "$p" "$([ -n "$rlib" ] && stat -c %s "$rlib" || echo -)" >>"$sizes"
done

python3 - "$meta" "$raw" "$sizes" "$runs" "$crate_only_runs" "$timeout_s" >"$out_dir/results.md" <<'PY'
import statistics, sys

meta_f, raw_f, sizes_f, runs, crate_runs, timeout_s = sys.argv[1:]
meta = {}
order = []
for line in open(meta_f):
    p, crate, version, _src, files, lines, code, normal, allc = line.rstrip("\n").split("\t")
    meta[p] = dict(crate=crate, version=version, files=int(files), lines=int(lines), code=int(code),
                   normal=int(normal), all=int(allc))
    order.append(p)
# Runtime before control plane; ours before the official crates.
order.sort(key=lambda p: (p.split("-")[1] != "runtime", not p.startswith("ours-"), p))
sizes = dict(l.rstrip("\n").split("\t") for l in open(sizes_f))
samples = {}
status = {}
units = {}
for line in open(raw_f):
    kind, p, _i, wall, cpu, st, unit, front, codegen, n = line.rstrip("\n").split("\t")
    if st != "ok":
        status[(kind, p)] = f"{st} (>{timeout_s} s)" if st == "timeout" else st
        continue
    s = samples.setdefault((kind, p), {"wall": [], "cpu": [], "unit": [], "front": [], "codegen": []})
    s["wall"].append(float(wall))
    s["cpu"].append(float(cpu))
    s["unit"].append(float(unit))
    if front != "-":
        s["front"].append(float(front))
        s["codegen"].append(float(codegen))
    if kind == "clean":
        units[p] = n

def med(kind, p, key):
    v = samples.get((kind, p), {}).get(key) or []
    return statistics.median(v) if v else None

def fmt(kind, p, key):
    v = samples.get((kind, p), {}).get(key) or []
    if not v:
        return status.get((kind, p), "-")
    return f"{statistics.median(v):.1f} / {min(v):.1f}"

def mib(n):
    return "-" if n == "-" else f"{int(n) / 1048576:.1f}"

def count(kind):
    return max((len(v["wall"]) for (k, _), v in samples.items() if k == kind), default=0)

print(f"Clean release builds: {count('clean')} per project; crate-only rebuilds: {count('crate')} per project. "
      "Times in seconds as median / min. Wall times suffer from anything else running on the machine; "
      "CPU times (user + sys of the whole cargo invocation) much less so.\n")
print("### Model crate\n")
print("| project | model crate | src files | lines | code lines | rlib MiB | crate compile in clean build | "
      "frontend + codegen (median) | crate-only rebuild: crate | crate-only rebuild: wall | crate-only rebuild: CPU |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for p in order:
    m = meta[p]
    fr, cg = med("clean", p, "front"), med("clean", p, "codegen")
    split = f"{fr:.1f} + {cg:.1f}" if fr is not None else "-"
    print(f"| {p} | {m['crate']} {m['version']} | {m['files']} | {m['lines']:,} | {m['code']:,} | {mib(sizes.get(p, '-'))} | "
          f"{fmt('clean', p, 'unit')} | {split} | {fmt('crate', p, 'unit')} | {fmt('crate', p, 'wall')} | "
          f"{fmt('crate', p, 'cpu')} |")
print("\n### Whole dependency tree\n")
print("| project | crates (normal deps) | crates built (incl. build deps) | clean build wall | clean build CPU (user+sys) |")
print("|---|---:|---:|---:|---:|")
for p in order:
    m = meta[p]
    print(f"| {p} | {m['normal']} | {units.get(p, m['all'])} | {fmt('clean', p, 'wall')} | {fmt('clean', p, 'cpu')} |")

pairs = [(o, f) for o in order if o.startswith("ours-") for f in order
         if f.startswith("official-") and f.split("-")[1] == o.split("-")[1]]
if pairs:
    print("\n### Ours / official (ratio of medians; below 0.33 meets the one-third goal)\n")
    print("| ours | official | crate-only rebuild: crate | crate-only rebuild: CPU | crate in clean build | "
          "whole clean build: wall | whole clean build: CPU | lines |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for o, f in pairs:
        def r(kind, key):
            a, b = med(kind, o, key), med(kind, f, key)
            return f"{a / b:.2f}" if a and b else "-"
        print(f"| {o} | {f} | {r('crate', 'unit')} | {r('crate', 'cpu')} | {r('clean', 'unit')} | "
              f"{r('clean', 'wall')} | {r('clean', 'cpu')} | "
              f"{meta[o]['lines'] / meta[f]['lines']:.2f} |")
PY
cat "$out_dir/results.md"
