set terminal pngcairo size 1400,560 font 'DejaVu Sans,11'
set output 'far-latency.png'
set multiplot layout 1,2 title 'Far GenAuth (HTTPS upstream answering after 100 ms), TriggerWebhook via one sidecar, open loop'
set grid
set key top left
set xlabel 'offered calls/s'
set xrange [0:*]
set datafile missing '?'
set title 'latency of every call versus offered rate'
set logscale y
set ylabel 'latency (ms)'
plot 'far-rates.dat' using 1:3 with linespoints lw 2 title 'p50', '' using 1:4 with linespoints lw 2 title 'p99', '' using 1:5 with linespoints lw 2 title 'p99.9', '' using 1:6 with linespoints lw 2 dt 2 title 'p99 of the OK calls'
unset logscale y
set title 'calls answered OK per second'
set ylabel 'OK/s'
set yrange [0:*]
plot 'far-rates.dat' using 1:2 with linespoints lw 2 title 'OK/s', '' using 1:1 with lines dt 2 title 'offered'
unset multiplot
