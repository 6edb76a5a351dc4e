/**
 * A small, strict XML reader for what arXiv serves (the announcement feed and the API's Atom):
 * elements, attributes, text, CDATA, comments, processing instructions and a DOCTYPE, read in
 * one indexOf-driven pass into a tree of elements, with names resolved by namespace URI.
 *
 * Why not fast-xml-parser: with its validator it took most of a 2,000-entry ingest (~450 ms
 * for the 4.4 MB page, about 8x this reader), which would put the whole ingest at about 1.8x
 * feedparser's speed instead of the 3x `npm run bench -- ingest` checks. This reader still
 * refuses every document that is not well-formed (unbalanced or mismatched tags, a truncated
 * file, text or a second element outside the root, bad names, undeclared prefixes, unquoted or
 * repeated attributes, a bare `&`, a reference to a character XML forbids, `--` in a comment,
 * `]]>` in text), so a broken response can never be half-read.
 *
 * Deliberately not supported, as arXiv never sends them: entity definitions from a DOCTYPE
 * (never expanded; an undefined `&name;` stays as written), and mixed content (an element's
 * `text` is its own text, without that of its child elements).
 */

/** The namespaces arXiv's documents use. */
export const NS = {
  atom: "http://www.w3.org/2005/Atom",
  arxiv: "http://arxiv.org/schemas/atom",
  opensearch: "http://a9.com/-/spec/opensearch/1.1/",
  dc: "http://purl.org/dc/elements/1.1/",
  /** RSS 2.0 elements are in no namespace */
  none: "",
} as const;

const XML_NS = "http://www.w3.org/XML/1998/namespace";

/**
 * One element, named by namespace URI and local name: `<arxiv:comment>` is `comment` in
 * NS.arxiv whatever its prefix, and a `<m:title>` of another namespace is not Atom's `title`.
 */
export interface XmlElement {
  /** the namespace URI; "" when the element is in no namespace (RSS 2.0) */
  ns: string;
  /** the local name, without prefix */
  name: string;
  /**
   * attributes, values decoded: an unprefixed attribute (in no namespace) by its local name,
   * a prefixed one as `{uri}local` (so p:id and q:id of two namespaces are two attributes);
   * namespace declarations (xmlns) left out
   */
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

// Names in namespaced XML: an optional prefix and a local part, each an XML 1.0 name without
// colon, simplified to what matters here (no leading digit, dot or hyphen).
const QNAME =
  /^(?:[A-Za-z_\u00c0-\uffff][\w.\u00b7\u00c0-\uffff-]*:)?[A-Za-z_\u00c0-\uffff][\w.\u00b7\u00c0-\uffff-]*$/;
const DECIMAL = /^[0-9]+$/;
const HEX = /^[0-9a-fA-F]+$/;
const ENTITY_NAME = /^[A-Za-z_][\w.-]*$/;
const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** A code point XML 1.0 allows in a document (its Char production). */
function isXmlChar(n: number): boolean {
  return n < 0xd800
    ? n >= 0x20 || n === 0x09 || n === 0x0a || n === 0x0d
    : (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff);
}

/**
 * The prefixes in force at an element: its own declarations, then its ancestors'. Elements that
 * declare nothing share their parent's scope, and with it the cache of names resolved in it.
 */
interface Scope {
  readonly prefixes: ReadonlyMap<string, string>;
  readonly parent: Scope | null;
  /** qualified element name → [namespace, local name] */
  readonly resolved: Map<string, readonly [string, string]>;
}

const ROOT_SCOPE: Scope = {
  prefixes: new Map([["xml", XML_NS]]),
  parent: null,
  resolved: new Map(),
};

function lookup(scope: Scope, prefix: string): string | undefined {
  for (let s: Scope | null = scope; s; s = s.parent) {
    const uri = s.prefixes.get(prefix);
    if (uri !== undefined) return uri;
  }
  return undefined;
}

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOS = 0x27;
const HASH = 0x23;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/**
 * Reads `xml` and returns its root element; throws XmlSyntaxError when it is not well-formed.
 * Line ends are normalised first (CRLF and a lone CR become LF), as XML requires.
 */
export function readXml(xml: string): XmlElement {
  return new Reader(xml.includes("\r") ? xml.replace(/\r\n?/g, "\n") : xml).read();
}

/** One pass over one document: a cursor, the open elements and their namespace scopes. */
class Reader {
  private pos = 0;
  /** the elements opened and not closed yet, innermost last */
  private readonly open: XmlElement[] = [];
  /** their names as written (with prefix), which their end tags must repeat */
  private readonly openNames: string[] = [];
  /** the namespace scope inside each open element */
  private readonly scopes: Scope[] = [];
  private root: XmlElement | null = null;
  /** qualified names already checked, with their prefix and local part */
  private readonly names = new Map<string, readonly [string, string]>();

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
    const raw = this.xml.slice(start, end);
    const cdataEnd = raw.indexOf("]]>");
    if (cdataEnd !== -1) this.fail("']]>' in text outside a CDATA section", start + cdataEnd);
    current.text += this.decode(raw, start);
  }

  /**
   * Decodes the references in `raw` (found at `at`), each checked: a name, or a decimal or hex
   * character reference (leading zeros allowed) to a character XML allows.
   */
  private decode(raw: string, at: number): string {
    let amp = raw.indexOf("&");
    if (amp === -1) return raw;
    let out = "";
    let done = 0;
    while (amp !== -1) {
      const semi = raw.indexOf(";", amp + 1);
      const ref = semi === -1 ? "" : raw.slice(amp + 1, semi);
      let value: string | undefined;
      if (ref.charCodeAt(0) === HASH) {
        const hex = ref.charCodeAt(1) === 0x78; // x
        const digits = ref.slice(hex ? 2 : 1);
        if ((hex ? HEX : DECIMAL).test(digits)) {
          const n = Number.parseInt(digits, hex ? 16 : 10);
          if (!isXmlChar(n)) this.fail(`&${ref}; is not a character XML allows`, at + amp);
          value = String.fromCodePoint(n);
        }
      } else if (ENTITY_NAME.test(ref)) {
        value = PREDEFINED[ref] ?? `&${ref};`;
      }
      if (value === undefined) this.fail("'&' that starts no entity reference", at + amp);
      out += raw.slice(done, amp) + value;
      done = semi + 1;
      amp = raw.indexOf("&", done);
    }
    return out + raw.slice(done);
  }

  /**
   * Checks a qualified name and splits it into [prefix, local] ("" when unprefixed), once per
   * distinct name: a page repeats the same few dozen names thousands of times.
   */
  private split(qname: string, at: number): readonly [string, string] {
    let parts = this.names.get(qname);
    if (parts === undefined) {
      if (!QNAME.test(qname)) this.fail(`invalid name "${qname}"`, at);
      const colon = qname.indexOf(":");
      parts = colon === -1 ? ["", qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
      this.names.set(qname, parts);
    }
    return parts;
  }

  /** The namespace URI `prefix` stands for in `scope`; an undeclared prefix is an error. */
  private uri(scope: Scope, prefix: string, qname: string, at: number): string {
    const uri = lookup(scope, prefix);
    if (uri === undefined) {
      if (prefix === "") return "";
      this.fail(`the prefix of "${qname}" is not declared`, at);
    }
    return uri;
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
    if (qname === "") this.fail('invalid name ""', lt); // a '<' alone in text
    const parent = this.scopes.at(-1) ?? ROOT_SCOPE;
    let attrs: Map<string, string> | null = null;
    /** prefixed attributes, resolved once the element's own declarations are known */
    let prefixed: [string, string, number][] | null = null;
    let declared: Map<string, string | null> | null = null;
    let selfClosing = false;
    for (;;) {
      const spaced = i < xml.length && isSpace(xml.charCodeAt(i));
      while (i < xml.length && isSpace(xml.charCodeAt(i))) i++;
      if (i >= xml.length) this.fail(`<${qname}> is cut off`, lt);
      const c = xml.charCodeAt(i);
      if (c === GT || (c === SLASH && xml.charCodeAt(i + 1) === GT)) {
        selfClosing = c === SLASH;
        this.pos = selfClosing ? i + 2 : i + 1;
        break;
      }
      if (!spaced) this.fail(`<${qname}>: attributes must be separated by whitespace`, i);
      const at = i;
      i = this.attribute(i, qname);
      const { attrName: name, attrValue: value } = this;
      if (name === "xmlns" || name.startsWith("xmlns:")) {
        declared ??= new Map();
        this.declare(declared, name, value, qname, at, parent);
      } else if (name.includes(":")) {
        prefixed ??= [];
        prefixed.push([name, value, at]);
      } else {
        // Unprefixed: in no namespace, keyed by its name (a prefixed key starts with "{").
        this.split(name, at);
        attrs ??= new Map();
        if (attrs.has(name)) this.fail(`<${qname}>: attribute "${name}" is repeated`, at);
        attrs.set(name, value);
      }
    }
    const scope = declared ? this.scopeOf(parent, declared) : parent;
    let resolved = scope.resolved.get(qname);
    if (resolved === undefined) {
      const [prefix, local] = this.split(qname, lt);
      resolved = [this.uri(scope, prefix, qname, lt), local];
      scope.resolved.set(qname, resolved);
    }
    const element: XmlElement = {
      ns: resolved[0],
      name: resolved[1],
      attrs: prefixed
        ? this.addPrefixed(attrs ?? new Map(), prefixed, scope, qname)
        : (attrs ?? NO_ATTRS),
      children: [],
      text: "",
    };
    const parentElement = this.open.at(-1);
    if (parentElement) parentElement.children.push(element);
    else this.root = element;
    if (!selfClosing) {
      this.open.push(element);
      this.openNames.push(qname);
      this.scopes.push(scope);
    }
  }

  /**
   * One namespace declaration of an element: `xmlns="uri"` or `xmlns:p="uri"`. One that repeats
   * the inherited binding is recorded as null: arXiv's API repeats `xmlns:arxiv` on every arXiv
   * element, and such a declaration makes no new scope, so the names resolved in the parent's
   * stay cached.
   */
  private declare(
    declared: Map<string, string | null>,
    name: string,
    uri: string,
    tag: string,
    at: number,
    parent: Scope,
  ) {
    const prefix = name === "xmlns" ? "" : name.slice(6);
    if (prefix !== "") {
      this.split(prefix, at);
      if (uri === "") this.fail(`<${tag}>: prefix "${prefix}" bound to an empty URI`, at);
    }
    if (prefix === "xmlns" || (prefix === "xml") !== (uri === XML_NS)) {
      this.fail(`<${tag}>: "${name}" may not be declared to "${uri}"`, at);
    }
    if (declared.has(prefix)) this.fail(`<${tag}>: attribute "${name}" is repeated`, at);
    declared.set(prefix, lookup(parent, prefix) === uri ? null : uri);
  }

  /** The scope inside an element that declares namespaces: its parent's if none is new. */
  private scopeOf(parent: Scope, declared: Map<string, string | null>): Scope {
    let prefixes: Map<string, string> | null = null;
    for (const [prefix, uri] of declared) {
      if (uri === null) continue;
      prefixes ??= new Map();
      prefixes.set(prefix, uri);
    }
    return prefixes ? { prefixes, parent, resolved: new Map() } : parent;
  }

  /** Adds the prefixed attributes as `{uri}local`; the same expanded name twice is an error. */
  private addPrefixed(
    attrs: Map<string, string>,
    prefixed: [string, string, number][],
    scope: Scope,
    tag: string,
  ): Map<string, string> {
    for (const [qname, value, at] of prefixed) {
      const [prefix, local] = this.split(qname, at);
      const key = `{${this.uri(scope, prefix, qname, at)}}${local}`;
      if (attrs.has(key)) this.fail(`<${tag}>: attribute "${qname}" is repeated`, at);
      attrs.set(key, value);
    }
    return attrs;
  }

  /** The name and decoded value of the attribute read last (no tuple per attribute). */
  private attrName = "";
  private attrValue = "";

  /** One `name="value"` at `start`, into attrName and attrValue; returns the position after it. */
  private attribute(start: number, tag: string): number {
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
    this.attrName = qname;
    this.attrValue = this.decode(raw, i + 1);
    return close + 1;
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
    this.scopes.pop();
    this.pos = gt + 1;
  }

  /** `<!-- comment -->`, `<![CDATA[text]]>` (raw text) or `<!DOCTYPE ...>` before the root. */
  private bang(lt: number): void {
    const { xml } = this;
    if (xml.startsWith("<!--", lt)) {
      this.pos = this.skipPast("-->", lt + 4, "a comment");
      const body = xml.slice(lt + 4, this.pos - 3);
      // XML forbids "--" inside a comment, and so a comment ending in "--->".
      if (body.includes("--") || body.endsWith("-")) this.fail("'--' inside a comment", lt);
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
