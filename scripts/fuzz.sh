#!/usr/bin/env bash
# Usage: scripts/fuzz.sh TARGET SECONDS
# Fuzzes one target of tests/KubePki.Fuzz (kubeadm-config, kubeconfig, pem, csr) with AFL++ for SECONDS seconds.
# Installs afl++ from Debian when missing, restores the SharpFuzz tool from .config/dotnet-tools.json, publishes the
# fuzz project once and instruments KubePki.Core, KubePki.Controller and YamlDotNet. New crashes and hangs (the first
# FUZZ_KEEP, default 10) are copied to tests/KubePki.Fuzz/corpus/TARGET/pending/, which the tests do not replay until
# someone triages a finding and moves it to regression/. Prints executions, executions per second and findings.
# Exits 0 unless the fuzzer could not run, or FUZZ_FAIL_ON_FINDING=1 and something was found.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS (targets: kubeadm-config, kubeconfig, pem, csr)" >&2
  exit 2
fi
target=$1
seconds=$2
project=tests/KubePki.Fuzz
corpus=$project/corpus/$target
[ -d "$corpus/seeds" ] || { echo "fuzz: unknown target $target (no $corpus/seeds)" >&2; exit 2; }

if ! command -v afl-fuzz >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq afl++ >/dev/null
fi

work=artifacts/fuzz
bin=$work/bin
stamp=$bin/.instrumented
# Publish and instrument again only when a source file changed since the last instrumented build.
if [ ! -f "$stamp" ] || [ -n "$(find src $project -name '*.cs' -newer "$stamp" -print -quit)" ]; then
  dotnet tool restore >/dev/null
  rm -rf "$bin"
  dotnet publish "$project" -c Release -o "$bin" --nologo -v q >/dev/null
  for assembly in KubePki.Core.dll KubePki.Controller.dll YamlDotNet.dll; do
    dotnet sharpfuzz "$bin/$assembly" >/dev/null
  done
  touch "$stamp"
fi

findings=$work/findings/$target
rm -rf "$findings"
mkdir -p "$findings"
# No CPU binding (shared machines), no core-pattern or governor checks; .NET start-up under load can be slow.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=120000
afl-fuzz -i "$corpus/seeds" -o "$findings" -V "$seconds" -t 10000 -m none -- dotnet "$bin/KubePki.Fuzz.dll" "$target" \
  >"$findings/afl.log" 2>&1 || { tail -n 30 "$findings/afl.log" >&2; echo "fuzz: afl-fuzz failed for $target" >&2; exit 1; }

stats=$findings/default/fuzzer_stats
afl_stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
new=0
for kind in crashes hangs; do
  for file in "$findings/default/$kind"/id:*; do
    [ -f "$file" ] || continue
    prefix=crash
    [ "$kind" = crashes ] || prefix=hang
    name=$prefix-$(sha1sum "$file" | cut -c1-12)
    # AFL++ keeps one input per new path to a crash, often dozens for one bug: keep the first few.
    if [ "$new" -lt "${FUZZ_KEEP:-10}" ] && [ ! -e "$corpus/pending/$name" ] && [ ! -e "$corpus/regression/$name" ]; then
      cp "$file" "$corpus/pending/$name"
      new=$((new + 1))
      echo "fuzz: $target: new finding $corpus/pending/$name"
      # CI clones are thrown away: print the first few small findings so they can be recovered from the log.
      if [ "$new" -le 5 ] && [ "$(stat -c %s "$file")" -le 4096 ]; then
        echo "fuzz: $target: $name base64 $(base64 -w0 "$file")"
      fi
    fi
  done
done
echo "fuzz: $target: $(afl_stat execs_done) executions in $(afl_stat run_time) s ($(afl_stat execs_per_sec)/s)," \
  "$(afl_stat saved_crashes) crashes, $(afl_stat saved_hangs) hangs, $new new in $corpus/pending"
if [ "${FUZZ_FAIL_ON_FINDING:-0}" = 1 ] && [ "$(afl_stat saved_crashes)$(afl_stat saved_hangs)" != 00 ]; then
  exit 1
fi
