#!/bin/bash
# Draws summarize.py's chart data as grouped bars, one group per metric, one bar per
# target, each the target's median relative to the baseline's (the baseline is 1.0;
# latencies are inverted, so higher is better throughout). Log scale when the bars
# span more than a factor of 10.
#
# Usage: bench/chart.sh CHART.tsv OUT.png [TITLE]      (needs gnuplot-nox)
set -euo pipefail
tsv=$1 png=$2 title=${3:-"Relative to the baseline (higher is better; latencies inverted)"}
[ -f "$tsv" ] || { echo "chart.sh: no $tsv" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "chart.sh: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 1; }

columns=$(head -1 "$tsv" | awk -F'\t' '{ print NF }')
read -r low high < <(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) if ($i != "?") {
	if (lo == "" || $i < lo) lo = $i; if (hi == "" || $i > hi) hi = $i } }
	END { print (lo == "" ? 1 : lo), (hi == "" ? 1 : hi) }' "$tsv")
if awk -v lo="$low" -v hi="$high" 'BEGIN { exit !(lo > 0 && hi / lo > 10) }'; then
	yaxis="set logscale y; set yrange [$low / 1.5 : $high * 1.5]"
else
	yaxis="set yrange [0 : $high * 1.15]"
fi

# pngcairo draws nicer text; the plain png terminal (libgd) is the fallback.
terminal="pngcairo size 1400,700 font 'sans,10'"
gnuplot -e "set terminal pngcairo" 2>/dev/null || terminal="png size 1400,700"

gnuplot <<EOF
set terminal $terminal
set termoption noenhanced
set output "$png"
set title "$title"
set datafile separator "\t"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top
set grid ytics
set xtics rotate by 30 right
set ylabel "relative to the baseline (= 1.0)"
$yaxis
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linecolor "black"
plot for [i=2:$columns] "$tsv" using i:xtic(1) title columnheader(i)
EOF
