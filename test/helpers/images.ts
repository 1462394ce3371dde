// Reading back what the figure code wrote, independently of it: the mark elements of a Vega SVG (by mark class) and
// the pixels of a PNG (chunks, zlib, and the five row filters of the PNG spec, decoded here by hand).
import { inflateSync } from 'node:zlib';

/** One SVG element: its tag and attributes. */
export interface SvgElement {
  tag: string;
  attrs: Record<string, string>;
}

/**
 * The item elements inside every Vega mark container whose class list contains `markClass` (e.g. 'mark-rect
 * role-mark'), one array per container, in document order; the containers' background paths are left out.
 */
export function svgMarks(svg: string, markClass: string): SvgElement[][] {
  const containers: SvgElement[][] = [];
  const open = new RegExp(`<g class="${markClass}[^"]*"[^>]*>`, 'g');
  for (let m = open.exec(svg); m !== null; m = open.exec(svg)) {
    const end = svg.indexOf('</g>', m.index);
    const body = svg.slice(m.index + m[0].length, end);
    const items: SvgElement[] = [];
    for (const el of body.matchAll(/<(\w+)\b([^>]*?)\/?>/g)) {
      const attrs: Record<string, string> = {};
      for (const a of el[2].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
      if (attrs.class !== 'background') items.push({ tag: el[1], attrs });
    }
    containers.push(items);
  }
  return containers;
}

/** The translate(x,y) of an element's transform, (0, 0) when it has none. */
export function translation(el: SvgElement): [number, number] {
  const m = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(el.attrs.transform ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Decodes an 8-bit RGBA or RGB, non-interlaced PNG to RGBA pixels. */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const length = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || (colour !== 6 && colour !== 2) || interlace !== 0)
        throw new Error(`unsupported PNG: depth ${depth} colour ${colour}`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1))
    throw new Error(`PNG data has ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      px[y * stride + x] = (line[x] + pred) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: px };
  const rgba = new Uint8Array(width * height * 4);
  for (let k = 0; k < width * height; k++) rgba.set([px[3 * k], px[3 * k + 1], px[3 * k + 2], 255], 4 * k);
  return { width, height, rgba };
}

/** Whether every pixel within `frame` px of the image's edge is opaque white (nothing drawn runs off the image). */
export function hasWhiteFrame(img: { width: number; height: number; rgba: Uint8Array }, frame: number): boolean {
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (x >= frame && x < img.width - frame && y >= frame && y < img.height - frame) continue;
      const k = 4 * (y * img.width + x);
      if (img.rgba[k] !== 255 || img.rgba[k + 1] !== 255 || img.rgba[k + 2] !== 255 || img.rgba[k + 3] !== 255)
        return false;
    }
  }
  return true;
}
