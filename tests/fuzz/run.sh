#!/usr/bin/env bash
# Runs libFuzzer binaries, each on a fresh copy of its seed corpus, for a fixed time.
#   run.sh --seconds S --corpus DIR --work DIR [--keep] BINARY... [-- LIBFUZZER_FLAGS...]
# A binary fuzz_<name> reads DIR/<name>/ (the seeds) and, when it exists, the dictionary
# <name>.dict next to DIR. New inputs go to the copy under --work, never into the seeds.
# Prints each target's last libFuzzer stats line; exits 1 if any target crashed, leaked,
# timed out or ran out of memory, after naming the input that did it.
set -euo pipefail

seconds=10 corpus="" work="" keep=0
bins=() extra=()
while (($#)); do
  case "$1" in
    --) shift; extra=("$@"); break ;;
    --seconds) seconds="$2"; shift 2 ;;
    --corpus) corpus="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) bins+=("$1"); shift ;;
  esac
done
if [[ -z "$corpus" || -z "$work" || ${#bins[@]} -eq 0 ]]; then
  echo "usage: run.sh --seconds S --corpus DIR --work DIR [--keep] BINARY... [-- FLAGS...]" >&2
  exit 2
fi
dicts="$(dirname "$corpus")"

failed=0
for bin in "${bins[@]}"; do
  name="$(basename "$bin")"
  name="${name#fuzz_}"
  dir="$work/$name"
  # A fresh copy each run (unless --keep): libFuzzer writes what it finds into the corpus.
  if ((!keep)); then rm -rf "$dir"; fi
  mkdir -p "$dir/corpus" "$dir/artifacts"
  if [[ -d "$corpus/$name" ]]; then cp -r "$corpus/$name/." "$dir/corpus/"; fi
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$dir/artifacts/")
  if [[ -f "$dicts/$name.dict" ]]; then args+=(-dict="$dicts/$name.dict"); fi
  args+=("${extra[@]}")
  status=0
  "$bin" "${args[@]}" "$dir/corpus" >"$dir/log" 2>&1 || status=$?
  stats="$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1 || true)"
  if ((status == 0)); then
    printf '%-14s %s\n' "$name" "$stats"
  else
    failed=1
    echo "FAILED: $name (exit $status); log: $dir/log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$dir/log" | head -n 5 || true
    grep -E 'Test unit written to' "$dir/log" | sed 's/.*Test unit written to /crashing input: /' || true
  fi
done
exit "$failed"
