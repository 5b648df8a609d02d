#!/usr/bin/env bash
# Installs the Debian packages the build, tests and demo need. Idempotent: does nothing when all
# are present, so `make` targets can call it every time. Only Debian's archive is used.
set -euo pipefail

PACKAGES=(
  cmake ninja-build pkg-config g++ make
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libspdlog-dev libcpp-httplib-dev nlohmann-json3-dev libssl-dev openssl libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  golang-github-gogo-googleapis-dev
  clang-format clang-tidy
  # Client examples (tests/examples): Python with Debian's gRPC (/usr/bin/python3 only) ...
  python3-grpcio python3-protobuf
  # ... and Go, built offline from Debian's packaged Go sources (GOPATH mode). golang/protobuf 1.5
  # must be named: grpc-go accepts 1.3 or 1.5 and alone gets 1.3, which predates the protobuf API
  # that protoc-gen-go's code uses.
  golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev
  golang-google-genproto-dev protoc-gen-go protoc-gen-go-grpc
  # Deployment tests (tests/deploy): yamllint; network namespaces (ip netns); curl for the admin
  # endpoint seen from outside the pod.
  yamllint iproute2 curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm run the SDK conformance test and the Node example; the machine image usually
# ships them (not from Debian), so Debian's are installed only when there are none.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

# kubectl renders deploy/k8s (`kubectl kustomize`). The machine image ships a current kubectl (not
# from Debian); Debian 12's own, kubernetes-client 1.20, is installed only when there is none (it
# cannot be installed beside the other: both own /usr/bin/kubectl). Its kustomize is v2.0.3, for
# which tests/deploy/manifests_test.sh renders with the older kustomization fields.
if ! command -v kubectl >/dev/null 2>&1; then
  missing+=(kubernetes-client)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
