module pso/bench/loadgen

go 1.22
