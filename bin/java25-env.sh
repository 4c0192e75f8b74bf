# Sourced by the project's scripts: selects a JDK >= 25 (the FFM API is final from 22; we build for 25)
# and sets Maven's options. Order: $JAVA_HOME if it is >= 25, else the newest JDK >= 25 under
# /usr/lib/jvm. Fails with a clear message when there is none.

java_feature_version() { # $1 = java home; prints the feature version (17, 25, ...) or nothing
    [ -x "$1/bin/java" ] || return 0
    "$1/bin/java" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

select_jdk25() {
    local v best="" bestv=0 d
    if [ -n "${JAVA_HOME:-}" ]; then
        v=$(java_feature_version "$JAVA_HOME")
        if [ -n "$v" ] && [ "$v" -ge 25 ]; then
            return 0
        fi
    fi
    for d in /usr/lib/jvm/*; do
        [ -d "$d" ] || continue
        v=$(java_feature_version "$d")
        if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$bestv" ]; then
            best=$d
            bestv=$v
        fi
    done
    if [ -z "$best" ]; then
        echo "error: no JDK 25 or newer found (JAVA_HOME=${JAVA_HOME:-unset}; looked in /usr/lib/jvm)." >&2
        echo "       Install one (e.g. Temurin 25) or point JAVA_HOME at it." >&2
        return 1
    fi
    export JAVA_HOME=$best
}

select_jdk25 || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.8's bundled Guava and Jansi use sun.misc.Unsafe / native access; keep JDK 25 quiet about it.
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED -Dsun.misc.unsafe.memory.access=allow"
