"""Prometheus metrics over the same reading as `ipcscope list` and `ipcscope doctor`: snapshot,
process scan and diagnosis, once per scrape. No Textual; prometheus_client is imported only here
(and so only by `ipcscope export`).

- catalog: every metric, its labels and meaning (docs/metrics.md is checked against it);
- reading: one reading per IPC namespace (snapshot + process scan + findings);
- aggregates / per_object: samples from readings; samples: turned into gauge families;
- collector: the custom collector on a private registry;
- output: the textfile and HTTP outputs of `ipcscope export`.
"""
