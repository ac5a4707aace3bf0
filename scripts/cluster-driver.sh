#!/usr/bin/env bash
# Runs a multi-process cluster check of module cluster-tests (scripts/cluster-failover.sh,
# scripts/cluster-rescale.sh): builds the job jar and the classpath files when missing, then
# starts the check's main class on this checkout's classes (ahead of the jars Maven installed)
# with the Flink cluster classpath, the job jar and flink-conf/config.yaml.
#
#   scripts/cluster-driver.sh MAIN_CLASS LOG_NAME [check options]...
#
# Set PIPELINE_REBUILD=1 to rebuild the jars and the classpath files after changing the code.
set -euo pipefail
main="$1"; name="$2"; shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jar="jobs/target/inferflow-job.jar"
cp_file="cluster-tests/target/flink-cluster.classpath"
driver_cp="cluster-tests/target/driver.classpath"
if [[ ! -f "$jar" || ! -f "$cp_file" || ! -f "$driver_cp" || "${PIPELINE_REBUILD:-0}" == "1" ]]; then
  echo "Building $jar and the cluster classpaths (first run takes a few minutes)..." >&2
  mvn -B -q -DskipTests package 2>&1 | sed 's/\x1b\[0m//g' >&2
fi
classes="cluster-tests/target/classes"
for module in cli jobs operators model-loader schemas; do
  classes="$classes:$module/target/classes"
done
mkdir -p /tmp/inferflow
trusted="io.inferflow.schemas.avro,java.lang,java.util,org.apache.avro"
exec java ${CLUSTER_CHECK_JAVA_OPTS:-${CLUSTER_FAILOVER_JAVA_OPTS:--Xmx1g}} \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES="$trusted" \
  -Dinferflow.log.file="/tmp/inferflow/$name-$$.log" \
  --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -cp "$classes:$(cat "$driver_cp")" "io.inferflow.clustertests.$main" \
  --job-jar "$jar" --flink-classpath "$cp_file" --flink-conf flink-conf/config.yaml "$@"
