// The one font every figure names, measures its text with and is rasterised with: DejaVu Sans, as the TrueType files
// of the npm package dejavu-fonts-ttf. Vega lays text out from these widths (instead of its rough 0.8 em per
// character guess), resvg draws the PNG with the same files, the report embeds them, and a browser shows a standalone
// SVG the same way where DejaVu Sans is installed (Debian's fontconfig installs it by default); elsewhere a sans-serif
// of similar width stands in.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The CSS font-family every figure uses. */
export const FONT_FAMILY = 'DejaVu Sans, Verdana, sans-serif';

const require = createRequire(import.meta.url);
const FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

let buffers: { regular: Uint8Array; bold: Uint8Array } | undefined;

/** The regular and bold TrueType files (read once). */
export function fontBuffers(): { regular: Uint8Array; bold: Uint8Array } {
  buffers ??= {
    regular: readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FILES.regular}`)),
    bold: readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FILES.bold}`)),
  };
  return buffers;
}

type ParsedFont = import('opentype.js').Font;
let parsed: { regular: ParsedFont; bold: ParsedFont } | undefined;

/** A text measurer: the advance width in px of `text` set at `fontSize` px, with kerning, as resvg draws it. */
export type TextWidth = (text: string, fontSize: number, bold: boolean) => number;

/** Parses the fonts (opentype.js, loaded on first use) and returns a measurer. */
export async function textWidth(): Promise<TextWidth> {
  if (parsed === undefined) {
    const opentype = (await import('opentype.js')).default;
    const { regular, bold } = fontBuffers();
    const parse = (b: Uint8Array): ParsedFont => opentype.parse(b.slice().buffer as ArrayBuffer);
    parsed = { regular: parse(regular), bold: parse(bold) };
  }
  const fonts = parsed;
  return (text, fontSize, bold) => advance(bold ? fonts.bold : fonts.regular, text, fontSize);
}

// Sums advance widths and pair kerning glyph by glyph: Latin figure text needs no shaping, and opentype.js' own
// shaper stops at GSUB lookups that DejaVu uses.
function advance(font: ParsedFont, text: string, fontSize: number): number {
  let units = 0;
  let prev: import('opentype.js').Glyph | undefined;
  for (const ch of text) {
    const glyph = font.charToGlyph(ch);
    units += glyph.advanceWidth ?? 0;
    if (prev !== undefined) units += font.getKerningValue(prev, glyph);
    prev = glyph;
  }
  return (units * fontSize) / font.unitsPerEm;
}
