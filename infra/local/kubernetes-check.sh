#!/usr/bin/env bash
# The Kubernetes manifests (infra/kubernetes), checked offline — no cluster, no network beyond PyPI for the
# first install: `kubectl kustomize` renders base and every overlay, kubernetes-validate (PyPI; it bundles
# Kubernetes' OpenAPI schemas) validates the built-in objects strictly, jsonschema validates the custom
# resources against infra/kubernetes/schemas/, and infra/local/kubernetes-check.py checks what schemas
# cannot (each service's environment keys against docker-compose.yml, ports, probes, queues, budgets), then
# its self-test shows that each of a list of broken manifests is refused. A phase of `make test`; a few seconds.
# Arguments go to kubernetes-check.py (`--manifest FILE` validates a file of your own too).
set -euo pipefail
OPEN137_LOG_TAG="kubernetes"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# kubectl (and its built-in kustomize) comes with this kind of machine; Debian's kubernetes-client is 1.20, whose
# kustomize predates the `labels` and `patches` fields the kustomizations use, so it is no substitute.
# Where it is missing the phase says so and passes: the manifests are not what a machine without it runs.
if ! command -v kubectl >/dev/null; then
    log "warning: kubectl is not installed; the Kubernetes manifests are NOT checked (it renders the kustomizations)"
    exit 0
fi
# A pinned validator: its bundled schemas decide what passes, so a new release must not change that unseen.
KUBERNETES_VALIDATE=1.37.0
python3 -c "import importlib.metadata as m, jsonschema, referencing; assert m.version('kubernetes-validate') == '$KUBERNETES_VALIDATE'" 2>/dev/null \
    || python3 -m pip install --quiet "kubernetes-validate==$KUBERNETES_VALIDATE" \
    || python3 -m pip install --quiet --break-system-packages "kubernetes-validate==$KUBERNETES_VALIDATE"
exec python3 "$OPEN137_LOCAL_DIR/kubernetes-check.py" "$@"
