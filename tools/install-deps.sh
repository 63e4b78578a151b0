#!/bin/bash
# Installs what hvswitch needs to build, run and test on Debian 12 (root).
# Only missing packages are fetched; safe to run again.
set -eu
PACKAGES=(
  build-essential meson ninja-build pkg-config
  libdpdk-dev dpdk dpdk-dev libjansson-dev libpcap-dev libbpf-dev libxdp-dev
  libmicrohttpd-dev libsqlite3-dev libmnl-dev libcurl4-openssl-dev libcriterion-dev
  python3 python3-scapy tshark iproute2 iputils-ping curl iperf3 ethtool procps
  gnuplot-nox
  podman containernetworking-plugins containerd runc busybox-static iptables   # tests/e2e/cni.sh
  clang libclang-rt-14-dev   # tools/fuzz.sh: libFuzzer, ASan, UBSan
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 2; }
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all dependencies present"
