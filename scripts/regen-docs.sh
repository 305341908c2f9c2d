#!/bin/sh
# Regenerates the checked-in shell completions (completions/) and man pages (man/) from the
# clap definitions. Run it after adding or changing a subcommand or flag; the test
# tests/generated_docs.rs fails until the checked-in copies match.
set -eu
cd "$(dirname "$0")/.."
cargo run --quiet -- completions --out-dir completions >/dev/null
rm -f man/*.1
cargo run --quiet -- man --out-dir man >/dev/null
echo "regenerated completions/ and man/"
