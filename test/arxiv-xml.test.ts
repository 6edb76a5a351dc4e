import { describe, expect, it } from "vitest";
import { ArxivParseError } from "../src/arxiv/errors.ts";
import { parseApiResponse, parseArxivXml } from "../src/arxiv/parse.ts";
import { readXml, type XmlElement, XmlSyntaxError } from "../src/arxiv/xml.ts";
import { arxivFixture, truncateXml } from "./fakes/arxiv.ts";

/** The element as plain data, to compare trees in one assertion. */
function plain(element: XmlElement): unknown {
  return {
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
  it("reads elements, attributes and text, with namespace prefixes dropped", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <entry>
    <title>A &amp; B</title>
    <arxiv:primary_category term="cs.CL" scheme='http://arxiv.org/schemas/atom'/>
    <author><name>Ada</name><arxiv:affiliation>Tsinghua</arxiv:affiliation></author>
  </entry>
</feed>`;
    expect(plain(readXml(xml))).toEqual({
      name: "feed",
      children: [
        {
          name: "entry",
          children: [
            { name: "title", text: "A & B" },
            {
              name: "primary_category",
              attrs: { term: "cs.CL", scheme: "http://arxiv.org/schemas/atom" },
            },
            {
              name: "author",
              children: [
                { name: "name", text: "Ada" },
                { name: "affiliation", text: "Tsinghua" },
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
