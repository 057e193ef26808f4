#!/usr/bin/env bash
# Regenerates the audio test fixtures under src/test/resources/audio/:
#
#   librivox/  five LibriVox speech clips, copied unchanged from Debian's
#              pocketsphinx-testdata package, with their transcription
#   opus/      Ogg Opus files encoded by libopus (opusenc) from those clips, and
#              for each the libopus decode at 16 kHz (<name>.libopus16k.wav)
#   wav/       the first second of clip 0880 in a matrix of WAV and raw PCM formats
#
# Run it from the repository root:
#
#   scripts/make-audio-fixtures.sh
#
# It needs these Debian packages: opus-tools, sox, pocketsphinx-testdata, gcc,
# libopus-dev, libogg-dev. Every run rewrites the same files (and only those),
# and with the same package versions it writes the same bytes.
set -euo pipefail

LIBRIVOX=/usr/share/pocketsphinx/test/data/librivox
COPYRIGHT=/usr/share/doc/pocketsphinx-testdata/copyright
CLIP=sense_and_sensibility_01_austen_64kb
CLIPS=(0870 0880 0890 0920 0930)

OUT=src/test/resources/audio
LIB_OUT=$OUT/librivox
OPUS_OUT=$OUT/opus
WAV_OUT=$OUT/wav

die() { echo "make-audio-fixtures: $*" >&2; exit 1; }

[[ -f pom.xml && -d src/test ]] || die "run this from the repository root"

# --- tools ---------------------------------------------------------------------
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt-get install -y $2)"); }
need opusenc opus-tools
need opusdec opus-tools
need opusinfo opus-tools
need sox sox
need soxi sox
need cc gcc
need od coreutils
need cmp diffutils
need awk mawk
[[ -r $LIBRIVOX/fileids && -r $COPYRIGHT ]] ||
  missing+=("$LIBRIVOX (apt-get install -y pocketsphinx-testdata)")
if command -v cc >/dev/null 2>&1; then
  printf '#include <opus/opus.h>\n' | cc -E -x c - >/dev/null 2>&1 ||
    missing+=("opus/opus.h (apt-get install -y libopus-dev)")
  printf '#include <ogg/ogg.h>\n' | cc -E -x c - >/dev/null 2>&1 ||
    missing+=("ogg/ogg.h (apt-get install -y libogg-dev)")
fi
if ((${#missing[@]})); then
  printf 'make-audio-fixtures: missing %s\n' "${missing[@]}" >&2
  exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$LIB_OUT" "$OPUS_OUT" "$WAV_OUT"

src() { echo "$LIBRIVOX/$CLIP-$1.wav"; }

# sox: -R fixed random seed, -D no dither (plain rounding), so output is repeatable.
SOX=(sox -R -D)

# --- libopus decoder at a chosen rate ---------------------------------------------
# opusdec always decodes at 48 kHz and resamples to --rate with its own resampler,
# so its 16 kHz output is not what a decoder running at 16 kHz produces. This
# small libopus program decodes at the requested rate itself, keeps libopus'
# 16-bit output (no dither), drops the pre-skip and trims the end to the last
# granule position, and prints the stream's facts as key=value lines.
cat >"$TMP/opus-decode.c" <<'EOF'
#include <ogg/ogg.h>
#include <opus/opus.h>
#include <opus/opus_multistream.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put16(FILE *f, unsigned v) { fputc(v & 255, f); fputc((v >> 8) & 255, f); }
static void put32(FILE *f, unsigned long v) { put16(f, v & 0xffff); put16(f, (v >> 16) & 0xffff); }

static const char *MODE[32] = {
  "SILK-NB", "SILK-NB", "SILK-NB", "SILK-NB", "SILK-MB", "SILK-MB", "SILK-MB", "SILK-MB",
  "SILK-WB", "SILK-WB", "SILK-WB", "SILK-WB", "Hybrid-SWB", "Hybrid-SWB", "Hybrid-FB", "Hybrid-FB",
  "CELT-NB", "CELT-NB", "CELT-NB", "CELT-NB", "CELT-WB", "CELT-WB", "CELT-WB", "CELT-WB",
  "CELT-SWB", "CELT-SWB", "CELT-SWB", "CELT-SWB", "CELT-FB", "CELT-FB", "CELT-FB", "CELT-FB"};
static const char *FRAME[32] = {
  "10", "20", "40", "60", "10", "20", "40", "60", "10", "20", "40", "60", "10", "20", "10", "20",
  "2.5", "5", "10", "20", "2.5", "5", "10", "20", "2.5", "5", "10", "20", "2.5", "5", "10", "20"};

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s IN.opus OUT.wav RATE\n", argv[0]); return 2; }
  FILE *in = fopen(argv[1], "rb");
  if (!in) { perror(argv[1]); return 1; }
  opus_int32 rate = atoi(argv[3]);
  ogg_sync_state oy; ogg_stream_state os; ogg_page og; ogg_packet op;
  ogg_sync_init(&oy);
  int stream_init = 0, npackets = 0, pages = 0, eos = 0, channels = 0, preskip = 0;
  ogg_int64_t last_granule = -1;
  OpusMSDecoder *dec = NULL;
  size_t cap = 1 << 20, len = 0;
  opus_int16 *pcm = malloc(cap * sizeof *pcm);
  static opus_int16 frame[5760 * 255];
  static long hist[32][64];
  long audio_packets = 0, audio_bytes = 0;
  char granules[8192] = "";
  for (;;) {
    char *buf = ogg_sync_buffer(&oy, 4096);
    size_t n = fread(buf, 1, 4096, in);
    ogg_sync_wrote(&oy, (long)n);
    while (ogg_sync_pageout(&oy, &og) == 1) {
      if (!stream_init) { ogg_stream_init(&os, ogg_page_serialno(&og)); stream_init = 1; }
      if (ogg_page_serialno(&og) != os.serialno) continue;
      ogg_stream_pagein(&os, &og);
      pages++;
      if (strlen(granules) < sizeof granules - 32)
        sprintf(granules + strlen(granules), "%s%lld", pages > 1 ? " " : "", (long long)ogg_page_granulepos(&og));
      if (ogg_page_granulepos(&og) >= 0) last_granule = ogg_page_granulepos(&og);
      if (ogg_page_eos(&og)) eos = 1;
      while (ogg_stream_packetout(&os, &op) == 1) {
        if (npackets == 0) {
          if (op.bytes < 19 || memcmp(op.packet, "OpusHead", 8)) { fprintf(stderr, "not Ogg Opus\n"); return 1; }
          const unsigned char *h = op.packet;
          channels = h[9];
          preskip = h[10] | h[11] << 8;
          opus_int32 input_rate = h[12] | h[13] << 8 | h[14] << 16 | (opus_int32)h[15] << 24;
          int gain = (short)(h[16] | h[17] << 8);
          int family = h[18], streams = 1, coupled = channels > 1;
          unsigned char map[255] = {0, 1};
          if (family != 0) { streams = h[19]; coupled = h[20]; memcpy(map, h + 21, channels); }
          int err;
          dec = opus_multistream_decoder_create(rate, channels, streams, coupled, map, &err);
          if (err != OPUS_OK) { fprintf(stderr, "decoder: %s\n", opus_strerror(err)); return 1; }
          opus_multistream_decoder_ctl(dec, OPUS_SET_GAIN(gain));
          printf("channels=%d\ninput_rate=%d\npreskip=%d\noutput_gain=%d\nmapping_family=%d\n",
                 channels, input_rate, preskip, gain, family);
        } else if (npackets == 1) {
          if (op.bytes < 8 || memcmp(op.packet, "OpusTags", 8)) { fprintf(stderr, "no OpusTags\n"); return 1; }
        } else {
          int toc = op.packet[0] >> 3, frames = opus_packet_get_nb_frames(op.packet, op.bytes);
          if (frames > 0 && frames < 64) hist[toc][frames]++;
          audio_packets++;
          audio_bytes += op.bytes;
          int got = opus_multistream_decode(dec, op.packet, op.bytes, frame, 5760 * rate / 48000, 0);
          if (got < 0) { fprintf(stderr, "decode: %s\n", opus_strerror(got)); return 1; }
          while (len + (size_t)got * channels > cap) { cap *= 2; pcm = realloc(pcm, cap * sizeof *pcm); }
          memcpy(pcm + len, frame, (size_t)got * channels * sizeof *pcm);
          len += (size_t)got * channels;
        }
        npackets++;
      }
    }
    if (n == 0) break;
  }
  fclose(in);
  if (!dec) { fprintf(stderr, "no Opus stream\n"); return 1; }
  long decoded = (long)(len / channels);
  long skip = (long)preskip * rate / 48000;
  long total = last_granule >= preskip ? (long)((last_granule - preskip) * rate / 48000) : decoded - skip;
  if (skip + total > decoded) total = decoded - skip;
  printf("pages=%d\npage_granules=%s\neos=%s\nlast_granule=%lld\naudio_packets=%ld\naudio_bytes=%ld\n",
         pages, granules, eos ? "yes" : "no", (long long)last_granule, audio_packets, audio_bytes);
  printf("packet_types=");
  const char *sep = "";
  for (int c = 0; c < 32; c++)
    for (int f = 1; f < 64; f++)
      if (hist[c][f]) {
        printf("%s%s %s ms x%d: %ld", sep, MODE[c], FRAME[c], f, hist[c][f]);
        sep = ", ";
      }
  printf("\noutput_rate=%d\nskipped=%ld\nsamples=%ld\n", rate, skip, total);
  FILE *out = fopen(argv[2], "wb");
  if (!out) { perror(argv[2]); return 1; }
  unsigned long data = (unsigned long)total * channels * 2;
  fwrite("RIFF", 1, 4, out); put32(out, 36 + data); fwrite("WAVEfmt ", 1, 8, out);
  put32(out, 16); put16(out, 1); put16(out, channels); put32(out, rate);
  put32(out, (unsigned long)rate * channels * 2); put16(out, channels * 2); put16(out, 16);
  fwrite("data", 1, 4, out); put32(out, data);
  for (long i = skip * channels; i < (skip + total) * channels; i++) put16(out, (unsigned short)pcm[i]);
  if (fclose(out)) { perror(argv[2]); return 1; }
  return 0;
}
EOF
cc -O2 -o "$TMP/opus-decode" "$TMP/opus-decode.c" -lopus -logg
OPUS_DECODE=$TMP/opus-decode
LIBOPUS_VERSION=$(printf '#include <stdio.h>\n#include <opus/opus.h>\nint main(void){puts(opus_get_version_string());return 0;}\n' |
  cc -x c -o "$TMP/opus-version" - -lopus && "$TMP/opus-version")

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "unknown"; }

# The format tag of a WAV file's fmt chunk, and for WAVE_FORMAT_EXTENSIBLE its sub-format.
wav_format_tag() {
  local f=$1 off=12 len id size tag sub
  len=$(stat -c %s "$f")
  while ((off + 8 <= len)); do
    id=$(dd if="$f" bs=1 skip="$off" count=4 status=none)
    size=$(od -An -tu4 --endian=little -j $((off + 4)) -N4 "$f" | tr -d ' ')
    if [[ $id == "fmt " ]]; then
      tag=$(od -An -tu2 --endian=little -j $((off + 8)) -N2 "$f" | tr -d ' ')
      case $tag in
        1) echo "1 (PCM)" ;;
        3) echo "3 (IEEE float)" ;;
        65534)
          sub=$(od -An -tu2 --endian=little -j $((off + 32)) -N2 "$f" | tr -d ' ')
          case $sub in
            1) echo "0xFFFE (extensible, sub-format PCM)" ;;
            3) echo "0xFFFE (extensible, sub-format IEEE float)" ;;
            *) echo "0xFFFE (extensible, sub-format $sub)" ;;
          esac ;;
        *) echo "$tag" ;;
      esac
      return
    fi
    off=$((off + 8 + size + size % 2))
  done
  die "$f: no fmt chunk"
}

# "1 ch, 16000 Hz, 16-bit Signed Integer PCM, 16000 samples" as soxi reports it.
soxi_format() {
  local f=$1 c
  c=$(soxi -c "$f")
  printf '%s ch, %s Hz, %s-bit %s, %s samples' "$c" "$(soxi -r "$f")" "$(soxi -b "$f")" "$(soxi -e "$f")" "$(soxi -s "$f")"
}

# --- librivox/ -----------------------------------------------------------------------
for n in "${CLIPS[@]}"; do
  cp "$(src "$n")" "$LIB_OUT/$CLIP-$n.wav"
  cmp -s "$(src "$n")" "$LIB_OUT/$CLIP-$n.wav" || die "copy of clip $n differs"
done
cp "$LIBRIVOX/transcription" "$LIB_OUT/transcription"
cp "$LIBRIVOX/fileids" "$LIB_OUT/fileids"

{
  cat <<EOF
# LibriVox speech clips

The five WAV files here, \`transcription\` and \`fileids\` are copied unchanged from
Debian's \`pocketsphinx-testdata\` package (version $(pkg_version pocketsphinx-testdata)),
the test data of CMU Sphinx's pocketsphinx. \`scripts/make-audio-fixtures.sh\` copies them.

The recordings are short excerpts of a LibriVox public-domain reading of chapter 1 of
Jane Austen's *Sense and Sensibility*. Each is 16 kHz, mono, 16-bit signed PCM WAV.
\`transcription\` holds the reference text of each clip (lower case, no punctuation,
between \`<s>\` and \`</s>\`, followed by the clip's id); \`fileids\` lists the clip ids.

| File | Duration | Samples | SHA-256 |
| --- | --- | --- | --- |
EOF
  for n in "${CLIPS[@]}"; do
    f=$LIB_OUT/$CLIP-$n.wav
    printf '| %s | %s s | %s | `%s` |\n' "$CLIP-$n.wav" \
      "$(awk -v s="$(soxi -s "$f")" 'BEGIN{printf "%.2f", s/16000}')" "$(soxi -s "$f")" \
      "$(sha256sum "$f" | cut -d' ' -f1)"
  done
  cat <<'EOF'

## Licence

The recordings are in the public domain (LibriVox). The pocketsphinx test data, which
these files come from, is distributed under the following licence, as given in the
package's copyright file:

```
EOF
  # The "Files: *" stanza of the Debian copyright file, as plain text.
  awk '/^Files: \*/ { p = 1; next }
       p && /^$/ { exit }
       p && /^License:/ { body = 1; print; next }
       p && body { sub(/^ /, ""); if ($0 == ".") $0 = ""; sub(/ +$/, ""); print; next }
       p' "$COPYRIGHT"
  echo '```'
} >"$LIB_OUT/ATTRIBUTION.md"

# --- opus/ ----------------------------------------------------------------------------
# name | clip | sox effects making the encoder input ("-" = the LibriVox WAV itself) | opusenc options
OPUS_FIXTURES=(
  "0880-16k-mono-20ms|0880|-|--bitrate 32 --vbr --framesize 20"
  "0930-48k-stereo-60ms|0930|rate -v 48k remix 1 1p-3|--bitrate 64 --vbr --framesize 60"
  "0880-8k-mono-10ms|0880|rate -v 8k|--bitrate 16 --vbr --framesize 10 --set-ctl-int 4004=1101"
  "0930-24k-mono-2.5ms|0930|rate -v 24k|--bitrate 64 --vbr --framesize 2.5"
  "0880-16k-mono-40ms-cvbr|0880|-|--bitrate 24 --cvbr --framesize 40"
)
# Options every file gets: fixed stream serial number, the default complexity and
# padding stated explicitly, no input metadata copied.
opus_common() { echo "--serial $1 --comp 10 --padding 512 --discard-comments"; }

opus_rows=() decode_rows=()
serial=1
for spec in "${OPUS_FIXTURES[@]}"; do
  IFS='|' read -r name clip effects options <<<"$spec"
  input=$(src "$clip")
  if [[ $effects != - ]]; then
    input=$TMP/$name.source.wav
    # shellcheck disable=SC2086  # effects are words
    "${SOX[@]}" "$(src "$clip")" -b 16 -e signed-integer "$input" $effects
    made="\`sox -R -D $CLIP-$clip.wav -b 16 -e signed-integer SOURCE.wav $effects\`, then opusenc"
  else
    made="opusenc from \`librivox/$CLIP-$clip.wav\`"
  fi
  # shellcheck disable=SC2046,SC2086
  opusenc --quiet $(opus_common "$serial") $options "$input" "$OPUS_OUT/$name.opus"
  serial=$((serial + 1))

  "$OPUS_DECODE" "$OPUS_OUT/$name.opus" "$OPUS_OUT/$name.libopus16k.wav" 16000 >"$TMP/$name.info"
  declare -A info=()
  while IFS='=' read -r k v; do info[$k]=$v; done <"$TMP/$name.info"

  # Checks: opusdec decodes it, to as many samples; at 48 kHz (no resampling) its
  # output is sample-for-sample the same as libopus decoding at 48 kHz here.
  opusdec --quiet --no-dither --rate 16000 "$OPUS_OUT/$name.opus" "$TMP/$name.opusdec16k.wav"
  [[ $(soxi -s "$TMP/$name.opusdec16k.wav") == "${info[samples]}" ]] ||
    die "$name: opusdec and libopus at 16 kHz give different lengths"
  opusdec --quiet --no-dither --rate 48000 "$OPUS_OUT/$name.opus" "$TMP/$name.opusdec48k.wav"
  "$OPUS_DECODE" "$OPUS_OUT/$name.opus" "$TMP/$name.libopus48k.wav" 48000 >/dev/null
  cmp -s "$TMP/$name.opusdec48k.wav" "$TMP/$name.libopus48k.wav" ||
    die "$name: libopus at 48 kHz differs from opusdec at 48 kHz"
  opusinfo "$OPUS_OUT/$name.opus" >"$TMP/$name.opusinfo" 2>&1
  grep -q 'Playback length' "$TMP/$name.opusinfo" || die "$name: opusinfo: $(cat "$TMP/$name.opusinfo")"

  opus_rows+=("| \`$name.opus\` | $(stat -c %s "$OPUS_OUT/$name.opus") | ${info[channels]} ch, input rate ${info[input_rate]} Hz, pre-skip ${info[preskip]} | ${info[audio_packets]} packets: ${info[packet_types]} | ${info[pages]} pages, granule positions ${info[page_granules]}; EOS flag on the last: ${info[eos]} | \`$options\` | $made |")
  decode_rows+=("| \`$name.libopus16k.wav\` | $(wav_format_tag "$OPUS_OUT/$name.libopus16k.wav") | $(soxi_format "$OPUS_OUT/$name.libopus16k.wav") | pre-skip ${info[preskip]} at 48 kHz = ${info[skipped]} samples dropped |")
  unset info
done

# Browser recordings (scripts/record-firefox-fixture.mjs) are kept as recorded; only their libopus decode
# is made here, for the same comparison.
for rec in "$OPUS_OUT"/*-mediarecorder.opus; do
  [[ -f $rec ]] || continue
  name=$(basename "$rec" .opus)
  "$OPUS_DECODE" "$rec" "$OPUS_OUT/$name.libopus16k.wav" 16000 >"$TMP/$name.info"
  declare -A info=()
  while IFS='=' read -r k v; do info[$k]=$v; done <"$TMP/$name.info"
  decode_rows+=("| \`$name.libopus16k.wav\` | $(wav_format_tag "$OPUS_OUT/$name.libopus16k.wav") | $(soxi_format "$OPUS_OUT/$name.libopus16k.wav") | pre-skip ${info[preskip]} at 48 kHz = ${info[skipped]} samples dropped |")
  unset info
done

{
  cat <<EOF
# Ogg Opus fixtures

Written by \`scripts/make-audio-fixtures.sh\` from the LibriVox clips in \`../librivox/\`
(see \`../librivox/ATTRIBUTION.md\`). Clip 0880 says "he was not an ill disposed young man",
clip 0930 "he might even have been made amiable himself".

Encoder and tools:

\`\`\`
$(opusenc --version 2>&1)
$(opusdec --version 2>&1)
$(sox --version 2>&1 | sed 's/^sox: *//')
libopus used for the .libopus16k.wav decodes: $LIBOPUS_VERSION
Debian packages: opus-tools $(pkg_version opus-tools), libopus0 $(pkg_version libopus0), libopusenc0 $(pkg_version libopusenc0), sox $(pkg_version sox)
\`\`\`

Every file gets \`$(opus_common N)\` in addition to the options in the table
(N = 1 for the first file, 2 for the second, ...; it is the Ogg stream serial number).
opusenc (libopusenc) resamples any input to 48 kHz before encoding, so the "input rate"
in OpusHead is only the source's rate; the bandwidth the encoder chose is in the packet
column (TOC configuration, frame duration and frames per packet, with counts).

| File | Bytes | OpusHead | Packets | Ogg pages | opusenc options | Made |
| --- | --- | --- | --- | --- | --- | --- |
EOF
  printf '%s\n' "${opus_rows[@]}"
  cat <<'EOF'

The 48 kHz, 8 kHz and 24 kHz sources are not kept; `SOURCE.wav` is a temporary file.
`--set-ctl-int 4004=1101` is `OPUS_SET_MAX_BANDWIDTH(OPUS_BANDWIDTH_NARROWBAND)`: without
it libopus codes the 8 kHz source as SILK wideband.
Pages 1 and 2 hold OpusHead and OpusTags (granule position 0). The last page's granule
position ends the stream before the end of its last packet, so a decoder has to trim the
end; the 2.5 ms file's audio pages are full at 255 packets (the 255 lacing values an Ogg
page can hold).
`remix 1 1p-3` makes the right channel the left one attenuated by 3 dB. Compare decodes
with the 16 kHz LibriVox original (resampled as needed), not sample for sample.

## libopus decodes at 16 kHz

`<name>.libopus16k.wav` is `<name>.opus` decoded by libopus with the decoder created at
16 kHz (`opus_multistream_decoder_create(16000, ...)`), libopus' own 16-bit output with no
dither, the pre-skip dropped (pre-skip x 16000 / 48000 samples) and the end trimmed to the
last granule position, as RFC 7845 says. It is the reference for a decoder running at
16 kHz, such as Concentus created at 16 kHz. Expect close agreement rather than identical
samples: this libopus is a floating-point build, and Concentus is a port of another
libopus version.

These are not made with `opusdec --rate 16000 --no-dither`: opusdec always decodes at
48 kHz and resamples to the requested rate with its own (Speex) resampler, which gives a
different signal. The script checks that opusdec decodes every file to the same number of
samples, and that at 48 kHz, where opusdec does not resample, its output is sample for
sample the same as the libopus decode the script makes.

| File | fmt format tag | Format (soxi) | Pre-skip |
| --- | --- | --- | --- |
EOF
  printf '%s\n' "${decode_rows[@]}"
  cat <<'EOF'

## Browser MediaRecorder

Recordings of clip 0880 as browsers' MediaRecorder writes them: the page decodes the clip with
an AudioContext at 48 kHz, plays it into a MediaStreamAudioDestinationNode and records that
stream with a 250 ms timeslice, as a page recording a microphone does. They are kept as
recorded (the bytes differ from run to run), not made by this script; the script only adds
the libopus decode of the Ogg one above.

| File | Browser | Recorded by | What it holds |
| --- | --- | --- | --- |
| `0880-firefox-mediarecorder.opus` | Firefox ESR 140.12 (Debian `firefox-esr`, headless) | `scripts/record-firefox-fixture.mjs`, `audio/ogg;codecs=opus` | Ogg Opus: 2 ch, input rate 48000, pre-skip 312, 165 packets of one 20 ms CELT fullband frame (about 130 kbit/s), 15 pages, EOS flag on the last page, end granule 158392 |
| `0880-chromium-mediarecorder.webm` | Chromium (Debian `chromium`, headless) | `scripts/record-mediarecorder-fixture.mjs`, `audio/webm;codecs=opus` | WebM (Matroska): Segment and Clusters of unknown size, no Duration or Cues, OpusHead in CodecPrivate with 2 ch, input rate 48000, pre-skip 0; one SimpleBlock per 60 ms holding a code-3 packet of three 20 ms CELT fullband frames |

Chromium's MediaRecorder does not write Ogg: it answers `false` to
`MediaRecorder.isTypeSupported('audio/ogg;codecs=opus')` and `true` to
`'audio/webm;codecs=opus'` and `'audio/mp4;codecs=opus'`. Firefox writes Ogg Opus.
EOF
} >"$OPUS_OUT/README.md"

# --- wav/ --------------------------------------------------------------------------------
S0880=$(src 0880)
# name | sox output options | sox effects after "trim 0 1" | how the fixture is described
WAV_FIXTURES=(
  "0880-1s-16k-mono-s16.wav|-e signed-integer -b 16||reference: the first second of clip 0880, as it is"
  "0880-1s-16k-mono-u8.wav|-e unsigned-integer -b 8||8-bit unsigned"
  "0880-1s-8k-mono-s16.wav|-e signed-integer -b 16|rate -v 8k|16-bit, resampled to 8 kHz"
  "0880-1s-44k1-stereo-s16.wav|-e signed-integer -b 16|rate -v 44100 remix 1 1|16-bit stereo, resampled to 44.1 kHz"
  "0880-1s-48k-stereo-s24.wav|-e signed-integer -b 24|rate -v 48k remix 1 1|24-bit stereo, resampled to 48 kHz"
  "0880-1s-16k-mono-s24-wavpcm.wav|-t wavpcm -e signed-integer -b 24||24-bit, plain PCM header forced with -t wavpcm"
  "0880-1s-32k-mono-s32.wav|-e signed-integer -b 32|rate -v 32k|32-bit integer, resampled to 32 kHz"
  "0880-1s-22k05-mono-f32.wav|-e floating-point -b 32|rate -v 22050|32-bit float, resampled to 22.05 kHz"
  "0880-1s-24k-stereo-f32.wav|-e floating-point -b 32|rate -v 24k remix 1 1|32-bit float stereo, resampled to 24 kHz"
)
wav_rows=()
for spec in "${WAV_FIXTURES[@]}"; do
  IFS='|' read -r name fmt effects what <<<"$spec"
  # shellcheck disable=SC2086
  "${SOX[@]}" "$S0880" $fmt "$WAV_OUT/$name" trim 0 1 $effects
  wav_rows+=("| \`$name\` | $(wav_format_tag "$WAV_OUT/$name") | $(soxi_format "$WAV_OUT/$name") | $what: \`sox -R -D $CLIP-0880.wav $fmt $name trim 0 1${effects:+ $effects}\` |")
done
"${SOX[@]}" "$S0880" -t raw -e signed-integer -b 16 --endian big "$WAV_OUT/0880-1s-16k-mono.l16" trim 0 1
"${SOX[@]}" "$S0880" -t raw -e signed-integer -b 16 --endian little "$WAV_OUT/0880-1s-44k1-stereo.s16le" \
  trim 0 1 rate -v 44100 remix 1 1

# Checks: the raw files hold the same samples as their WAV counterparts.
"${SOX[@]}" "$WAV_OUT/0880-1s-16k-mono-s16.wav" -t raw -e signed-integer -b 16 --endian big "$TMP/ref.l16"
cmp -s "$TMP/ref.l16" "$WAV_OUT/0880-1s-16k-mono.l16" || die "L16 file differs from the 16 kHz reference"
"${SOX[@]}" "$WAV_OUT/0880-1s-44k1-stereo-s16.wav" -t raw "$TMP/ref.s16le"
cmp -s "$TMP/ref.s16le" "$WAV_OUT/0880-1s-44k1-stereo.s16le" || die "s16le file differs from the 44.1 kHz WAV"
for tag in "1 (PCM)" "3 (IEEE float)" "0xFFFE (extensible"; do
  printf '%s\n' "${wav_rows[@]}" | grep -qF "| $tag" || die "no WAV with format tag $tag"
done

{
  cat <<EOF
# WAV and raw PCM fixtures

Written by \`scripts/make-audio-fixtures.sh\` with $(sox --version 2>&1 | sed 's/^sox: *//')
(Debian sox $(pkg_version sox)) from the first second of
\`../librivox/$CLIP-0880.wav\` (16 kHz mono 16-bit; see \`../librivox/ATTRIBUTION.md\`).
All hold the same speech: "he was not an ill disposed young man" cut after one second.

sox runs with \`-R\` (fixed random seed) and \`-D\` (no dither: samples are rounded), and
resamples with \`rate -v\` (very high quality). Stereo files have the same signal in both
channels (\`remix 1 1\`). The 16 kHz files relate to the reference exactly: the u8 file is
the reference rounded to 8 bits, the 24-bit file is the reference times 256.

| File | fmt format tag | Format (soxi) | Made |
| --- | --- | --- | --- |
EOF
  printf '%s\n' "${wav_rows[@]}"
  cat <<EOF

sox writes WAVE_FORMAT_EXTENSIBLE (0xFFFE) for integer samples wider than 16 bits and
WAVE_FORMAT_IEEE_FLOAT (3, with a fact chunk) for float; \`-t wavpcm\` forces format 1.

Raw PCM, no header:

| File | Format | Made |
| --- | --- | --- |
| \`0880-1s-16k-mono.l16\` | L16 (RFC 3551): 16-bit signed big-endian, 1 ch, 16000 Hz, $(($(stat -c %s "$WAV_OUT/0880-1s-16k-mono.l16") / 2)) samples | the samples of \`0880-1s-16k-mono-s16.wav\`, big-endian: \`sox -R -D $CLIP-0880.wav -t raw -e signed-integer -b 16 --endian big 0880-1s-16k-mono.l16 trim 0 1\` |
| \`0880-1s-44k1-stereo.s16le\` | 16-bit signed little-endian, 2 ch interleaved, 44100 Hz, $(($(stat -c %s "$WAV_OUT/0880-1s-44k1-stereo.s16le") / 4)) frames | the data chunk of \`0880-1s-44k1-stereo-s16.wav\`: \`sox -R -D $CLIP-0880.wav -t raw -e signed-integer -b 16 --endian little 0880-1s-44k1-stereo.s16le trim 0 1 rate -v 44100 remix 1 1\` |
EOF
} >"$WAV_OUT/README.md"

echo "make-audio-fixtures: wrote $OUT ($(du -sb "$OUT" | cut -f1) bytes):"
(cd "$OUT" && find . -type f | sort | while read -r f; do printf '  %8d  %s\n' "$(stat -c %s "$f")" "${f#./}"; done)
