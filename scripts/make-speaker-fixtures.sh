#!/usr/bin/env bash
# Regenerates the speaker fixtures under src/test/resources/audio/speakers/: the
# voices that Sphinx4DiarizeTest puts in turn with the LibriVox reader of
# src/test/resources/audio/librivox/ to make two-speaker conversations.
#
#   espeak-f4-{1,2,3}.wav          a synthetic female voice (eSpeak NG, en-us+f4)
#   pocketsphinx-{goforward,numbers,something}.wav
#                                  a man's recordings from Debian's
#                                  pocketsphinx-testdata, samples unchanged
#
# Run it from the repository root:
#
#   scripts/make-speaker-fixtures.sh
#
# It needs these Debian packages: espeak-ng, sox, pocketsphinx-testdata. Every
# run rewrites the same files (and only those), and with the same package
# versions it writes the same bytes.
set -euo pipefail

DATA=/usr/share/pocketsphinx/test/data
COPYRIGHT=/usr/share/doc/pocketsphinx-testdata/copyright
OUT=src/test/resources/audio/speakers

die() { echo "make-speaker-fixtures: $*" >&2; exit 1; }

[[ -f pom.xml && -d src/test ]] || die "run this from the repository root"

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt-get install -y $2)"); }
need espeak-ng espeak-ng
need sox sox
need soxi sox
need cmp diffutils
need awk mawk
[[ -r $DATA/goforward.raw && -r $COPYRIGHT ]] ||
  missing+=("$DATA (apt-get install -y pocketsphinx-testdata)")
if ((${#missing[@]})); then
  printf 'make-speaker-fixtures: missing %s\n' "${missing[@]}" >&2
  exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "unknown"; }
# sox: -R fixed random seed, -D no dither (plain rounding), so output is repeatable.
SOX=(sox -R -D)

# --- synthetic female voice ------------------------------------------------------------
VOICE=en-us+f4
RATE_WPM=160
TEXTS=(
  "Yes, and his wife was even less inclined to help them at all."
  "Fanny talked him out of every promise, one step at a time."
  "So the sisters were left with very little money."
)
rows=()
for i in 1 2 3; do
  text=${TEXTS[$((i - 1))]}
  espeak-ng -v "$VOICE" -s "$RATE_WPM" -w "$TMP/espeak-$i.wav" "$text"
  # eSpeak NG writes 22050 Hz mono 16-bit.
  "${SOX[@]}" "$TMP/espeak-$i.wav" -r 16000 -c 1 -b 16 -e signed-integer "$OUT/espeak-f4-$i.wav" rate -v
  rows+=("espeak-f4-$i.wav|$text")
done

# --- a man's recordings from pocketsphinx's test data ------------------------------------
# Headerless 16 kHz mono 16-bit little-endian; only a WAV header is added.
for name in goforward numbers something; do
  "${SOX[@]}" -t raw -r 16000 -c 1 -b 16 -e signed-integer --endian little "$DATA/$name.raw" \
    "$OUT/pocketsphinx-$name.wav"
  "${SOX[@]}" "$OUT/pocketsphinx-$name.wav" -t raw "$TMP/$name.check"
  cmp -s "$TMP/$name.check" "$DATA/$name.raw" || die "pocketsphinx-$name.wav does not hold $name.raw's samples"
done
# What Earshot's Sphinx4 engine hears in them.
rows+=("pocketsphinx-goforward.wav|go forward ten meters")
rows+=("pocketsphinx-numbers.wav|numbers (heard as \"thirty three four or six ninety two\")")
rows+=("pocketsphinx-something.wav|go somewhere and do something")

# --- README ------------------------------------------------------------------------------
samples() { soxi -s "$1"; }
seconds() { awk -v s="$(samples "$1")" 'BEGIN{printf "%.2f", s/16000}'; }
{
  cat <<EOF
# Speaker fixtures

Voices to put in turn with the LibriVox reader of \`../librivox/\` (a man reading
*Sense and Sensibility*), so that the diarization tests have conversations whose
speaker changes are known to the sample. Written by \`scripts/make-speaker-fixtures.sh\`.
All are 16 kHz, mono, 16-bit signed PCM WAV.

| File | Duration | Samples | Says | SHA-256 |
| --- | --- | --- | --- | --- |
EOF
  for row in "${rows[@]}"; do
    IFS='|' read -r file says <<<"$row"
    printf '| `%s` | %s s | %s | %s | `%s` |\n' "$file" "$(seconds "$OUT/$file")" "$(samples "$OUT/$file")" \
      "$says" "$(sha256sum "$OUT/$file" | cut -d' ' -f1)"
  done
  cat <<EOF

## How they were made

\`espeak-f4-*.wav\`: a synthetic female voice, eSpeak NG $(espeak-ng --version | awk '{print $4}')
(Debian espeak-ng $(pkg_version espeak-ng)), voice \`$VOICE\` at $RATE_WPM words a minute, then
\`sox -R -D IN.wav -r 16000 -c 1 -b 16 -e signed-integer OUT.wav rate -v\`
($(sox --version 2>&1 | sed 's/^sox: *//'), Debian sox $(pkg_version sox)). Its pitch is
around 180 Hz; the LibriVox reader's around 95 Hz.

\`pocketsphinx-*.wav\`: \`goforward.raw\`, \`numbers.raw\` and \`something.raw\` from Debian's
\`pocketsphinx-testdata\` package (version $(pkg_version pocketsphinx-testdata)), headerless
16 kHz 16-bit recordings, given a WAV header by sox; the samples are unchanged (the script
checks). The package does not name the speaker. The three have the same pitch range (median
107 to 118 Hz) and recording conditions, and the tests treat them as one man, different from
the LibriVox reader. For them "Says" is what Earshot's Sphinx4 engine hears.

## The conversations the tests build

\`Sphinx4DiarizeTest\` joins whole files, without gaps, in these orders; a speaker change is
where one file ends and the next begins (each file has its own short silences at its ends).

1. Man and synthetic woman: LibriVox 0870, \`espeak-f4-1\`, LibriVox 0890, \`espeak-f4-2\`,
   LibriVox 0930, \`espeak-f4-3\`.
2. Two men: LibriVox 0880, \`pocketsphinx-goforward\`, LibriVox 0930, \`pocketsphinx-numbers\`,
   LibriVox 0890, \`pocketsphinx-something\`.

## Licence

The texts spoken by the synthetic voice were written for Earshot and are under its licence
(Apache 2.0). eSpeak NG is licensed GPL-3.0-or-later; that covers the program, not the speech
it synthesizes.

The pocketsphinx recordings are distributed under the following licence, as given in the
package's copyright file:

\`\`\`
EOF
  # The "Files: *" stanza of the Debian copyright file, as plain text.
  awk '/^Files: \*/ { p = 1; next }
       p && /^$/ { exit }
       p && /^License:/ { body = 1; print; next }
       p && body { sub(/^ /, ""); if ($0 == ".") $0 = ""; sub(/ +$/, ""); print; next }
       p' "$COPYRIGHT"
  echo '```'
} >"$OUT/README.md"

echo "make-speaker-fixtures: wrote $OUT ($(du -cb "$OUT"/* | tail -1 | cut -f1) bytes):"
(cd "$OUT" && for f in *; do printf '  %8d  %s\n' "$(stat -c %s "$f")" "$f"; done)
