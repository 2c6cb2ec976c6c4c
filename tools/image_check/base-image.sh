#!/bin/sh
# localhost/debian-python:bookworm: Debian 12 with python3 and venv (3.11), made with debootstrap
# from Debian's mirror when Docker Hub's python:3.11-slim is out of reach. The host's own extra CA
# certificates go in too, so pip inside the build trusts what the host trusts (an egress proxy).
set -eu
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$ROOT/rootfs" \
    http://deb.debian.org/debian >"$ROOT/debootstrap.log" || { tail -20 "$ROOT/debootstrap.log"; exit 1; }
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/rootfs/usr/local/share/ca-certificates/"
    chroot "$ROOT/rootfs" update-ca-certificates >/dev/null
fi
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$ROOT/rootfs/etc/pip.conf"
rm -rf "$ROOT/rootfs/var/cache/apt/archives/"*.deb
tar -C "$ROOT/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - localhost/debian-python:bookworm
