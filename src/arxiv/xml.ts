/**
 * A small, strict XML reader for what arXiv serves (the announcement feed and the API's Atom):
 * elements, attributes, text, CDATA, comments, processing instructions and a DOCTYPE, read in
 * one indexOf-driven pass into a tree of elements. It exists because fast-xml-parser plus its
 * validator took most of a 2,000-entry ingest (~450 ms for the 4.4 MB page); this reads it in
 * ~30 ms and still refuses every document that is not well-formed (unbalanced or mismatched
 * tags, a truncated file, text or a second element outside the root, bad names, unquoted or
 * repeated attributes, a bare `&`), so a broken response can never be half-read.
 *
 * Deliberately not supported, as arXiv never sends them: entity definitions from a DOCTYPE
 * (never expanded; an undefined `&name;` stays as written), and mixed content (an element's
 * `text` is its own text, without that of its child elements).
 */
import { decodeEntities } from "./text.ts";

/** One element. Names are local: `arxiv:comment` is `comment`, as the prefixes vary. */
export interface XmlElement {
  name: string;
  /** attributes by local name, values decoded; namespace declarations (xmlns) left out */
  attrs: ReadonlyMap<string, string>;
  children: XmlElement[];
  /**
   * the element's own text and CDATA, entities decoded, whitespace as written; whitespace-only
   * runs before its first text (indentation) are not kept, so a container's text is ""
   */
  text: string;
}

/** The document is not well-formed XML; `line` is where reading stopped (1-based). */
export class XmlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(`${reason} (line ${line})`);
    this.name = "XmlSyntaxError";
  }
}

const NO_ATTRS: ReadonlyMap<string, string> = new Map();

// XML 1.0 names, simplified to what matters here: no leading digit, dot or hyphen.
const NAME = /^[A-Za-z_:\u00c0-\uffff][\w.:\u00b7\u00c0-\uffff-]*$/;
const REFERENCE = /&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);/y;

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOS = 0x27;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Reads `xml` and returns its root element; throws XmlSyntaxError when it is not well-formed. */
export function readXml(xml: string): XmlElement {
  return new Reader(xml).read();
}

/** One pass over one document: a cursor, the open elements and the names seen so far. */
class Reader {
  private pos = 0;
  /** the elements opened and not closed yet, innermost last */
  private readonly open: XmlElement[] = [];
  /** their names as written (with prefix), which their end tags must repeat */
  private readonly openNames: string[] = [];
  private root: XmlElement | null = null;
  /** qualified name → local name, for names already checked */
  private readonly names = new Map<string, string>();

  constructor(private readonly xml: string) {}

  read(): XmlElement {
    const { xml } = this;
    if (xml.charCodeAt(0) === 0xfeff) this.pos = 1;
    while (this.pos < xml.length) {
      const lt = xml.indexOf("<", this.pos);
      const end = lt === -1 ? xml.length : lt;
      if (end > this.pos) this.text(this.pos, end);
      if (lt === -1) break;
      const next = xml.charCodeAt(lt + 1);
      if (next === SLASH) this.endTag(lt);
      else if (next === BANG) this.bang(lt);
      else if (next === QUESTION) this.instruction(lt);
      else this.startTag(lt);
    }
    const unclosed = this.openNames.at(-1);
    if (unclosed !== undefined) this.fail(`<${unclosed}> is never closed (truncated?)`, xml.length);
    if (!this.root) this.fail("no root element", xml.length);
    return this.root;
  }

  private fail(reason: string, at: number): never {
    let line = 1;
    for (let i = this.xml.indexOf("\n"); i !== -1 && i < at; i = this.xml.indexOf("\n", i + 1)) {
      line++;
    }
    throw new XmlSyntaxError(reason, line);
  }

  /**
   * Character data between markup: the open element's text. Whitespace alone before an
   * element's first text is indentation and is not kept; outside the root it is all that may be.
   */
  private text(start: number, end: number): void {
    const current = this.open.at(-1);
    if (current === undefined || current.text === "") {
      let i = start;
      while (i < end && isSpace(this.xml.charCodeAt(i))) i++;
      if (i === end) return;
      if (current === undefined) this.fail("text outside the root element", i);
    }
    current.text += this.decode(this.xml.slice(start, end), start);
  }

  /** Checks that every `&` starts a reference, then decodes them (once). */
  private decode(raw: string, at: number): string {
    let amp = raw.indexOf("&");
    if (amp === -1) return raw;
    while (amp !== -1) {
      REFERENCE.lastIndex = amp;
      if (!REFERENCE.test(raw)) this.fail("'&' that starts no entity reference", at + amp);
      amp = raw.indexOf("&", REFERENCE.lastIndex);
    }
    return decodeEntities(raw);
  }

  /** The local name of a qualified name, checking the name the first time it is seen. */
  private localName(qname: string, at: number): string {
    const known = this.names.get(qname);
    if (known !== undefined) return known;
    if (!NAME.test(qname)) this.fail(`invalid name "${qname}"`, at);
    const local = qname.slice(qname.indexOf(":") + 1);
    this.names.set(qname, local);
    return local;
  }

  /** `<name attr="v" ...>` or `<name .../>`. */
  private startTag(lt: number): void {
    const { xml } = this;
    if (this.root && this.open.length === 0) this.fail("a second element after the root", lt);
    let i = lt + 1;
    while (i < xml.length) {
      const c = xml.charCodeAt(i);
      if (isSpace(c) || c === GT || c === SLASH) break;
      i++;
    }
    const qname = xml.slice(lt + 1, i);
    const element: XmlElement = {
      name: this.localName(qname, lt),
      attrs: NO_ATTRS,
      children: [],
      text: "",
    };
    let attrs: Map<string, string> | null = null;
    for (;;) {
      const spaced = i < xml.length && isSpace(xml.charCodeAt(i));
      while (i < xml.length && isSpace(xml.charCodeAt(i))) i++;
      if (i >= xml.length) this.fail(`<${qname}> is cut off`, lt);
      const c = xml.charCodeAt(i);
      if (c === GT || (c === SLASH && xml.charCodeAt(i + 1) === GT)) {
        this.pos = c === GT ? i + 1 : i + 2;
        if (attrs) element.attrs = attrs;
        this.attach(element);
        if (c === GT) {
          this.open.push(element);
          this.openNames.push(qname);
        }
        return;
      }
      if (!spaced) this.fail(`<${qname}>: attributes must be separated by whitespace`, i);
      attrs ??= new Map();
      i = this.attribute(i, qname, attrs);
    }
  }

  /** One `name="value"` at `start`; returns the position after its closing quote. */
  private attribute(start: number, tag: string, attrs: Map<string, string>): number {
    const { xml } = this;
    let i = start;
    while (i < xml.length) {
      const c = xml.charCodeAt(i);
      if (c === EQUALS || isSpace(c) || c === GT || c === SLASH) break;
      i++;
    }
    const qname = xml.slice(start, i);
    while (i < xml.length && isSpace(xml.charCodeAt(i))) i++;
    if (xml.charCodeAt(i) !== EQUALS) this.fail(`<${tag}>: attribute "${qname}" has no value`, i);
    i++;
    while (i < xml.length && isSpace(xml.charCodeAt(i))) i++;
    const quote = xml.charCodeAt(i);
    if (quote !== QUOTE && quote !== APOS) {
      this.fail(`<${tag}>: the value of "${qname}" is not quoted`, i);
    }
    const close = xml.indexOf(quote === QUOTE ? '"' : "'", i + 1);
    if (close === -1) this.fail(`<${tag}>: the value of "${qname}" is cut off`, i);
    const raw = xml.slice(i + 1, close);
    if (raw.includes("<")) this.fail(`<${tag}>: '<' in the value of "${qname}"`, i);
    if (qname === "xmlns" || qname.startsWith("xmlns:")) return close + 1;
    const name = this.localName(qname, start);
    if (attrs.has(name)) this.fail(`<${tag}>: attribute "${qname}" is repeated`, start);
    attrs.set(name, this.decode(raw, i + 1));
    return close + 1;
  }

  private attach(element: XmlElement): void {
    const parent = this.open.at(-1);
    if (parent) parent.children.push(element);
    else this.root = element;
  }

  /** `</name>`: must close the element opened last. */
  private endTag(lt: number): void {
    const gt = this.xml.indexOf(">", lt);
    if (gt === -1) this.fail("a closing tag is cut off", lt);
    const qname = this.xml.slice(lt + 2, gt).trimEnd();
    const current = this.openNames.pop();
    if (current === undefined) this.fail(`</${qname}> closes nothing`, lt);
    if (current !== qname) this.fail(`</${qname}> closes <${current}>`, lt);
    this.open.pop();
    this.pos = gt + 1;
  }

  /** `<!-- comment -->`, `<![CDATA[text]]>` (raw text) or `<!DOCTYPE ...>` before the root. */
  private bang(lt: number): void {
    const { xml } = this;
    if (xml.startsWith("<!--", lt)) {
      this.pos = this.skipPast("-->", lt + 4, "a comment");
    } else if (xml.startsWith("<![CDATA[", lt)) {
      const current = this.open.at(-1);
      if (!current) this.fail("CDATA outside the root element", lt);
      this.pos = this.skipPast("]]>", lt + 9, "a CDATA section");
      current.text += xml.slice(lt + 9, this.pos - 3);
    } else if (xml.startsWith("<!DOCTYPE", lt) && !this.root) {
      this.pos = this.skipDoctype(lt);
    } else {
      this.fail("unexpected '<!'", lt);
    }
  }

  /** `<?target ...?>`, the XML declaration included. */
  private instruction(lt: number): void {
    this.pos = this.skipPast("?>", lt + 2, "a processing instruction");
  }

  private skipPast(terminator: string, from: number, what: string): number {
    const end = this.xml.indexOf(terminator, from);
    if (end === -1) this.fail(`${what} is never closed`, from);
    return end + terminator.length;
  }

  /** Skips a DOCTYPE, its internal subset in [...] included; quoted strings may hold '>'. */
  private skipDoctype(lt: number): number {
    const { xml } = this;
    let quote = 0;
    let depth = 0;
    for (let i = lt + 2; i < xml.length; i++) {
      const c = xml.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === QUOTE || c === APOS) quote = c;
      else if (c === 0x5b)
        depth++; // [
      else if (c === 0x5d)
        depth--; // ]
      else if (c === GT && depth === 0) return i + 1;
      else if (c === LT && depth === 0) break;
    }
    return this.fail("a DOCTYPE is never closed", lt);
  }
}
