#!/usr/bin/env bash
# A profile-guided build of schedsim (rustc's PGO): about 12% fewer instructions and
# 12-19% less time on the commands measured (README, Performance), for long sweeps and
# large models.
#
#   tools/pgo-build.sh            # prints target/pgo/use/release/schedsim
#
# About 10 minutes on 2 cores and 2 GB of disk: two release builds into target/pgo/,
# and the example that generates the backfill, into target/release/.
#
# It builds an instrumented schedsim, runs it over a training set (the 876k backfill's
# `run` and `check`; on the example models the golden suite, `explore`, a seeds sweep,
# `whatif`, `diff`, `instances`, `import` and `validate`), merges the counts with
# `llvm-profdata`, and builds again with them, into target/pgo/. A function the
# training never ran is laid out as cold code, so the set reaches every command that
# does much work; outputs are the default build's, byte for byte.
#
# It needs `llvm-profdata` of an LLVM that reads the raw profiles of rustc's LLVM
# (`rustc -vV`): rustup's llvm-tools component, or a distribution's (Debian's
# `llvm-19` reads rustc 1.95's). Set LLVM_PROFDATA to choose one; without one found
# it stops with exit 2 before building anything. The default `cargo build --release`
# does not use a profile: cargo cannot hand a committed one to this crate alone
# (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."

profdata=${LLVM_PROFDATA:-}
if [ -z "$profdata" ]; then
    sysroot=$(rustc --print sysroot)
    for p in "$sysroot"/lib/rustlib/*/bin/llvm-profdata llvm-profdata-{22,21,20,19} llvm-profdata; do
        if command -v "$p" >/dev/null 2>&1; then
            profdata=$p
            break
        fi
    done
fi
if [ -z "$profdata" ] || ! command -v "$profdata" >/dev/null 2>&1; then
    echo "$0: no llvm-profdata${profdata:+ at $profdata}: install rustup's llvm-tools component or a distribution's llvm (Debian: llvm-19), or set LLVM_PROFDATA" >&2
    exit 2
fi

dir=$PWD/target/pgo
mkdir -p "$dir/profiles"

echo "1/4 building the instrumented binary (target/pgo/gen)" >&2
# The two builds take the same arguments: another set of targets (an example brings
# the dev-dependencies) would build the dependencies with other features, the crates
# would hash differently, and no function would find its counts.
RUSTFLAGS="-Cprofile-generate=$dir/profiles" \
    cargo build --release --locked --target-dir "$dir/gen" --bin schedsim
gen=$dir/gen/release/schedsim
# Only the training's profiles are merged: not an earlier call's, nor those of the
# build scripts, which ran instrumented too.
rm -f "$dir"/profiles/*.profraw

echo "2/4 training" >&2
cargo run --release --locked --quiet --example backfill_model -- 365 10 10 5 50 10 >"$dir/876k.toml"
export LLVM_PROFILE_FILE="$dir/profiles/schedsim-%p.profraw"
# Exit 1 (a property fails, a golden differs) is an answer, not a failure of the
# training; a crash or bad input (2 and above) stops the script.
train() {
    local rc=0
    "$gen" "$@" >/dev/null 2>&1 || rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "$0: training command failed (exit $rc): schedsim $*" >&2
        exit 1
    fi
}
train run "$dir/876k.toml"
train check "$dir/876k.toml"
train test models/
train explore models/dataworks-writes-under-retries-and-reruns.toml --cases 300 --threads 1
train explore models/dolphinscheduler-nightly-capacity.toml --cases 300 --threads 1
train run models/dolphinscheduler-nightly-capacity.toml --seeds 20
train whatif models/dataworks-mysql-to-maxcompute.toml --from 2025-03-01 --to 2025-03-07 \
    --vary groups=1,3 --vary slots.di_shared=1,20
train diff models/dolphinscheduler-3.3-parallel-complement.toml \
    --a profile_version=3.2 --b profile_version=3.3
train instances models/dataworks-mysql-to-maxcompute.toml --from 2025-03-01 --to 2025-03-31
train import dolphinscheduler tests/import/dolphinscheduler/warehouse.json --check
train import flowspec tests/import/flowspec/orders_1.2.json tests/import/flowspec/report.yaml --check
train validate models/*.toml
unset LLVM_PROFILE_FILE

echo "3/4 merging the profiles" >&2
if ! "$profdata" merge -o "$dir/schedsim.profdata" "$dir"/profiles/*.profraw; then
    echo "$0: $profdata could not read the profiles of rustc's LLVM ($(rustc -vV | sed -n 's/^LLVM version: //p')): use one that reads them (rustup's llvm-tools matches rustc's LLVM), or set LLVM_PROFDATA" >&2
    exit 2
fi

echo "4/4 building with the profile (target/pgo/use)" >&2
RUSTFLAGS="-Cprofile-use=$dir/schedsim.profdata" \
    cargo build --release --locked --target-dir "$dir/use" --bin schedsim
echo "$dir/use/release/schedsim"
