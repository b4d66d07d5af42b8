"""Beside the product: sample generators, metrics, the tiny Gemma 4 checkpoint builder, the
forcing engine and the layer check. Used by the tests, the benchmarks and, lazily, by
`docintel dev`; nothing in the product imports it."""
