# filled in with the benchmark
