# Sourced by bin/test and bin/run-demo. ensure_packages CMD:PACKAGE... installs with apt-get the Debian
# package of every command that is missing (needs root on a fresh machine). A failed install is reported
# and not fatal here: whatever really needs the command fails later with its own message, and tests
# whose tool is missing skip with a reason.
ensure_packages() {
    local pair missing=()
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing Debian packages: ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "warning: not root, cannot install ${missing[*]}; install them first" >&2
        return 0
    fi
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
        echo "warning: apt-get could not install ${missing[*]}" >&2
    fi
}
