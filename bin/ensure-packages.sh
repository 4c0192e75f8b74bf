# Sourced by bin/test and bin/run-demo: installs, with apt-get, the Debian packages the build needs
# when they are missing (Maven; gcc for the benchmark's C reference). Needs root on a fresh machine.
ensure_packages() {
    local missing=()
    command -v mvn >/dev/null 2>&1 || missing+=(maven)
    command -v gcc >/dev/null 2>&1 || missing+=(gcc)
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing Debian packages: ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: ${missing[*]} missing and not running as root; install them first" >&2
        return 1
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
ensure_packages || exit 1
