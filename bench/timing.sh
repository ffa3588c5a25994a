# bench/timing.sh - timing helpers for the single-file benchmarks (blob.sh, subjects.sh), POSIX
# sh. Sourced after $WORK (the scratch folder) is set.

# measure NAME CMD...: runs CMD under /usr/bin/time, appends "seconds kib" to $WORK/NAME.
measure() {
  name=$1
  shift
  if ! /usr/bin/time -f '%e %M' -o "$WORK/time.out" "$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err"; then
    echo "bench: $name failed:" >&2
    cat "$WORK/cmd.out" "$WORK/cmd.err" >&2
    exit 1
  fi
  cat "$WORK/time.out" >>"$WORK/$name"
}

# median FILE COLUMN: the median of a column of RUNS numbers.
median() {
  sort -n -k "$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
    if (NR % 2) { print v[(NR + 1) / 2] } else { print (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'
}
