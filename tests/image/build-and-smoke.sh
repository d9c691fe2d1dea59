#!/usr/bin/env bash
# Builds the Dockerfile, unchanged, with buildah and smoke-tests the image (issue 14).
# Called by .ci/run; runs as root on a bare Debian bookworm machine with no Docker and
# no container registry:
#
#   1. installs buildah and debootstrap (Debian packages) when they are missing;
#   2. makes a stand-in for python:3.11-slim-bookworm, localhost/python:3.11-slim-bookworm:
#      debootstrap minbase + python3, python3-pip, python3-venv, ca-certificates, and
#      `python3 -m venv /usr/local` so `python` and `pip` are on PATH as in the official
#      image. pip inside the build must reach the same package indexes with the same CA
#      bundle as this machine's pip, so the image gets this machine's pip settings and
#      CA bundle (tests/image/pip_settings.py). The Debian mirror is the one of this
#      machine's apt sources. Nothing names a host: all of it is read at run time.
#      The stand-in is kept and reused while its inputs are unchanged;
#   3. `buildah bud` on the Dockerfile (a user with Docker runs `docker build`);
#   4. the smoke checks of tests/image/smoke.py: user, entrypoint, no build leftovers,
#      demo, rules check, and serve on a read-only root against the fake Slack and
#      Kubernetes API servers; then the image's size.
#
# It fails, loudly, when any step does: the image step is never skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=localhost/crashloop-bot:ci
BASE=localhost/python:3.11-slim-bookworm
SUITE=bookworm
PACKAGES=python3,python3-pip,python3-venv,ca-certificates
STAND_IN_LABEL=io.crashloop-bot.stand-in-inputs
PYTHON=${PYTHON:-.venv/bin/python}

started=$SECONDS
say() { printf '== image [%3ds] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
    printf 'image: FAILED: %s\n' "$*" >&2
    exit 1
}
buildah() { command buildah --storage-driver overlay "$@"; }

image_id() { buildah inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true; }
# Remove the image a new build of NAME replaced (untagged now), so runs do not pile up
# images; never the one just made. Kept if another image still uses its layers.
drop_replaced() { # OLD_ID NAME
    [ -n "$1" ] && [ "$1" != "$(image_id "$2")" ] || return 0
    buildah rmi "$1" >/dev/null 2>&1 || true
}

work=$(mktemp -d /tmp/crashloop-image.XXXXXX)
scratch=""
cleanup() {
    if [ -n "$scratch" ]; then buildah rm "$scratch" >/dev/null 2>&1 || true; fi
    # debootstrap mounts /proc and /sys in the new root; never rm -r through a mount.
    findmnt -rn -o TARGET | grep "^$work/" | sort -r | xargs -r umount -l || true
    rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "run as root: buildah and debootstrap need it (CI runs .ci/run as root)"
[ -x "$PYTHON" ] || fail "$PYTHON is missing: create the venv first (python3 -m venv .venv; .venv/bin/pip install -e '.[test]')"

say "tools: buildah, debootstrap"
missing=()
for tool in buildah debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
buildah info >/dev/null ||
    fail "buildah cannot run on this machine (its error is above). The image step is part of CI and is not skipped: fix buildah (root, overlay storage) rather than this step."

say "this machine's pip settings and Debian mirror"
mkdir "$work/pip"
# The local directories the indexes live in (file:// indexes, find-links): bind-mounted
# read-only into the build at the same paths.
"$PYTHON" tests/image/pip_settings.py "$work/pip" >"$work/index-dirs" ||
    fail "could not read this machine's pip settings (tests/image/pip_settings.py, error above)"
mapfile -t index_dirs <"$work/index-dirs"
mirror=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' |
    awk -v suite="$SUITE" '$1 == suite { print $2; exit }')
[ -n "$mirror" ] || fail "no '$SUITE' source in this machine's apt sources (apt-get indextargets): debootstrap needs a Debian mirror"

# The stand-in base image, made from debootstrap's root filesystem in $work/rootfs.
make_stand_in() {
    local rootfs=$work/rootfs mnt dir
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$mirror" \
        >"$work/debootstrap.log" 2>&1 || {
        tail -n 40 "$work/debootstrap.log" >&2
        fail "debootstrap $SUITE from $mirror failed (the log's end is above)"
    }
    chroot "$rootfs" python3 -m venv /usr/local
    install -m 0644 "$work/pip/pip.conf" "$rootfs/etc/pip.conf"
    install -m 0644 "$work/pip/ca-certificates.crt" "$rootfs/etc/ssl/certs/ca-certificates.crt"
    # The bind mounts' mount points belong to the base, so no layer of the build adds them.
    for dir in "${index_dirs[@]}"; do mkdir -p "$rootfs$dir"; done
    # As slim images do: no package cache, no package lists.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    scratch=$(buildah from scratch)
    mnt=$(buildah mount "$scratch")
    [ -d "$mnt" ] && [ "$mnt" != / ] || fail "buildah mount gave no directory for the stand-in"
    cp -a "$rootfs/." "$mnt/"
    buildah umount "$scratch" >/dev/null
    buildah config --env PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
        --env LANG=C.UTF-8 --cmd python3 --label "$STAND_IN_LABEL=$1" "$scratch"
    buildah commit -q --rm "$scratch" "$BASE" >/dev/null
    scratch=""
}

# Rebuild the stand-in only when what it is made from changed: the recipe above, the
# mirror, the pip settings and the CA bundle.
inputs=$({
    declare -f make_stand_in
    echo "$mirror $PACKAGES ${index_dirs[*]}"
    cat "$work/pip/pip.conf" "$work/pip/ca-certificates.crt"
} | sha256sum | cut -c1-32)
have=$(buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$STAND_IN_LABEL\"}}" "$BASE" 2>/dev/null || true)
if [ "$have" = "$inputs" ]; then
    say "stand-in base $BASE: up to date, reused"
else
    say "stand-in base $BASE: debootstrap $SUITE (minbase + $PACKAGES)"
    previous=$(image_id "$BASE")
    make_stand_in "$inputs"
    drop_replaced "$previous" "$BASE"
fi

# No --layers: buildah 1.28 (bookworm) reuses a cached `RUN --mount=...,from=builder`
# layer after the builder stage changed (containers/buildah#4522, fixed in 1.29), so a
# cached build would install the previous wheels and the checks would pass on stale code.
say "buildah bud: the Dockerfile on $BASE"
previous=$(image_id "$IMAGE")
volumes=()
for dir in "${index_dirs[@]}"; do volumes+=(--volume "$dir:$dir:ro"); done
buildah bud --isolation chroot --pull=never --build-arg PYTHON_IMAGE="$BASE" \
    "${volumes[@]}" --tag "$IMAGE" --file Dockerfile . >"$work/build.log" 2>&1 || {
    tail -n 60 "$work/build.log" >&2
    fail "the Dockerfile did not build (the build log's end is above)"
}
drop_replaced "$previous" "$IMAGE"

say "smoke checks of $IMAGE"
"$PYTHON" -m tests.image.smoke "$IMAGE" "$BASE"
say "done"
