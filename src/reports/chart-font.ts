/**
 * A subset of a CJK font holding only the characters a chart draws. resvg (through fontdb)
 * reads its font file again for every run of text it shapes: with Noto Sans CJK (a 16 MB
 * face inside a 19 MB collection) those reads made the first chart of a process cost ~500 ms.
 * A subset is under 1 MB, so every run is cheap.
 *
 * Supported: CID-keyed CFF faces (how Noto Sans/Serif CJK and Source Han ship), alone or in
 * a collection. Anything else gives null and the caller uses the whole face. Glyph ids stay
 * as they are, so hmtx, GSUB, GPOS and the charset are copied unchanged and shaping
 * (kerning, the substitutions) is the same as with the whole face; only the outlines of
 * glyphs the text cannot reach are emptied (subroutines inlined, hints kept), and the
 * vertical tables are left out. The file is read in blocks, on demand, and what a face
 * needs is kept for the process, so later subsets read (almost) nothing.
 */
import { closeSync, openSync, readSync } from "node:fs";

const BLOCK = 64 * 1024;
const KEPT_BLOCKS = 96; // ~6 MB at most; a chart's subset touches far fewer

/** A font file read in 64 KB blocks on demand, keeping the blocks read. */
class BlockFile {
  private readonly blocks = new Map<number, Buffer>();
  constructor(readonly path: string) {}

  bytes(offset: number, length: number): Buffer {
    if (length <= 0) return Buffer.alloc(0);
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((offset + length - 1) / BLOCK);
    if (first === last) {
      const b = this.block(first);
      return b.subarray(offset - first * BLOCK, offset - first * BLOCK + length);
    }
    const out = Buffer.alloc(length);
    for (let k = first; k <= last; k++) {
      const b = this.block(k);
      const from = Math.max(offset, k * BLOCK);
      const to = Math.min(offset + length, (k + 1) * BLOCK);
      b.copy(out, from - offset, from - k * BLOCK, to - k * BLOCK);
    }
    return out;
  }

  private block(k: number): Buffer {
    const known = this.blocks.get(k);
    if (known) return known;
    if (this.blocks.size >= KEPT_BLOCKS) this.blocks.clear();
    const buf = Buffer.alloc(BLOCK);
    const fd = openSync(this.path, "r");
    let n: number;
    try {
      n = readSync(fd, buf, 0, BLOCK, k * BLOCK);
    } finally {
      closeSync(fd);
    }
    const b = buf.subarray(0, n);
    this.blocks.set(k, b);
    return b;
  }
}

/** Thrown inside the subsetter for a font shape it does not handle; becomes a null result. */
class Unsupported extends Error {}

const need = (ok: unknown, what: string): void => {
  if (!ok) throw new Unsupported(what);
};

interface Table {
  offset: number;
  length: number;
}

/** The tables of the face whose family (name id 1) is `family`, in a .ttc or a single font. */
function findFace(file: BlockFile, family: string): Map<string, Table> | null {
  const head = file.bytes(0, 12);
  const faces: number[] = [];
  if (head.toString("latin1", 0, 4) === "ttcf") {
    const count = head.readUInt32BE(8);
    const offs = file.bytes(12, 4 * count);
    for (let f = 0; f < count; f++) faces.push(offs.readUInt32BE(4 * f));
  } else faces.push(0);
  for (const at of faces) {
    const n = file.bytes(at + 4, 2).readUInt16BE(0);
    const dir = file.bytes(at + 12, 16 * n);
    const tables = new Map<string, Table>();
    for (let i = 0; i < n; i++) {
      tables.set(dir.toString("latin1", 16 * i, 16 * i + 4), {
        offset: dir.readUInt32BE(16 * i + 8),
        length: dir.readUInt32BE(16 * i + 12),
      });
    }
    const name = tables.get("name");
    if (name && familyNames(file.bytes(name.offset, name.length)).includes(family)) return tables;
  }
  return null;
}

/** The Windows-platform family names (name id 1) in a `name` table. */
export function familyNames(table: Buffer): string[] {
  const count = table.readUInt16BE(2);
  const strings = table.readUInt16BE(4);
  const out: string[] = [];
  for (let j = 0; j < count; j++) {
    const rec = 6 + 12 * j;
    if (table.readUInt16BE(rec) !== 3 || table.readUInt16BE(rec + 6) !== 1) continue;
    const start = strings + table.readUInt16BE(rec + 10);
    const raw = Buffer.from(table.subarray(start, start + table.readUInt16BE(rec + 8)));
    out.push(raw.swap16().toString("utf16le"));
  }
  return out;
}

/** Looks a code point up in the face's Unicode cmap (format 12, else format 4); 0 = missing. */
function cmapLookup(file: BlockFile, cmap: Table): (cp: number) => number {
  const head = file.bytes(cmap.offset, 4);
  const n = head.readUInt16BE(2);
  const recs = file.bytes(cmap.offset + 4, 8 * n);
  const subtables = Array.from({ length: n }, (_, i) => ({
    platform: recs.readUInt16BE(8 * i),
    encoding: recs.readUInt16BE(8 * i + 2),
    at: cmap.offset + recs.readUInt32BE(8 * i + 4),
  })).map((s) => ({ ...s, format: file.bytes(s.at, 2).readUInt16BE(0) }));
  const unicode = (s: { platform: number; encoding: number }) =>
    s.platform === 0 || (s.platform === 3 && (s.encoding === 1 || s.encoding === 10));
  const f12 = subtables.find((s) => unicode(s) && s.format === 12);
  if (f12) {
    const groups = file.bytes(f12.at + 12, 4).readUInt32BE(0);
    const data = file.bytes(f12.at + 16, 12 * groups);
    return (cp) => {
      let lo = 0;
      let hi = groups - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const start = data.readUInt32BE(12 * mid);
        if (cp < start) hi = mid - 1;
        else if (cp > data.readUInt32BE(12 * mid + 4)) lo = mid + 1;
        else return data.readUInt32BE(12 * mid + 8) + cp - start;
      }
      return 0;
    };
  }
  const f4 = subtables.find((s) => unicode(s) && s.format === 4);
  need(f4, "a Unicode cmap of format 12 or 4");
  const at = (f4 as { at: number }).at;
  const t = file.bytes(at, file.bytes(at + 2, 2).readUInt16BE(0));
  const segs = t.readUInt16BE(6) / 2;
  const ends = 14;
  const starts = ends + 2 * segs + 2;
  const deltas = starts + 2 * segs;
  const ranges = deltas + 2 * segs;
  return (cp) => {
    if (cp > 0xffff) return 0;
    for (let i = 0; i < segs; i++) {
      if (cp > t.readUInt16BE(ends + 2 * i)) continue;
      const start = t.readUInt16BE(starts + 2 * i);
      if (cp < start) return 0;
      const delta = t.readUInt16BE(deltas + 2 * i);
      const range = t.readUInt16BE(ranges + 2 * i);
      if (range === 0) return (cp + delta) & 0xffff;
      const g = t.readUInt16BE(ranges + 2 * i + range + 2 * (cp - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
}

// ---- CFF ------------------------------------------------------------------------------

/** A CFF INDEX: item i is bytes [item(i)]; `end` is the first byte after it. */
interface CffIndex {
  count: number;
  item(i: number): Buffer;
  end: number;
}

function readIndex(file: BlockFile, at: number): CffIndex {
  const count = file.bytes(at, 2).readUInt16BE(0);
  if (count === 0) return { count, item: () => Buffer.alloc(0), end: at + 2 };
  const offSize = file.bytes(at + 2, 1)[0] as number;
  const offAt = (i: number) => file.bytes(at + 3 + i * offSize, offSize).readUIntBE(0, offSize);
  const base = at + 3 + (count + 1) * offSize - 1;
  return {
    count,
    item: (i) => {
      const start = offAt(i);
      return file.bytes(base + start, offAt(i + 1) - start);
    },
    end: base + offAt(count),
  };
}

/** One DICT entry: its operator (12 x as 1200 + x), raw operand bytes and integer values. */
interface DictEntry {
  op: number;
  raw: Buffer;
  values: number[];
}

function readDict(buf: Buffer): DictEntry[] {
  const out: DictEntry[] = [];
  let start = 0;
  let values: number[] = [];
  let p = 0;
  while (p < buf.length) {
    const b0 = buf[p] as number;
    if (b0 <= 21) {
      const op = b0 === 12 ? 1200 + (buf[p + 1] as number) : b0;
      out.push({ op, raw: buf.subarray(start, p), values });
      p += b0 === 12 ? 2 : 1;
      start = p;
      values = [];
    } else if (b0 === 28) {
      values.push(buf.readInt16BE(p + 1));
      p += 3;
    } else if (b0 === 29) {
      values.push(buf.readInt32BE(p + 1));
      p += 5;
    } else if (b0 === 30) {
      p++;
      while (p < buf.length) {
        const nib = buf[p++] as number;
        if ((nib & 0x0f) === 0x0f || nib >> 4 === 0x0f) break;
      }
      values.push(Number.NaN); // a real; only integers are ever read back
    } else if (b0 >= 32 && b0 <= 246) {
      values.push(b0 - 139);
      p++;
    } else if (b0 >= 247 && b0 <= 250) {
      values.push((b0 - 247) * 256 + (buf[p + 1] as number) + 108);
      p += 2;
    } else if (b0 >= 251 && b0 <= 254) {
      values.push(-(b0 - 251) * 256 - (buf[p + 1] as number) - 108);
      p += 2;
    } else throw new Unsupported(`DICT byte ${b0}`);
  }
  return out;
}

const int5 = (v: number) => {
  const b = Buffer.alloc(5);
  b[0] = 29;
  b.writeInt32BE(v, 1);
  return b;
};
const opBytes = (op: number) => (op >= 1200 ? Buffer.from([12, op - 1200]) : Buffer.from([op]));

/** A DICT again, with the operands of `replace`'s operators given anew (as 5-byte ints). */
function writeDict(entries: DictEntry[], replace: Map<number, number[]>, drop: number[] = []) {
  return Buffer.concat(
    entries
      .filter((e) => !drop.includes(e.op))
      .flatMap((e) => {
        const vals = replace.get(e.op);
        return [vals ? Buffer.concat(vals.map(int5)) : e.raw, opBytes(e.op)];
      }),
  );
}

function writeIndex(items: Buffer[]): Buffer {
  if (items.length === 0) return Buffer.from([0, 0]);
  const last = 1 + items.reduce((n, it) => n + it.length, 0);
  const size = last < 0x100 ? 1 : last < 0x10000 ? 2 : last < 0x1000000 ? 3 : 4;
  const head = Buffer.alloc(3 + size * (items.length + 1));
  head.writeUInt16BE(items.length, 0);
  head[2] = size;
  let off = 1;
  items.forEach((it, i) => {
    head.writeUIntBE(off, 3 + size * i, size);
    off += it.length;
  });
  head.writeUIntBE(off, 3 + size * items.length, size);
  return Buffer.concat([head, ...items]);
}

const subrBias = (count: number) => (count < 1240 ? 107 : count < 33900 ? 1131 : 32768);

/**
 * A Type 2 charstring with every subroutine call replaced by the subroutine's body, so the
 * subset needs no subroutines. Hint masks are copied, which needs the count of stem hints.
 */
function flatten(cs: Buffer, gsubrs: CffIndex, lsubrs: CffIndex | null): Buffer {
  const out: number[] = [];
  let stems = 0;
  let args = 0;
  let lastNumber = -1; // where in `out` the last operand started, while it is the last token
  let done = false;
  let depth = 0;
  const run = (buf: Buffer): void => {
    need(++depth <= 10, "subroutines nested at most 10 deep");
    let p = 0;
    while (p < buf.length && !done) {
      const b0 = buf[p] as number;
      if (b0 === 28 || b0 >= 32) {
        const len = b0 === 28 ? 3 : b0 <= 246 ? 1 : b0 <= 254 ? 2 : 5;
        lastNumber = out.length;
        for (let i = 0; i < len; i++) out.push(buf[p + i] as number);
        p += len;
        args++;
        continue;
      }
      if (b0 === 10 || b0 === 29) {
        const subrs = b0 === 29 ? gsubrs : lsubrs;
        need(subrs && lastNumber >= 0, "a subroutine number before each call");
        const n = Buffer.from(out.splice(lastNumber));
        const v =
          n[0] === 28
            ? n.readInt16BE(1)
            : (n[0] as number) <= 246
              ? (n[0] as number) - 139
              : (n[0] as number) <= 250
                ? ((n[0] as number) - 247) * 256 + (n[1] as number) + 108
                : -((n[0] as number) - 251) * 256 - (n[1] as number) - 108;
        args--;
        lastNumber = -1;
        const s = subrs as CffIndex;
        const i = v + subrBias(s.count);
        need(i >= 0 && i < s.count, "a subroutine that exists");
        run(s.item(i));
        p++;
        continue;
      }
      lastNumber = -1;
      if (b0 === 11) break; // return
      out.push(b0);
      p++;
      if (b0 === 14)
        done = true; // endchar
      else if (b0 === 1 || b0 === 3 || b0 === 18 || b0 === 23) stems += args >> 1;
      else if (b0 === 19 || b0 === 20) {
        stems += args >> 1; // operands before a mask are an implicit vstem
        const bytes = (stems + 7) >> 3;
        for (let i = 0; i < bytes; i++) out.push(buf[p + i] as number);
        p += bytes;
      } else if (b0 === 12) out.push(buf[p++] as number);
      args = 0;
    }
    depth--;
  };
  run(cs);
  return Buffer.from(out);
}

/** What a CFF subset needs from the source CFF table, read once per face. */
interface CffSource {
  numGlyphs: number;
  charStrings: CffIndex;
  gsubrs: CffIndex;
  fdOf(g: number): number;
  fds: { dict: DictEntry[]; lsubrs: CffIndex | null }[];
  /** every part before the CharStrings, and the Private DICTs, as they will be written */
  header: Buffer;
  names: Buffer;
  top: DictEntry[];
  strings: Buffer;
  charset: Buffer;
  fdSelect: Buffer;
  privates: Buffer[];
}

function readCff(file: BlockFile, cff: Table): CffSource {
  const at = cff.offset;
  const hdrSize = file.bytes(at + 2, 1)[0] as number;
  const names = readIndex(file, at + hdrSize);
  const tops = readIndex(file, names.end);
  const strings = readIndex(file, tops.end);
  const gsubrs = readIndex(file, strings.end);
  need(tops.count === 1, "one font in the CFF table");
  const top = readDict(tops.item(0));
  const val = (op: number) => top.find((e) => e.op === op)?.values[0];
  need(
    top.some((e) => e.op === 1230),
    "a CID-keyed CFF font",
  ); // ROS
  const charsetAt = val(15);
  const charStringsAt = val(17);
  const fdArrayAt = val(1236);
  const fdSelectAt = val(1237);
  need(
    charsetAt !== undefined && charsetAt > 2 && charStringsAt && fdArrayAt && fdSelectAt,
    "charset, CharStrings, FDArray and FDSelect",
  );
  const charStrings = readIndex(file, at + (charStringsAt as number));
  const numGlyphs = charStrings.count;

  // The charset and FDSelect are copied as they are; their lengths depend on their format.
  const charset = (() => {
    const p = at + (charsetAt as number);
    const format = file.bytes(p, 1)[0];
    if (format === 0) return file.bytes(p, 1 + 2 * (numGlyphs - 1));
    need(format === 1 || format === 2, "charset format 0, 1 or 2");
    const step = format === 1 ? 3 : 4;
    let covered = 1;
    let len = 1;
    while (covered < numGlyphs) {
      const r = file.bytes(p + len, step);
      covered += 1 + (format === 1 ? (r[2] as number) : r.readUInt16BE(2));
      len += step;
    }
    return file.bytes(p, len);
  })();
  const p = at + (fdSelectAt as number);
  const fdFormat = file.bytes(p, 1)[0];
  need(fdFormat === 0 || fdFormat === 3, "FDSelect format 0 or 3");
  const fdSelect = Buffer.from(
    fdFormat === 0
      ? file.bytes(p, 1 + numGlyphs)
      : file.bytes(p, 5 + 3 * file.bytes(p + 1, 2).readUInt16BE(0)),
  );
  const fdOf = (g: number) => {
    if (fdFormat === 0) return fdSelect[1 + g] as number;
    let fd = 0;
    const n = fdSelect.readUInt16BE(1);
    for (let i = 0; i < n && fdSelect.readUInt16BE(3 + 3 * i) <= g; i++) {
      fd = fdSelect[5 + 3 * i] as number;
    }
    return fd;
  };

  // Font DICTs, their Private DICTs (written without Subrs) and local subroutines.
  const fdArray = readIndex(file, at + (fdArrayAt as number));
  const privates: Buffer[] = [];
  const fds = Array.from({ length: fdArray.count }, (_, i) => {
    const dict = readDict(Buffer.from(fdArray.item(i)));
    const priv = dict.find((e) => e.op === 18)?.values;
    need(priv && priv.length === 2, "a Private DICT in every font DICT");
    const [size, offset] = priv as [number, number];
    const pdict = readDict(Buffer.from(file.bytes(at + offset, size)));
    privates.push(writeDict(pdict, new Map(), [19]));
    const subrsAt = pdict.find((e) => e.op === 19)?.values[0];
    const lsubrs = subrsAt === undefined ? null : readIndex(file, at + offset + subrsAt);
    return { dict, lsubrs };
  });
  const copy = (ix: CffIndex) =>
    writeIndex(Array.from({ length: ix.count }, (_, i) => Buffer.from(ix.item(i))));
  return {
    numGlyphs,
    charStrings,
    gsubrs,
    fdOf,
    fds,
    header: Buffer.from([1, 0, 4, 4]),
    names: copy(names),
    top,
    strings: copy(strings),
    charset: Buffer.from(charset),
    fdSelect,
    privates,
  };
}

/**
 * A CharStrings INDEX of `numGlyphs` glyphs: those in `kept` as given, the rest `endchar`.
 * Offsets are 3 bytes (a subset's charstrings stay far below 16 MB).
 */
function charStringIndex(numGlyphs: number, kept: Map<number, Buffer>): Buffer {
  let dataLen = numGlyphs;
  for (const b of kept.values()) dataLen += b.length - 1;
  need(dataLen < 0xffffff, "charstrings under 16 MB");
  const data = 3 + 3 * (numGlyphs + 1);
  const out = Buffer.alloc(data + dataLen, 14); // endchar everywhere, offsets written over
  out.writeUInt16BE(numGlyphs, 0);
  out[2] = 3;
  let off = 1;
  for (let g = 0; g <= numGlyphs; g++) {
    const at = 3 + 3 * g;
    out[at] = off >>> 16;
    out[at + 1] = (off >>> 8) & 0xff;
    out[at + 2] = off & 0xff;
    if (g === numGlyphs) break;
    const b = kept.get(g);
    if (b) {
      b.copy(out, data + off - 1);
      off += b.length;
    } else off++;
  }
  return out;
}

/**
 * The CFF table with the outlines of `keep` only (every other glyph an empty `endchar`),
 * glyph ids unchanged, and no subroutines. Keeping the ids keeps hmtx, GSUB, GPOS and the
 * charset valid as they are.
 */
function subsetCff(src: CffSource, keep: Set<number>): Buffer {
  const kept = new Map<number, Buffer>();
  for (const g of keep) {
    if (g >= src.numGlyphs) continue;
    const fd = src.fds[src.fdOf(g)];
    need(fd, "a font DICT for every glyph");
    kept.set(g, flatten(src.charStrings.item(g), src.gsubrs, fd?.lsubrs ?? null));
  }
  const charStrings = charStringIndex(src.numGlyphs, kept);
  // Layout: header, Name, Top DICT, String, (empty) global subrs, charset, FDSelect,
  // CharStrings, FDArray, Private DICTs. Offsets are written as 5-byte ints, so every
  // size is known before the offsets are.
  const topDict = (offs: number[]) =>
    writeIndex([
      writeDict(
        src.top,
        new Map([
          [15, [offs[0] as number]],
          [1237, [offs[1] as number]],
          [17, [offs[2] as number]],
          [1236, [offs[3] as number]],
        ]),
      ),
    ]);
  let pos = src.header.length + src.names.length + topDict([0, 0, 0, 0]).length;
  pos += src.strings.length + 2;
  const charsetOff = pos;
  pos += src.charset.length;
  const fdSelectOff = pos;
  pos += src.fdSelect.length;
  const charStringsOff = pos;
  pos += charStrings.length;
  const fdArrayOff = pos;
  const fdDict = (i: number, privOff: number) =>
    writeDict(src.fds[i]?.dict ?? [], new Map([[18, [src.privates[i]?.length ?? 0, privOff]]]));
  pos += writeIndex(src.fds.map((_, i) => fdDict(i, 0))).length;
  const fdDicts = src.fds.map((_, i) => {
    const d = fdDict(i, pos);
    pos += src.privates[i]?.length ?? 0;
    return d;
  });
  return Buffer.concat([
    src.header,
    src.names,
    topDict([charsetOff, fdSelectOff, charStringsOff, fdArrayOff]),
    src.strings,
    Buffer.from([0, 0]),
    src.charset,
    src.fdSelect,
    charStrings,
    writeIndex(fdDicts),
    ...src.privates,
  ]);
}

// ---- GSUB --------------------------------------------------------------------------

/** The coverage index of glyph g in the Coverage table at `at`, or -1. */
function coverageIndex(t: Buffer, at: number, g: number): number {
  const format = t.readUInt16BE(at);
  const n = t.readUInt16BE(at + 2);
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (format === 1) {
      const v = t.readUInt16BE(at + 4 + 2 * mid);
      if (v === g) return mid;
      if (v < g) lo = mid + 1;
      else hi = mid - 1;
    } else {
      const r = at + 4 + 6 * mid;
      if (g < t.readUInt16BE(r)) hi = mid - 1;
      else if (g > t.readUInt16BE(r + 2)) lo = mid + 1;
      else return t.readUInt16BE(r + 4) + g - t.readUInt16BE(r);
    }
  }
  return -1;
}

/**
 * Adds to `glyphs` every glyph a substitution can turn them into (single, multiple,
 * alternate and ligature lookups, through extensions; contextual lookups only call these),
 * until nothing new comes: the shaper may draw any of them, e.g. the digits Noto CJK swaps
 * in after a Latin letter. Over-approximate (every feature and language), which is harmless.
 */
interface Gsub {
  t: Buffer;
  /** the substitution subtables (extensions resolved) */
  subtables: { type: number; at: number }[];
}

function readGsub(t: Buffer): Gsub {
  const lookups = t.readUInt16BE(8);
  const subtables: { type: number; at: number }[] = [];
  for (let i = 0; i < t.readUInt16BE(lookups); i++) {
    const lookup = lookups + t.readUInt16BE(lookups + 2 + 2 * i);
    const type = t.readUInt16BE(lookup);
    for (let k = 0; k < t.readUInt16BE(lookup + 4); k++) {
      const at = lookup + t.readUInt16BE(lookup + 6 + 2 * k);
      if (type === 7)
        subtables.push({ type: t.readUInt16BE(at + 2), at: at + t.readUInt32BE(at + 4) });
      else subtables.push({ type, at });
    }
  }
  return { t, subtables: subtables.filter((s) => s.type >= 1 && s.type <= 4) };
}

function substitutesOf(gsub: Gsub, glyphs: Set<number>): void {
  const { t, subtables } = gsub;
  let grew = true;
  while (grew) {
    grew = false;
    const add = (g: number) => {
      if (glyphs.has(g)) return;
      glyphs.add(g);
      grew = true;
    };
    for (const { type, at } of subtables) {
      const format = t.readUInt16BE(at);
      const cov = at + t.readUInt16BE(at + 2);
      for (const g of [...glyphs]) {
        const i = coverageIndex(t, cov, g);
        if (i < 0) continue;
        if (type === 1 && format === 1) add((g + t.readInt16BE(at + 4)) & 0xffff);
        else if (type === 1) add(t.readUInt16BE(at + 6 + 2 * i));
        else if (type === 2 || type === 3) {
          const seq = at + t.readUInt16BE(at + 6 + 2 * i);
          for (let k = 0; k < t.readUInt16BE(seq); k++) add(t.readUInt16BE(seq + 2 + 2 * k));
        } else {
          const set = at + t.readUInt16BE(at + 6 + 2 * i);
          for (let k = 0; k < t.readUInt16BE(set); k++) {
            const lig = set + t.readUInt16BE(set + 2 + 2 * k);
            const parts = t.readUInt16BE(lig + 2);
            let all = true;
            for (let c = 1; c < parts && all; c++)
              all = glyphs.has(t.readUInt16BE(lig + 2 + 2 * c));
            if (all) add(t.readUInt16BE(lig));
          }
        }
      }
    }
  }
}

// ---- the OpenType file ----------------------------------------------------------------

/** Table checksums, kept for the tables every subset of a face copies. */
const sums = new WeakMap<Buffer, number>();
const checksum = (b: Buffer) => {
  const known = sums.get(b);
  if (known !== undefined) return known;
  let sum = 0;
  const whole = b.length & ~3;
  for (let i = 0; i < whole; i += 4) sum = (sum + b.readUInt32BE(i)) >>> 0;
  if (whole < b.length) {
    const tail = Buffer.alloc(4);
    b.copy(tail, 0, whole);
    sum = (sum + tail.readUInt32BE(0)) >>> 0;
  }
  sums.set(b, sum);
  return sum;
};

function writeFont(tables: Map<string, Buffer>): Buffer {
  const tags = [...tables.keys()].sort();
  const n = tags.length;
  const pow = 2 ** Math.floor(Math.log2(n));
  const dir = Buffer.alloc(12 + 16 * n);
  dir.write("OTTO", 0, "latin1");
  dir.writeUInt16BE(n, 4);
  dir.writeUInt16BE(pow * 16, 6);
  dir.writeUInt16BE(Math.log2(pow), 8);
  dir.writeUInt16BE(n * 16 - pow * 16, 10);
  const chunks: Buffer[] = [dir];
  let pos = dir.length;
  let total = 0; // the whole file's checksum: tables are zero-padded, so it is this sum
  let headAt = -1;
  tags.forEach((tag, i) => {
    const t = tables.get(tag) as Buffer;
    const r = 12 + 16 * i;
    const sum = checksum(t);
    total = (total + sum) >>> 0;
    dir.write(tag, r, "latin1");
    dir.writeUInt32BE(sum, r + 4);
    dir.writeUInt32BE(pos, r + 8);
    dir.writeUInt32BE(t.length, r + 12);
    if (tag === "head") headAt = pos;
    chunks.push(t);
    if (t.length % 4) chunks.push(Buffer.alloc(4 - (t.length % 4)));
    pos += (t.length + 3) & ~3;
  });
  total = (total + checksum(dir)) >>> 0;
  const font = Buffer.concat(chunks);
  if (headAt >= 0) font.writeUInt32BE((0xb1b0afba - total) >>> 0, headAt + 8);
  return font;
}

/** A Unicode cmap (format 12, platform 3 encoding 10) of the given code points, in order. */
function writeCmap(map: [number, number][]): Buffer {
  const t = Buffer.alloc(12 + 16 + 12 * map.length);
  t.writeUInt16BE(0, 0);
  t.writeUInt16BE(1, 2);
  t.writeUInt16BE(3, 4);
  t.writeUInt16BE(10, 6);
  t.writeUInt32BE(12, 8);
  t.writeUInt16BE(12, 12);
  t.writeUInt32BE(16 + 12 * map.length, 16);
  t.writeUInt32BE(map.length, 24);
  map.forEach(([cp, gid], i) => {
    t.writeUInt32BE(cp, 28 + 12 * i);
    t.writeUInt32BE(cp, 32 + 12 * i);
    t.writeUInt32BE(gid, 36 + 12 * i);
  });
  return t;
}

/** A face read once: what every subset of it copies or looks up. */
interface Prepared {
  lookup(cp: number): number;
  cff: CffSource;
  gsub: Gsub | null;
  /** tables copied as they are (post cut to version 3, head without its checksum) */
  tables: Map<string, Buffer>;
}

function prepare(file: BlockFile, family: string): Prepared | null {
  const face = findFace(file, family);
  if (!face) return null;
  const table = (tag: string) => {
    const t = face.get(tag) as Table;
    return Buffer.from(file.bytes(t.offset, t.length));
  };
  const cff = face.get("CFF ");
  const cmap = face.get("cmap");
  need(cff && cmap && face.has("hmtx") && face.has("head"), "CFF outlines, a cmap and metrics");
  const tables = new Map<string, Buffer>();
  for (const tag of ["GDEF", "GPOS", "GSUB", "OS/2", "head", "hhea", "hmtx", "maxp", "name"]) {
    if (face.has(tag)) tables.set(tag, table(tag));
  }
  (tables.get("head") as Buffer).writeUInt32BE(0, 8);
  if (face.has("post")) {
    const post = Buffer.from(table("post").subarray(0, 32));
    post.writeUInt32BE(0x00030000, 0); // no glyph names
    tables.set("post", post);
  }
  const gsub = tables.get("GSUB");
  return {
    lookup: cmapLookup(file, cmap as Table),
    cff: readCff(file, cff as Table),
    gsub: gsub ? readGsub(gsub) : null,
    tables,
  };
}

const prepared = new Map<string, Prepared | null>();

/**
 * An OpenType font with the `family` face of `path` cut down to the characters of `text`
 * (plus .notdef and what GSUB may turn them into), or null when the face is missing or not
 * a CID-keyed CFF font. Characters the face lacks are left out, as they would draw nothing
 * else anyway. The face is read once per process and kept.
 */
export function subsetFont(path: string, family: string, text: string): Buffer | null {
  const key = `${path}|${family}`;
  try {
    if (!prepared.has(key)) prepared.set(key, prepare(new BlockFile(path), family));
    const face = prepared.get(key);
    if (!face) return null;
    const points = [...new Set([...text].map((c) => c.codePointAt(0) as number))].sort(
      (a, b) => a - b,
    );
    const map: [number, number][] = [];
    for (const cp of points) {
      const g = face.lookup(cp);
      if (g !== 0) map.push([cp, g]);
    }
    const keep = new Set([0, ...map.map(([, g]) => g)]);
    if (face.gsub) substitutesOf(face.gsub, keep);
    const tables = new Map(face.tables);
    tables.set("CFF ", subsetCff(face.cff, keep));
    tables.set("cmap", writeCmap(map));
    return writeFont(tables);
  } catch (e) {
    if (e instanceof Unsupported || e instanceof RangeError) {
      prepared.set(key, null);
      return null;
    }
    throw e;
  }
}
