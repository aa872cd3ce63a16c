"""The simulated city of Zhanjiang: a deterministic data node for demos, tests and benchmarks."""
