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
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jar="jobs/target/inferflow-job.jar"
cp_file="cluster-tests/target/flink-cluster.classpath"
driver_cp="cluster-tests/target/driver.classpath"
if [[ ! -f "$jar" || ! -f "$cp_file" || ! -f "$driver_cp" || "${PIPELINE_REBUILD:-0}" == "1" ]]; then
  echo "Building $jar and the cluster classpaths (first run takes a few minutes)..." >&2
  mvn -B -q -DskipTests package 2>&1 | sed 's/\x1b\[0m//g' >&2
fi
mkdir -p /tmp/inferflow
trusted="io.inferflow.schemas.avro,java.lang,java.util,org.apache.avro"
exec java ${CLUSTER_FAILOVER_JAVA_OPTS:--Xmx1g} \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES="$trusted" \
  -Dinferflow.log.file="/tmp/inferflow/cluster-failover-$$.log" \
  --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -cp "cluster-tests/target/classes:$(cat "$driver_cp")" io.inferflow.clustertests.ClusterFailover \
  --job-jar "$jar" --flink-classpath "$cp_file" --flink-conf flink-conf/config.yaml "$@"
