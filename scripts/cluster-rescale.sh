#!/usr/bin/env bash
# Reactive mode on a real multi-process Flink cluster, without Docker.
#
# Starts an embedded Kafka broker (features with 3 partitions) and Schema Registry, and a
# standalone *application* cluster in reactive mode (scheduler-mode: reactive) as separate JVMs:
# StandaloneApplicationClusterEntryPoint with jobs/target/inferflow-job.jar on its classpath
# (classpath from Maven: cluster-tests/target/flink-cluster.classpath, configuration:
# flink-conf/config.yaml) and one TaskManager of one slot. While events stream it starts a second
# and a third TaskManager (the job scales up to 2, then 3) and SIGKILLs one (it scales down to
# 2), then checks the predictions topic with read_committed: every event exactly once, no dead
# letters. Prints the time from each TaskManager change to the job RUNNING at its new
# parallelism; exit 1 on a violation.
#
#   scripts/cluster-rescale.sh [--events N] [--rate R] [--keep] [-D k=v]...
#   scripts/cluster-rescale.sh --help
#
# Set PIPELINE_REBUILD=1 to rebuild the jars and the classpath files after changing the code.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/cluster-driver.sh" ReactiveRescale cluster-rescale "$@"
