set terminal pngcairo size 1000,600 font "sans,10"
set datafile separator "\t"
set grid ytics
set key top left
set output "vs-stock.png"
set title "Frame rate against the stock element (median, min-max over rounds)"
set ylabel "frames/s ratio"
set yrange [0:*]
set style fill solid 0.5
set boxwidth 0.6
set xtics rotate by -30 left
set bmargin 11
set rmargin 20
set key top left opaque
plot "plots/stock.tsv" using 0:2:xtic(1) with boxes lc rgb "#6a8fd0" title "median of the rounds", '' using 0:2:3:4 with yerrorbars lc black pt -1 title "lowest - highest round", 1 with lines dt 2 lc rgb "gray30" title "as fast as stock", 2 with lines dt 3 lw 2 lc rgb "#c03030" title "2 x (the cores)"
set xtics norotate nomirror
set bmargin
set rmargin
unset yrange
unset title
set style fill empty
set output "workers-cpu.png"
set title "CPU-bound work: frames/s against n-workers on 2 cores"
set xlabel "n-workers"
set ylabel "frames/s (log scale)"
set logscale xy
set xrange [0.8:10]
set xtics (1, 2, 4, 8)
set key outside right top
plot "plots/workers-jpegenc.tsv" using 1:2 with linespoints lw 2 lc rgb "#2060c0" title "asyncjpegenc, 1920x1080", \
  "plots/workers-jpegenc.tsv" using 1:3 with lines dt 2 lc rgb "#2060c0" title "jpegenc", \
  "plots/workers-jpegdec.tsv" using 1:2 with linespoints lw 2 lc rgb "#208040" title "asyncjpegdec, 1920x1080", \
  "plots/workers-jpegdec.tsv" using 1:3 with lines dt 2 lc rgb "#208040" title "jpegdec", \
  "plots/workers-busy.tsv" using 1:2 with linespoints lw 2 lc rgb "#c06000" title "asyncidentity, 5 ms of CPU", \
  "plots/workers-busy.tsv" using 1:4 with lines dt 3 lw 2 lc rgb "#c06000" title "5 ms of CPU: ideal on the cores"
unset logscale
unset xrange
set output "workers-wait.png"
set title "Waiting work: frames/s against n-workers"
set xlabel "n-workers"
set ylabel "frames/s (log scale)"
set logscale xy
set xrange [0.8:10]
set xtics (1, 2, 4, 8)
set key outside right top
plot "plots/workers-sleep.tsv" using 1:2 with linespoints lw 2 lc rgb "#2060c0" title "asyncidentity, 10 ms sleep", \
  "plots/workers-sleep.tsv" using 1:3 with lines dt 2 lc rgb "#2060c0" title "identity sleep-time=10000", \
  "plots/python-sleep.tsv" using 1:2 with linespoints lw 2 lc rgb "#208040" title "asyncprocess, Python sleeping 20 ms", \
  "plots/python-compute.tsv" using 1:2 with linespoints lw 2 lc rgb "#c03030" title "asyncprocess, Python computing 20 ms", \
  "plots/workers-sleep.tsv" using 1:4 with lines dt 3 lw 2 lc rgb "#2060c0" title "ideal, 10 ms a frame", \
  "plots/python-sleep.tsv" using 1:4 with lines dt 3 lw 2 lc rgb "#208040" title "ideal, 20 ms a frame"
unset logscale
unset xrange
