import { describe, expect, it } from "vitest";
import { ArxivParseError } from "../src/arxiv/errors.ts";
import { parseApiResponse, parseArxivXml } from "../src/arxiv/parse.ts";
import { NS, readXml, type XmlElement, XmlSyntaxError } from "../src/arxiv/xml.ts";
import { arxivFixture, truncateXml } from "./fakes/arxiv.ts";

/** The element as plain data, to compare trees in one assertion. */
function plain(element: XmlElement): unknown {
  return {
    ...(element.ns !== "" ? { ns: element.ns } : {}),
    name: element.name,
    ...(element.attrs.size > 0 ? { attrs: Object.fromEntries(element.attrs) } : {}),
    ...(element.text !== "" ? { text: element.text } : {}),
    ...(element.children.length > 0 ? { children: element.children.map(plain) } : {}),
  };
}

function syntaxError(xml: string): XmlSyntaxError {
  try {
    readXml(xml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) return error;
    throw error;
  }
  throw new Error(`read without error: ${xml}`);
}

describe("readXml: well-formed documents", () => {
  it("reads elements, attributes and text, each element named by namespace URI and local name", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <entry>
    <title>A &amp; B</title>
    <arxiv:primary_category term="cs.CL" scheme='http://arxiv.org/schemas/atom'/>
    <author><name>Ada</name><arxiv:affiliation>Tsinghua</arxiv:affiliation></author>
  </entry>
</feed>`;
    expect(plain(readXml(xml))).toEqual({
      ns: NS.atom,
      name: "feed",
      children: [
        {
          ns: NS.atom,
          name: "entry",
          children: [
            { ns: NS.atom, name: "title", text: "A & B" },
            {
              ns: NS.arxiv,
              name: "primary_category",
              attrs: { term: "cs.CL", scheme: "http://arxiv.org/schemas/atom" },
            },
            {
              ns: NS.atom,
              name: "author",
              children: [
                { ns: NS.atom, name: "name", text: "Ada" },
                { ns: NS.arxiv, name: "affiliation", text: "Tsinghua" },
              ],
            },
          ],
        },
      ],
    });
  });

  it("decodes entities once in text and attributes, and keeps CDATA as written", () => {
    const root = readXml(
      `<a t="x &lt; y &#38; z"><b>&amp;lt; &#233;&#xE9; &unknown;</b><c><![CDATA[<i>&amp;</i>]]></c></a>`,
    );
    expect(root.attrs.get("t")).toBe("x < y & z");
    expect(root.children.map((c) => c.text)).toEqual(["&lt; éé &unknown;", "<i>&amp;</i>"]);
  });

  it("keeps text as written but drops whitespace-only runs between elements", () => {
    const root = readXml("<a>\n  <b>  two\n  lines </b>\n  <c>   </c>\n</a>");
    expect(root.text).toBe("");
    expect(root.children.map((c) => c.text)).toEqual(["  two\n  lines ", ""]);
    expect(readXml("<t><![CDATA[a]]> <![CDATA[b]]> &amp; c</t>").text).toBe("a b & c");
  });

  it("skips a BOM, the XML declaration, comments, processing instructions and a DOCTYPE", () => {
    const xml = `\ufeff<?xml version="1.0"?>
<!-- generated -->
<!DOCTYPE feed [ <!ENTITY x "a > b"> ]>
<?style type="text/xsl" href="x.xsl"?>
<feed><!-- inside --><id>1</id></feed>
<!-- after -->
`;
    const root = readXml(xml);
    expect(plain(root)).toEqual({ name: "feed", children: [{ name: "id", text: "1" }] });
  });

  it("never expands an entity a DOCTYPE defines", () => {
    const root = readXml(`<!DOCTYPE a [<!ENTITY big "boom">]><a>&big;</a>`);
    expect(root.text).toBe("&big;");
  });
});

describe("readXml: namespaces", () => {
  it("resolves prefixes by URI: any prefix works, declarations are scoped to their element", () => {
    const root = readXml(`<r xmlns="urn:default" xmlns:a="urn:a">
      <a:x/><b:x xmlns:b="urn:a"/><y xmlns="urn:other"><z/></y><w xmlns=""/><v/>
    </r>`);
    expect(root.children.map((c) => [c.ns, c.name])).toEqual([
      ["urn:a", "x"],
      ["urn:a", "x"],
      ["urn:other", "y"],
      ["", "w"],
      ["urn:default", "v"],
    ]);
    expect(root.children[2]?.children[0]?.ns).toBe("urn:other");
    expect(syntaxError(`<r><a xmlns:p="urn:p"/><p:b/></r>`).reason).toContain(
      'the prefix of "p:b" is not declared',
    );
  });

  it("p:id and q:id of two namespaces are two attributes; unprefixed ones have no namespace", () => {
    const root = readXml(
      `<a xmlns:p="urn:p" xmlns:q="urn:q" p:id="1" q:id="2" id="3" xml:lang="zh"/>`,
    );
    expect(Object.fromEntries(root.attrs)).toEqual({
      "{urn:p}id": "1",
      "{urn:q}id": "2",
      id: "3",
      "{http://www.w3.org/XML/1998/namespace}lang": "zh",
    });
  });

  it.each([
    ["an undeclared element prefix", "<a><x:b/></a>", 'the prefix of "x:b" is not declared'],
    ["an undeclared attribute prefix", '<a x:y="1"/>', 'the prefix of "x:y" is not declared'],
    [
      "two prefixes of one URI naming one attribute twice",
      '<a xmlns:p="urn:1" xmlns:q="urn:1" p:id="1" q:id="2"/>',
      'attribute "q:id" is repeated',
    ],
    ["a prefix bound to an empty URI", '<a xmlns:p=""/>', 'prefix "p" bound to an empty URI'],
    ["xml bound elsewhere", '<a xmlns:xml="urn:x"/>', 'may not be declared to "urn:x"'],
    ["the xmlns prefix declared", '<a xmlns:xmlns="urn:x"/>', "may not be declared"],
    ["a name with two colons", "<a:b:c/>", 'invalid name "a:b:c"'],
    ["an empty prefix", "<:a/>", 'invalid name ":a"'],
  ])("refuses %s", (_name, xml, reason) => {
    expect(syntaxError(xml).reason).toContain(reason);
  });

  it("a foreign element called title never stands in for Atom's", () => {
    const xml = arxivFixture("api-id_list.xml").replace(
      "<title>Getting it Right",
      '<m:title xmlns:m="http://example.org/m">Not the title</m:title>\n    <title>Getting it Right',
    );
    expect(parseApiResponse(xml).papers[0]?.title).toBe(
      "Getting it Right: Improving Spatial Consistency in Text-to-Image Models",
    );
  });

  it("arXiv's elements are found under any prefix bound to arXiv's namespace", () => {
    const xml = arxivFixture("api-2024-04-25.xml").replace(
      '<arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">Accepted to ACL 2024; 9 pages,\n  3 figures</arxiv:comment>',
      '<ax:comment xmlns:ax="http://arxiv.org/schemas/atom">Accepted to ACL 2024</ax:comment>',
    );
    expect(parseApiResponse(xml).papers[0]?.comment).toBe("Accepted to ACL 2024");
  });
});

describe("readXml: characters", () => {
  it("normalises CRLF and a lone CR to LF, in text and attribute values, and counts lines by them", () => {
    const root = readXml('<a t="1\r\n2">x\r\ny\rz</a>');
    expect(root.text).toBe("x\ny\nz");
    expect(root.attrs.get("t")).toBe("1\n2");
    expect(syntaxError("<a>\r\n<b>\r\n</c>\r\n</a>").line).toBe(3);
  });

  it.each([
    ["A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos;", "A & B <c> \"d\" 'e'"],
    ["Caf&#233; &#xE9;&#x1F600;", "Café é😀"],
    ["&amp;lt; stays one level: &amp;amp;", "&lt; stays one level: &amp;"],
    ["&bogus; is kept as written", "&bogus; is kept as written"],
  ])("decodes %j once, to %j", (input, output) => {
    expect(readXml(`<a>${input}</a>`).text).toBe(output);
  });

  it("decodes character references with leading zeros", () => {
    expect(readXml("<a>&#0000000065;&#x0000042;&#x1F600;</a>").text).toBe("AB😀");
  });

  it.each([
    ["&#0;", "<a>&#0;</a>"],
    ["&#x0;", "<a>&#x0;</a>"],
    ["a control character", "<a>&#1;</a>"],
    ["a high surrogate", "<a>&#xD800;</a>"],
    ["a low surrogate, in decimal", "<a>&#57343;</a>"],
    ["U+FFFE", "<a>&#xFFFE;</a>"],
    ["past U+10FFFF", "<a>&#x110000;</a>"],
    ["a huge number", "<a>&#99999999999999999999;</a>"],
    ["in an attribute", '<a t="&#xDFFF;"/>'],
  ])("refuses a reference to %s", (_name, xml) => {
    expect(syntaxError(xml).reason).toContain("is not a character XML allows");
  });

  it.each([
    ["an empty decimal reference", "<a>&#;</a>"],
    ["a hex reference without digits", "<a>&#x;</a>"],
    ["an unterminated reference", "<a>&amp</a>"],
  ])("refuses %s", (_name, xml) => {
    expect(syntaxError(xml).reason).toContain("'&' that starts no entity reference");
  });

  it("refuses '--' inside a comment, and a comment ending in '--->'", () => {
    expect(syntaxError("<a><!-- a -- b --></a>").reason).toContain("'--' inside a comment");
    expect(syntaxError("<a><!-- a ---></a>").reason).toContain("'--' inside a comment");
    expect(readXml("<a><!-- a - b --><!----></a>").children).toEqual([]);
  });

  it("refuses ']]>' in text, but not inside CDATA or an attribute", () => {
    expect(syntaxError("<a>x ]]> y</a>").reason).toContain("']]>' in text");
    expect(readXml('<a t="]]>"><![CDATA[ ]] > ]]></a>').text).toBe(" ]] > ");
  });
});

describe("readXml: documents that are not well-formed", () => {
  it.each([
    ["empty", "", "no root element"],
    ["plain text", "Service Unavailable", "text outside the root element"],
    ["text after the root", "<a/>oops", "text outside the root element"],
    ["two roots", "<a/><b/>", "a second element after the root"],
    ["unclosed element", "<feed><entry>", "<entry> is never closed (truncated?)"],
    ["mismatched end tag", "<a><b></c></a>", "</c> closes <b>"],
    ["stray end tag", "<a></a></b>", "</b> closes nothing"],
    ["cut inside a tag", '<a><b x="1"', "<b> is cut off"],
    ["cut inside an end tag", "<a></a", "a closing tag is cut off"],
    ["cut inside an attribute value", '<a x="1>', 'the value of "x" is cut off'],
    ["unquoted attribute", "<a x=1/>", 'the value of "x" is not quoted'],
    ["attribute without value", "<a x/>", 'attribute "x" has no value'],
    ["repeated attribute", '<a x="1" x="2"/>', 'attribute "x" is repeated'],
    ["attributes run together", '<a x="1"y="2"/>', "attributes must be separated by whitespace"],
    ["'<' in an attribute value", '<a x="<"/>', "'<' in the value"],
    ["bad element name", "<a><1b/></a>", 'invalid name "1b"'],
    ["'<' alone in text", "<a>x < y</a>", 'invalid name ""'],
    ["bare '&' in text", "<a>R&D</a>", "'&' that starts no entity reference"],
    ["unclosed comment", "<a><!-- x</a>", "a comment is never closed"],
    ["unclosed CDATA", "<a><![CDATA[x</a>", "a CDATA section is never closed"],
    ["unclosed DOCTYPE", "<!DOCTYPE a [ <a/>", "a DOCTYPE is never closed"],
    ["DOCTYPE inside the root", "<a><!DOCTYPE a></a>", "unexpected '<!'"],
  ])("%s", (_name, xml, reason) => {
    expect(syntaxError(xml).reason).toContain(reason);
  });

  it("says on which line reading stopped", () => {
    expect(syntaxError("<a>\n<b>\n</c>\n</a>").line).toBe(3);
    expect(syntaxError("<a>\n\n<b>").line).toBe(3);
  });

  it("refuses an arXiv response cut at any point of its last entry", () => {
    const xml = arxivFixture("api-2024-04-25.xml");
    const lastEntry = xml.lastIndexOf("<entry>");
    const end = xml.lastIndexOf("</feed>");
    for (let cut = lastEntry; cut < end; cut += 7) {
      expect(() => readXml(xml.slice(0, cut)), `cut at ${cut}`).toThrow(XmlSyntaxError);
    }
  });
});

describe("parseArxivXml over readXml", () => {
  it("turns a syntax error into ArxivParseError with its line and source", () => {
    const xml = truncateXml(arxivFixture("api-id_list.xml"));
    const error = (() => {
      try {
        parseArxivXml(xml, "page.xml");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ArxivParseError);
    expect(error).toMatchObject({
      source: "page.xml",
      line: xml.split("\n").length,
    });
    expect((error as Error).message).toMatch(/never closed/);
  });

  it("reads a response whose values sit in CDATA sections, as arXiv mirrors may send them", () => {
    const xml = arxivFixture("api-2024-04-25.xml").replace(
      '<arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">Accepted to ACL 2024; 9 pages,\n  3 figures</arxiv:comment>',
      '<arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom"><![CDATA[Accepted to ACL 2024 & <b>best paper</b>]]></arxiv:comment>',
    );
    expect(parseApiResponse(xml).papers[0]?.comment).toBe(
      "Accepted to ACL 2024 & <b>best paper</b>",
    );
  });
});
