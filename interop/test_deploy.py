#!/usr/bin/python3
"""Checks of the deployment files that need no Docker engine or Kubernetes cluster.

    /usr/bin/python3 -m unittest interop/test_deploy.py

- docker-compose.yml is valid for Debian's docker-compose (default, gpu and tools profiles);
- every image is pinned by tag, every long-running service has a healthcheck, every depends_on
  has a condition, every file the compose file mounts from the repo exists;
- every service, image, published port and named volume appears in the docker-compose page
  of the docs (docs/operations/docker-compose.md);
- flink-conf/config-gpu.yaml can be appended to config.yaml (no shared top-level key),
  Prometheus scrapes the reporter port config.yaml sets, and promtool accepts its config;
- the Kubernetes manifests parse.
Needs python3-yaml (a dependency of Debian's docker-compose, interop/install-compose.sh).
"""
import pathlib
import re
import shutil
import subprocess
import unittest

try:
    import yaml
except ImportError:  # pragma: no cover - reported as a skip
    yaml = None

ROOT = pathlib.Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
# Bind-mount sources that are build outputs or user data, not files of the repo.
NOT_IN_REPO = {"cli/target/pipeline.jar", "jobs/target/inferflow-job.jar", "local-data"}


COMPOSE_DOC = ROOT / "docs" / "operations" / "docker-compose.md"


@unittest.skipIf(yaml is None, "python3-yaml is not installed (bash interop/install-compose.sh)")
class ComposeFileTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.compose = yaml.safe_load(COMPOSE.read_text())
        cls.services = cls.compose["services"]

    @unittest.skipIf(shutil.which("docker-compose") is None,
                     "docker-compose is not installed (bash interop/install-compose.sh)")
    def test_docker_compose_config_accepts_every_profile(self):
        for profiles in ([], ["gpu"], ["gpu", "tools"]):
            args = ["docker-compose", "-f", str(COMPOSE)]
            for p in profiles:
                args += ["--profile", p]
            result = subprocess.run(args + ["config", "-q"], cwd=ROOT,
                                    capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, f"profiles {profiles}: {result.stderr}")

    def test_images_are_pinned_by_tag(self):
        for name, service in self.services.items():
            image = service["image"]
            self.assertRegex(image, r"^[^:]+:[A-Za-z0-9][\w.-]*$", f"{name}: {image} has no tag")
            self.assertNotIn(image.split(":")[1], ("latest", "stable"), name)

    def test_long_running_services_have_healthchecks(self):
        for name, service in self.services.items():
            one_shot = service.get("restart") == "no"
            if not one_shot:
                self.assertIn("healthcheck", service, f"{name} has no healthcheck")

    def test_every_dependency_waits_for_a_condition(self):
        for name, service in self.services.items():
            depends = service.get("depends_on", {})
            self.assertIsInstance(depends, dict, f"{name}: depends_on without conditions")
            for dep, how in depends.items():
                self.assertIn(dep, self.services, f"{name} depends on unknown {dep}")
                expected = ("service_completed_successfully"
                            if self.services[dep].get("restart") == "no" else "service_healthy")
                self.assertEqual(how.get("condition"), expected, f"{name} -> {dep}")

    def test_mounted_repo_files_exist(self):
        for name, service in self.services.items():
            for volume in service.get("volumes", []):
                source = volume.split(":")[0]
                source = re.sub(r"^\$\{[A-Z_]+:-(.*)\}$", r"\1", source)
                if source.startswith("./"):
                    path = source[2:]
                    if path not in NOT_IN_REPO:
                        self.assertTrue((ROOT / path).exists(), f"{name} mounts missing {source}")

    def test_docs_list_every_service_image_port_and_volume(self):
        page = COMPOSE_DOC.read_text()
        where = COMPOSE_DOC.relative_to(ROOT)
        for name, service in self.services.items():
            self.assertTrue(f"`{name}`" in page, f"{where} lacks service {name}")
            self.assertTrue(f"`{service['image']}`" in page, f"{where} lacks image of {name}")
            for port in service.get("ports", []):
                published = str(port).split(":")[0]
                self.assertTrue(re.search(rf"\b{published}\b", page), f"{where} lacks port {port} of {name}")
        for volume in self.compose["volumes"]:
            self.assertTrue(f"`{volume}`" in page, f"{where} lacks volume {volume}")

    def test_gpu_task_manager_reserves_an_nvidia_gpu(self):
        gpu = self.services["taskmanager-gpu"]
        self.assertEqual(gpu["profiles"], ["gpu"])
        devices = gpu["deploy"]["resources"]["reservations"]["devices"]
        self.assertEqual(devices[0]["driver"], "nvidia")
        self.assertIn("gpu", devices[0]["capabilities"])
        self.assertEqual(gpu["environment"]["INFERFLOW_EXTRA_CONF"],
                         "/opt/inferflow/conf/config-gpu.yaml")
        self.assertTrue((ROOT / "deploy/docker" / gpu["build"]["dockerfile"]).is_file())


@unittest.skipIf(yaml is None, "python3-yaml is not installed (bash interop/install-compose.sh)")
class ConfigFilesTest(unittest.TestCase):

    def test_gpu_overlay_can_be_appended_to_config_yaml(self):
        base = yaml.safe_load((ROOT / "flink-conf/config.yaml").read_text())
        gpu = yaml.safe_load((ROOT / "flink-conf/config-gpu.yaml").read_text())
        self.assertEqual(set(base) & set(gpu), set())
        self.assertEqual(gpu["external-resources"], "gpu")
        self.assertEqual(gpu["external-resource.gpu.driver-factory.class"],
                         "org.apache.flink.externalresource.gpu.GPUDriverFactory")
        merged = yaml.safe_load((ROOT / "flink-conf/config.yaml").read_text() + "\n"
                                + (ROOT / "flink-conf/config-gpu.yaml").read_text())
        self.assertEqual(merged, {**base, **gpu})

    def test_prometheus_scrapes_the_reporter_port(self):
        base = yaml.safe_load((ROOT / "flink-conf/config.yaml").read_text())
        port = str(base["metrics"]["reporter"]["prom"]["port"]).split("-")[0]
        prometheus = (ROOT / "deploy/prometheus/prometheus.yml").read_text()
        self.assertIn(f"jobmanager:{port}", prometheus)
        self.assertIn(f"port: {port}", prometheus)

    @unittest.skipIf(shutil.which("promtool") is None,
                     "promtool is not installed (bash interop/install-prometheus.sh)")
    def test_promtool_accepts_the_prometheus_config(self):
        result = subprocess.run(
            ["promtool", "check", "config", "deploy/prometheus/prometheus.yml"],
            cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_kubernetes_manifests_parse(self):
        kinds = []
        for path in sorted((ROOT / "deploy/k8s").glob("*.yaml")):
            for doc in yaml.safe_load_all(path.read_text()):
                kinds.append(doc["kind"])
                if doc["kind"] == "FlinkDeployment":
                    self.assertEqual(doc["apiVersion"], "flink.apache.org/v1beta1")
                    self.assertEqual(doc["spec"]["flinkVersion"], "v2_2")
                    job = doc["spec"]["job"]
                    self.assertEqual(job["jarURI"], "local:///opt/flink/usrlib/inferflow-job.jar")
                    if path.name == "flinkdeployment-evaluation.yaml":
                        self.assertIn("--evaluation", job["args"])
                    else:
                        self.assertNotIn("--evaluation", job["args"])
        # CPU and GPU inference jobs, and the evaluation job beside either.
        self.assertEqual(kinds.count("FlinkDeployment"), 3)

    def test_kubernetes_secrets_are_mounted_files_read_by_the_file_config_provider(self):
        docs = [d for p in sorted((ROOT / "deploy/k8s").glob("*.yaml"))
                for d in yaml.safe_load_all(p.read_text())]
        secret = next(d for d in docs if d["kind"] == "Secret")
        files = secret["stringData"]
        job = yaml.safe_load(next(d for d in docs if d["kind"] == "ConfigMap"
                                  and d["metadata"]["name"] == "inferflow-job")["data"]["job.yaml"])
        text = yaml.safe_dump(job)
        references = re.findall(r"\$\{file:/etc/inferflow/secrets/([^:}]+):([^}]+)\}", text)
        self.assertGreaterEqual(len(references), 2, text)
        for name, key in references:
            self.assertIn(name, files)
            self.assertIn(key + "=", files[name], f"{name} has no key {key}")
        self.assertNotRegex(text, r'password="[^$]', "a password inline in job.yaml")
        self.assertEqual(job["kafka"]["properties"]["config.providers"], "file")
        for deployment in (d for d in docs if d["kind"] == "FlinkDeployment"):
            pod = deployment["spec"]["podTemplate"]["spec"]
            volumes = {v["name"]: v for v in pod["volumes"]}
            self.assertEqual(volumes["credentials"]["secret"]["secretName"],
                             secret["metadata"]["name"])
            mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
            self.assertEqual(mounts["credentials"]["mountPath"], "/etc/inferflow/secrets")


if __name__ == "__main__":
    unittest.main()
