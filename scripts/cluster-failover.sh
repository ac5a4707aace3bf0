#!/usr/bin/env bash
# Exactly-once across a TaskManager crash on a real multi-process Flink cluster, without Docker.
#
# Starts an embedded Kafka broker and Schema Registry, a standalone Flink session cluster as
# separate JVMs (StandaloneSessionClusterEntrypoint + two TaskManagerRunner processes, classpath
# from Maven: cluster-tests/target/flink-cluster.classpath, configuration: flink-conf/config.yaml),
# submits the job jar jobs/target/inferflow-job.jar (Flink provided) through the REST API, streams
# events, SIGKILLs a TaskManager mid-stream and starts a replacement, then checks the predictions
# topic with read_committed: every event exactly once, no dead letters. Prints the recovery
# times; exit 1 on a violation. The driver is test tooling (module cluster-tests), run from its
# Maven classpath: nothing of it is in a product jar.
#
#   scripts/cluster-failover.sh [--events N] [--rate R] [--kill-at F] [--keep] [-D k=v]...
#   scripts/cluster-failover.sh --help
#
# Set PIPELINE_REBUILD=1 to rebuild the jars and the classpath files after changing the code.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/cluster-driver.sh" ClusterFailover cluster-failover "$@"
