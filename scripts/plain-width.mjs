// Bundled in place of the `string-width` package (yargs' help layout, through cliui and
// wrap-ansi). string-width builds an Intl.Segmenter and Unicode-property regular expressions
// when it loads, which cost a single render ~15 ms (bench/profile.ts) for help text that is
// all ASCII. Here a string's width is its number of code points once ANSI escapes are
// removed: exact for netgen's help and messages, and near enough for a user's own text.
import stripAnsi from 'strip-ansi';

export default function plainWidth(text, options = {}) {
  if (typeof text !== 'string' || text.length === 0) return 0;
  const visible = options.countAnsiEscapeCodes ? text : stripAnsi(text);
  let width = 0;
  for (let i = 0; i < visible.length; i++) {
    const c = visible.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++; // one code point in two UTF-16 units
    if (c >= 0x20 && c !== 0x7f) width++;
  }
  return width;
}
