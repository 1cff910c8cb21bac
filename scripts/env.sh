# Sourced by the scripts: picks a JDK >= 25 and exports JAVA_HOME and PATH.
hako_java_ok() { [ -x "$1/bin/java" ] && "$1/bin/java" -version 2>&1 | head -1 | grep -Eq '"(2[5-9]|[3-9][0-9])[".]'; }
if [ -z "${JAVA_HOME:-}" ] || ! hako_java_ok "$JAVA_HOME"; then
  JAVA_HOME=""
  for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    if hako_java_ok "$j"; then JAVA_HOME=$j; break; fi
  done
  if [ -z "$JAVA_HOME" ]; then
    echo "hako: no JDK >= 25 found (looked at \$JAVA_HOME and /usr/lib/jvm/*); install one, e.g. Temurin 25, and set JAVA_HOME" >&2
    exit 1
  fi
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
