# lib-bench.sh - what the benches share, sourced by each.
#
# median: the median of the numbers on stdin (the mean of the middle two
# for an even count); col C FILE: the median of column C of FILE.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$1" '{ print $c }' "$2" | median; }
