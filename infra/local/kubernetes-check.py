#!/usr/bin/env python3
"""Offline check of infra/kubernetes: no cluster, no network.

1. Renders every kustomization (base and each overlay) with `kubectl kustomize`, as `kubectl apply -k` would.
2. Validates every built-in object against the Kubernetes OpenAPI schemas that the PyPI package
   kubernetes-validate bundles (strict: an unknown field is an error, as with the API server's strict field
   validation), for the oldest and the newest Kubernetes this project claims.
3. Validates the custom resources (KEDA ScaledObject and TriggerAuthentication, RabbitmqCluster, CloudNativePG
   Cluster) with jsonschema against infra/kubernetes/schemas/ (their sources are in that folder's README).
4. Checks what a schema cannot see: each service gets exactly the environment keys docker-compose.yml gives it
   (which a Swift test keeps equal to the keys each service's settings read), every ConfigMap and Secret it
   reads exists, probes and Services point at the right ports, every Deployment has a disruption budget and
   runs as non-root with memory bounded, each autoscaler watches a queue of definitions.json that its service
   consumes, and the most copies of everything fit in the database's connections.
5. Self-test: a list of deliberately broken manifests, each of which must be refused — so the check can fail.

Exit 0 when everything passes and every broken manifest was refused; 1 otherwise.
Usage: kubernetes-check.py [--manifest FILE ...]   (--manifest: validate those files too, e.g. a broken one)
"""

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import referencing
import yaml
from kubernetes_validate import utils as kv

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
K8S_DIR = os.path.join(ROOT, "infra", "kubernetes")
# The oldest Kubernetes still commonly run by managed offerings, and the newest the validator bundles.
K8S_VERSIONS = ["1.30", "1.37"]
# Each copy of a service pools up to 20 PostgreSQL connections (infra/local/postgres.sh); a few more are kept for
# the operator, the set-up Job and a person with psql.
CONNECTIONS_PER_COPY = 20
CONNECTIONS_RESERVED = 10
# Made by the operators, not by an operator person: only these keys are read from them.
OPERATOR_SECRETS = {
    "open137-db-superuser": {"username", "password", "uri", "host", "port", "dbname", "user", "pgpass"},
    "open137-rabbitmq-default-user": {"username", "password", "host", "port", "connection_string"},
}
SERVICES = ["intake", "classifier", "router", "notifier", "council-audit", "desk"]
SCALED = {"classifier", "router", "notifier"}
# The HTTP port setting of each service with pages or an API.
HTTP_PORT_KEY = {"intake": "INTAKE_PORT", "council-audit": "COUNCIL_PORT", "desk": "DESK_PORT"}
CUSTOM_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda.sh-v1alpha1-ScaledObject.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda.sh-v1alpha1-TriggerAuthentication.json",
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmq.com-v1beta1-RabbitmqCluster.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io-v1-Cluster.json",
}


def name_of(doc):
    return f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


# ---- schemas ----------------------------------------------------------------------------------------------

class Schemas:
    """The custom resources' validators, resolving `$ref`s into Kubernetes' own definitions."""

    def __init__(self):
        defs = kv.schema_contents(f"kubernetes-json-schema/v{K8S_VERSIONS[-1]}.0-local-strict/_definitions.json", K8S_VERSIONS[-1])
        registry = referencing.Resource.from_contents(defs) @ referencing.Registry()
        self.validators = {}
        # The same object in several kustomizations (and in every self-test case) is validated once.
        self.seen = {}
        for key, file in CUSTOM_SCHEMAS.items():
            with open(os.path.join(K8S_DIR, "schemas", file)) as f:
                schema = json.load(f)
            jsonschema.Draft202012Validator.check_schema(schema)
            self.validators[key] = jsonschema.Draft202012Validator(schema, registry=registry)

    def validate(self, doc):
        """Every schema error of `doc`, as text; an unknown kind is an error too."""
        key = json.dumps(doc, sort_keys=True, default=str)
        if key not in self.seen:
            self.seen[key] = self._validate(doc)
        return self.seen[key]

    def _validate(self, doc):
        if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
            return [f"{name_of(doc) if isinstance(doc, dict) else doc!r}: not a Kubernetes object (apiVersion and kind)"]
        key = (doc["apiVersion"], doc["kind"])
        if key in self.validators:
            return [f"{name_of(doc)}: {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}"
                    for e in sorted(self.validators[key].iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]
        problems = []
        for version in K8S_VERSIONS:
            try:
                kv.validate(doc, version, strict=True)
            except kv.ValidationError as e:
                problems.append(f"{name_of(doc)} (Kubernetes {version}): {'.'.join(map(str, e.path)) or '(top)'}: {e.message[:300]}")
            except kv.SchemaNotFoundError:
                problems.append(f"{name_of(doc)}: no schema for {doc['apiVersion']} {doc['kind']} (Kubernetes {version}) — "
                                "a misspelt kind or apiVersion, or a custom resource without a schema in infra/kubernetes/schemas")
        return problems


# ---- rendering --------------------------------------------------------------------------------------------

def kustomizations():
    found = [os.path.join(K8S_DIR, "base")]
    overlays = os.path.join(K8S_DIR, "overlays")
    found += sorted(os.path.join(overlays, d) for d in os.listdir(overlays)
                    if os.path.isfile(os.path.join(overlays, d, "kustomization.yaml")))
    return found


def render(directory):
    run = subprocess.run(["kubectl", "kustomize", directory], capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {os.path.relpath(directory, ROOT)} failed: {run.stderr.strip()}")
    return [d for d in yaml.safe_load_all(run.stdout) if d]


def load_yaml(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


# ---- what a schema cannot see -----------------------------------------------------------------------------

class Facts:
    """What the rendered manifests are checked against: docker-compose.yml, definitions.json, the example Secrets."""

    def __init__(self):
        with open(os.path.join(ROOT, "docker-compose.yml")) as f:
            self.compose = yaml.safe_load(f)["services"]
        with open(os.path.join(ROOT, "infra", "rabbitmq", "definitions.json")) as f:
            self.queues = {q["name"] for q in json.load(f)["queues"]}
        self.secret_docs = load_yaml(os.path.join(K8S_DIR, "secrets.example.yaml"))
        self.secrets = {d["metadata"]["name"]: set((d.get("stringData") or {}) | (d.get("data") or {}))
                        for d in self.secret_docs if d.get("kind") == "Secret"}
        for name, keys in OPERATOR_SECRETS.items():
            self.secrets.setdefault(name, set()).update(keys)

    def compose_keys(self, service):
        entry = self.compose.get(service)
        if entry is None:
            return None
        return set(entry.get("environment") or {})

    def compose_value(self, service, key):
        value = str((self.compose.get(service) or {}).get("environment", {}).get(key, ""))
        match = re.fullmatch(r"\$\{[A-Z0-9_]+:-([^}]*)\}", value)
        return match.group(1) if match else value


def as_int(value, default):
    """A count as written, or `default` when absent; a wrongly typed one is the schemas' to report."""
    try:
        return default if value is None else int(value)
    except (TypeError, ValueError):
        return default


def selects(selector, labels):
    wanted = (selector or {}).get("matchLabels") or {}
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def check_rendered(docs, facts, where):
    """Every problem of one rendered kustomization that the schemas cannot see."""
    problems = []

    def problem(text):
        problems.append(f"{where}: {text}")

    by_kind = {}
    for d in docs:
        by_kind.setdefault(d.get("kind"), []).append(d)
    config_maps = {d["metadata"]["name"]: d.get("data") or {} for d in by_kind.get("ConfigMap", [])}
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    scaled = {((d.get("spec") or {}).get("scaleTargetRef") or {}).get("name"): d for d in by_kind.get("ScaledObject", [])}

    for service in SERVICES:
        if service not in deployments:
            problem(f"no Deployment {service}")
    if set(scaled) != SCALED:
        problem(f"KEDA scales {sorted(k for k in scaled if k)}; expected exactly {sorted(SCALED)}")

    most_copies = 0
    for name, dep in deployments.items():
        spec = dep.get("spec") or {}
        pod = (spec.get("template") or {}).get("spec") or {}
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        containers = pod.get("containers") or []
        if len(containers) != 1:
            problem(f"Deployment {name}: one container expected, found {len(containers)}")
            continue
        c = containers[0]
        service = (c.get("args") or [None])[0]
        if service != name:
            problem(f"Deployment {name}: runs {service!r}, expected the executable {name!r}")

        # The environment: exactly the keys the service reads.
        keys, plain = set(), {}
        for source in c.get("envFrom") or []:
            ref = source.get("configMapRef")
            if ref is None:
                problem(f"Deployment {name}: envFrom other than a ConfigMap ({source}) hides which keys it gives")
                continue
            if ref.get("name") not in config_maps:
                problem(f"Deployment {name}: envFrom ConfigMap {ref.get('name')} is not in the manifests")
                continue
            keys |= set(config_maps[ref["name"]])
            plain.update(config_maps[ref["name"]])
        for env in c.get("env") or []:
            if env["name"] in keys:
                problem(f"Deployment {name}: {env['name']} is given twice")
            keys.add(env["name"])
            source = env.get("valueFrom") or {}
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                if ref.get("key") not in facts.secrets.get(ref.get("name"), set()):
                    problem(f"Deployment {name}: {env['name']} reads Secret {ref.get('name')} key {ref.get('key')}, "
                            "which secrets.example.yaml does not list and no operator makes")
            elif "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                if ref.get("key") not in config_maps.get(ref.get("name"), {}):
                    problem(f"Deployment {name}: {env['name']} reads ConfigMap {ref.get('name')} key {ref.get('key')}, which does not exist")
            elif "value" in env:
                plain[env["name"]] = env["value"]
        expected = facts.compose_keys(name)
        if expected is None:
            problem(f"Deployment {name}: no service {name} in docker-compose.yml to compare its keys with")
        elif keys != expected:
            missing, extra = sorted(expected - keys), sorted(keys - expected)
            problem(f"Deployment {name}: environment keys differ from docker-compose.yml's"
                    + (f"; missing {missing}" if missing else "") + (f"; not read by the service {extra}" if extra else ""))

        # Ports and probes: the ops port is the service's OPS_PORT, which is docker-compose.yml's.
        ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
        ops = str(ports.get("ops"))
        if ops != str(plain.get("OPS_PORT")):
            problem(f"Deployment {name}: container port `ops` {ops} is not its OPS_PORT {plain.get('OPS_PORT')}")
        if facts.compose_keys(name) is not None and ops != facts.compose_value(name, "OPS_PORT"):
            problem(f"Deployment {name}: ops port {ops}, docker-compose.yml says {facts.compose_value(name, 'OPS_PORT')}")
        if plain.get("OPS_HOST") != "0.0.0.0":
            problem(f"Deployment {name}: OPS_HOST must be 0.0.0.0 for the kubelet's probes to reach it")
        for probe, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health"), ("startupProbe", "/health")):
            get = (c.get(probe) or {}).get("httpGet") or {}
            if get.get("path") != path or get.get("port") not in ("ops", ports.get("ops")):
                problem(f"Deployment {name}: {probe} must GET {path} on the ops port, has {get or 'none'}")
        if name in HTTP_PORT_KEY and str(ports.get("http")) != str(plain.get(HTTP_PORT_KEY[name])):
            problem(f"Deployment {name}: container port `http` {ports.get('http')} is not its {HTTP_PORT_KEY[name]} {plain.get(HTTP_PORT_KEY[name])}")

        # Non-root, no escalation, bounded memory, a request to schedule by.
        if not (pod.get("securityContext") or {}).get("runAsNonRoot"):
            problem(f"Deployment {name}: pod securityContext.runAsNonRoot must be true")
        sc = c.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False or "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            problem(f"Deployment {name}: container must set allowPrivilegeEscalation: false and drop ALL capabilities")
        res = c.get("resources") or {}
        if not {"cpu", "memory"} <= set(res.get("requests") or {}) or "memory" not in (res.get("limits") or {}):
            problem(f"Deployment {name}: requests for cpu and memory and a memory limit are required")

        # A disruption budget that selects it.
        if not any(selects((p.get("spec") or {}).get("selector"), labels) for p in by_kind.get("PodDisruptionBudget", [])):
            problem(f"Deployment {name}: no PodDisruptionBudget selects its pods")

        # Copies: KEDA owns the count of the scaled ones.
        if name in scaled:
            if "replicas" in spec:
                problem(f"Deployment {name}: KEDA scales it, so it must not set replicas (each apply would reset them)")
            most_copies += as_int((scaled[name].get("spec") or {}).get("maxReplicaCount"), 100)
        else:
            most_copies += as_int(spec.get("replicas"), 1)

    for so in by_kind.get("ScaledObject", []):
        target = ((so.get("spec") or {}).get("scaleTargetRef") or {}).get("name")
        if target not in deployments:
            problem(f"ScaledObject {so['metadata']['name']}: target Deployment {target} does not exist")
        for trigger in (so.get("spec") or {}).get("triggers") or []:
            meta = trigger.get("metadata") or {}
            queue = meta.get("queueName")
            if trigger.get("type") != "rabbitmq":
                problem(f"ScaledObject {so['metadata']['name']}: trigger {trigger.get('type')} — only rabbitmq queue lengths are used")
                continue
            if queue not in facts.queues:
                problem(f"ScaledObject {so['metadata']['name']}: queue {queue} is not in infra/rabbitmq/definitions.json")
            elif not queue.startswith(f"{target}."):
                problem(f"ScaledObject {so['metadata']['name']}: queue {queue} is not one {target} consumes")
            if not meta.get("host") or not trigger.get("authenticationRef"):
                problem(f"ScaledObject {so['metadata']['name']}: trigger on {queue} needs a host and a TriggerAuthentication")
            ref = (trigger.get("authenticationRef") or {}).get("name")
            if ref not in {d["metadata"]["name"] for d in by_kind.get("TriggerAuthentication", [])}:
                problem(f"ScaledObject {so['metadata']['name']}: TriggerAuthentication {ref} is not in the manifests")
    for ta in by_kind.get("TriggerAuthentication", []):
        for ref in (ta.get("spec") or {}).get("secretTargetRef") or []:
            if ref.get("key") not in facts.secrets.get(ref.get("name"), set()):
                problem(f"TriggerAuthentication {ta['metadata']['name']}: Secret {ref.get('name')} key {ref.get('key')} is not listed")

    for svc in by_kind.get("Service", []):
        spec = svc.get("spec") or {}
        targets = [d for d in deployments.values() if selects({"matchLabels": spec.get("selector")}, d["spec"]["template"]["metadata"].get("labels") or {})]
        if not targets:
            problem(f"Service {svc['metadata']['name']}: its selector matches no Deployment")
        for port in spec.get("ports") or []:
            for d in targets:
                names = {p.get("name") for p in d["spec"]["template"]["spec"]["containers"][0].get("ports") or []}
                if isinstance(port.get("targetPort"), str) and port["targetPort"] not in names:
                    problem(f"Service {svc['metadata']['name']}: targetPort {port['targetPort']} is no port of {d['metadata']['name']}")

    jobs = by_kind.get("Job", [])
    if not any("open137 migrate" in " ".join(c.get("command", []) + c.get("args", []))
               for j in jobs for c in j["spec"]["template"]["spec"]["containers"]):
        problem("no Job runs `open137 migrate`")
    for j in jobs:
        for c in j["spec"]["template"]["spec"]["containers"]:
            for env in c.get("env") or []:
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref and ref.get("key") not in facts.secrets.get(ref.get("name"), set()):
                    problem(f"Job {j['metadata']['name']}: {env['name']} reads Secret {ref.get('name')} key {ref.get('key')}, which is not listed")

    clusters = by_kind.get("Cluster", [])
    brokers = by_kind.get("RabbitmqCluster", [])
    if len(clusters) != 1 or len(brokers) != 1:
        problem(f"one CloudNativePG Cluster and one RabbitmqCluster expected, found {len(clusters)} and {len(brokers)}")
    for cl in clusters:
        spec = cl.get("spec") or {}
        sync = (spec.get("postgresql") or {}).get("synchronous") or {}
        if as_int(spec.get("instances"), 1) < 3 or sync.get("dataDurability") != "required" or as_int(sync.get("number"), 0) < 1:
            problem(f"Cluster {cl['metadata']['name']}: 3 instances and required synchronous replication (docs/capacity.md, postgres.yaml)")
        limit = as_int(((spec.get("postgresql") or {}).get("parameters") or {}).get("max_connections"), 100)
        needed = most_copies * CONNECTIONS_PER_COPY + CONNECTIONS_RESERVED
        if needed > limit:
            problem(f"Cluster {cl['metadata']['name']}: the most copies of every Deployment ({most_copies}) × {CONNECTIONS_PER_COPY} "
                    f"connections + {CONNECTIONS_RESERVED} = {needed} > max_connections {limit}")
    for b in brokers:
        if as_int((b.get("spec") or {}).get("replicas"), 1) < 3:
            problem(f"RabbitmqCluster {b['metadata']['name']}: quorum queues need 3 nodes to survive one")
    return problems


def check_all(rendered, schemas, facts):
    problems = []
    for where, docs in rendered.items():
        for d in docs:
            problems += [f"{where}: {p}" for p in schemas.validate(d)]
        problems += check_rendered(docs, facts, where)
    for d in facts.secret_docs:
        problems += [f"secrets.example.yaml: {p}" for p in schemas.validate(d)]
    return problems


# ---- the self-test: broken manifests that must be refused ------------------------------------------------

def find(docs, kind, name):
    return next(d for d in docs if d.get("kind") == kind and d["metadata"]["name"] == name)


def container(docs, name):
    return find(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def breakages():
    """(what is broken, how) — each must make the check fail."""
    def env_drop(docs, name, key):
        c = container(docs, name)
        c["env"] = [e for e in c["env"] if e["name"] != key]

    return [
        ("a misspelt field in a container", lambda d: container(d, "intake").update(imagePullPolicyy="Always")),
        ("replicas as a word", lambda d: find(d, "Deployment", "intake")["spec"].update(replicas="two")),
        ("a Service port that is not a number", lambda d: find(d, "Service", "intake")["spec"]["ports"][0].update(port="http")),
        ("a misspelt kind", lambda d: find(d, "PodDisruptionBudget", "router").update(kind="PodDisruptionBuget")),
        ("a KEDA trigger without its type", lambda d: find(d, "ScaledObject", "classifier")["spec"]["triggers"][0].pop("type")),
        ("a KEDA mode the rabbitmq scaler does not know", lambda d: find(d, "ScaledObject", "router")["spec"]["triggers"][0]["metadata"].update(mode="QueueLenght")),
        ("a KEDA ScaledObject field that does not exist", lambda d: find(d, "ScaledObject", "notifier")["spec"].update(maxReplicas=4)),
        ("a TriggerAuthentication reference without its key", lambda d: find(d, "TriggerAuthentication", "open137-rabbitmq-monitor")["spec"]["secretTargetRef"][0].pop("key")),
        ("RabbitMQ replicas as a string", lambda d: find(d, "RabbitmqCluster", "open137-rabbitmq")["spec"].update(replicas="3")),
        ("a synchronous method CloudNativePG does not have", lambda d: find(d, "Cluster", "open137-db")["spec"]["postgresql"]["synchronous"].update(method="all")),
        ("a PostgreSQL parameter as a number", lambda d: find(d, "Cluster", "open137-db")["spec"]["postgresql"]["parameters"].update(max_connections=600)),
        ("zero synchronous standbys", lambda d: find(d, "Cluster", "open137-db")["spec"]["postgresql"]["synchronous"].update(number=0)),
        ("a key intake does not read", lambda d: container(d, "intake")["env"].append({"name": "INTAKE_TYPO", "value": "1"})),
        ("a key the notifier reads, left out", lambda d: env_drop(d, "notifier", "NOTIFIER_WEBHOOKS")),
        ("a Secret key nobody makes", lambda d: container(d, "council-audit")["env"][-1]["valueFrom"]["secretKeyRef"].update(key="OPEN137_COUNCIL_KEYS")),
        ("readiness on /health", lambda d: container(d, "router")["readinessProbe"]["httpGet"].update(path="/health")),
        ("liveness on the wrong port", lambda d: container(d, "classifier")["livenessProbe"]["httpGet"].update(port=9101)),
        ("a queue that definitions.json does not have", lambda d: find(d, "ScaledObject", "classifier")["spec"]["triggers"][0]["metadata"].update(queueName="classifier.report")),
        ("another stage's queue", lambda d: find(d, "ScaledObject", "notifier")["spec"]["triggers"][0]["metadata"].update(queueName="router.reports")),
        ("replicas on a Deployment KEDA scales", lambda d: find(d, "Deployment", "classifier")["spec"].update(replicas=3)),
        ("a Deployment without a disruption budget", lambda d: d.remove(find(d, "PodDisruptionBudget", "notifier"))),
        ("a container that may escalate", lambda d: container(d, "desk")["securityContext"].update(allowPrivilegeEscalation=True)),
        ("more copies than the database has connections", lambda d: find(d, "ScaledObject", "router")["spec"].update(maxReplicaCount=40)),
        ("asynchronous replication", lambda d: find(d, "Cluster", "open137-db")["spec"]["postgresql"]["synchronous"].update(dataDurability="preferred")),
    ]


def self_test(base_docs, schemas, facts):
    """Every breakage must produce at least one problem that the intact manifests do not have."""
    baseline = set(check_all({"base": base_docs}, schemas, facts))
    missed = []
    for what, breaks in breakages():
        docs = copy.deepcopy(base_docs)
        breaks(docs)
        found = [p for p in check_all({"base": docs}, schemas, facts) if p not in baseline]
        if found:
            print(f"  refused: {what} — {found[0]}")
        else:
            missed.append(what)
            print(f"  NOT REFUSED: {what}")
    return missed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", action="append", default=[], help="also validate this YAML file (any number of objects)")
    args = parser.parse_args()

    if shutil.which("kubectl") is None:
        print("kubernetes-check: kubectl is not installed; it renders the kustomizations (`kubectl kustomize`)", file=sys.stderr)
        return 1
    schemas, facts = Schemas(), Facts()
    rendered = {}
    try:
        for directory in kustomizations():
            rendered[os.path.relpath(directory, K8S_DIR)] = render(directory)
    except RuntimeError as e:
        print(f"kubernetes-check: {e}", file=sys.stderr)
        return 1
    for path in args.manifest:
        rendered[path] = load_yaml(path)

    problems = []
    for where, docs in rendered.items():
        for d in docs:
            problems += [f"{where}: {p}" for p in schemas.validate(d)]
        if where not in args.manifest:
            problems += check_rendered(docs, facts, where)
    for d in facts.secret_docs:
        problems += [f"secrets.example.yaml: {p}" for p in schemas.validate(d)]
    counted = ", ".join(f"{where} {len(docs)} objects" for where, docs in rendered.items())
    print(f"kubernetes-check: {counted}; Kubernetes {' and '.join(K8S_VERSIONS)} (kubernetes-validate), "
          f"{len(CUSTOM_SCHEMAS)} custom resource schemas (jsonschema)")
    for p in problems:
        print(f"  INVALID {p}")

    print("kubernetes-check: self-test — each broken manifest must be refused")
    missed = self_test(rendered["base"], schemas, facts)
    if missed:
        print(f"kubernetes-check: the self-test failed: {len(missed)} broken manifests passed: {missed}")
    ok = not problems and not missed
    print(f"kubernetes-check: {'passed' if ok else 'FAILED'} ({len(problems)} problems; "
          f"{len(breakages()) - len(missed)} of {len(breakages())} broken manifests refused)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
