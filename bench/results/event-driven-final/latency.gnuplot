set terminal pngcairo size 1400,560 font 'DejaVu Sans,11'
set output 'latency.png'
set multiplot layout 1,1 title 'TriggerWebhook latency by percentile, 1 KiB body, open loop (from scheduled send time)'
set logscale x
set logscale y
set grid
set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000)
set xlabel 'percentile'
set ylabel 'latency (ms)'
set key top left
set title 'loopback (emulator answers at once), 1000/s'
plot 'latency-loopback-direct.dat' using 2:3 with lines lw 2 title 'direct REST', 'latency-loopback-sidecar.dat' using 2:3 with lines lw 2 title 'via sidecar'
unset multiplot
