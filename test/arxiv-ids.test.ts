import { describe, expect, it } from "vitest";
import { InvalidPaperIdError, parsePaperId } from "../src/arxiv/ids.ts";

describe("parsePaperId normalises what users type", () => {
  it.each([
    ["2404.14469", "2404.14469", null],
    ["2404.14469v2", "2404.14469", 2],
    ["arXiv:2404.14469", "2404.14469", null],
    ["arxiv: 2404.14469v3", "2404.14469", 3],
    ["  2404.14469\n", "2404.14469", null],
    ["https://arxiv.org/abs/2404.14469", "2404.14469", null],
    ["http://arxiv.org/abs/2404.14469v1", "2404.14469", 1],
    ["https://arxiv.org/pdf/2404.14469v1", "2404.14469", 1],
    ["https://arxiv.org/pdf/2404.14469v1.pdf", "2404.14469", 1],
    ["https://arxiv.org/pdf/2404.14469.pdf", "2404.14469", null],
    ["https://www.arxiv.org/abs/2404.14469?context=cs.CL#top", "2404.14469", null],
    ["https://export.arxiv.org/abs/2404.14469/", "2404.14469", null],
    ["arxiv.org/abs/2404.14469", "2404.14469", null],
    ["https://arxiv.org/html/2404.14469v2", "2404.14469", 2],
    ["2404.14469.pdf", "2404.14469", null],
    ["2404.14469v2.pdf", "2404.14469", 2],
    ["0704.0001", "0704.0001", null],
    ["1412.6980v9", "1412.6980", 9],
    ["hep-th/0101001", "hep-th/0101001", null],
    ["hep-th/0101001v2", "hep-th/0101001", 2],
    ["arXiv:hep-th/0101001v2", "hep-th/0101001", 2],
    ["https://arxiv.org/abs/hep-th/0101001v2", "hep-th/0101001", 2],
    ["https://arxiv.org/pdf/math.GT/0309136", "math.GT/0309136", null],
    ["cond-mat/9901001", "cond-mat/9901001", null],
  ])("%j → %s v%s", (input, id, version) => {
    expect(parsePaperId(input)).toEqual({ id, version });
  });
});

describe("parsePaperId rejects what is not an arXiv id", () => {
  it.each([
    "",
    "   ",
    "hello",
    "2404.1446", // four digits after 2015
    "2404.144699", // six digits
    "2413.14469", // month 13
    "0612.0001", // new-style before April 2007
    "1501.0001", // four digits after 2014
    "2404.14469v0",
    "2404.14469v",
    "2404.14469 v2",
    "https://example.com/abs/2404.14469",
    "https://arxiv.org/list/cs.CL/new",
    "hep-th/010100",
    "hep-th/0113001", // month 13
    "HEP-TH/0101001",
    "2404.14469; DROP TABLE papers",
    "<script>2404.14469</script>",
  ])("%j", (input) => {
    expect(() => parsePaperId(input)).toThrow(InvalidPaperIdError);
  });

  it("carries the input and the accepted forms, each of which parses", () => {
    const error = (() => {
      try {
        parsePaperId("not-an-id");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidPaperIdError);
    expect((error as InvalidPaperIdError).input).toBe("not-an-id");
    expect((error as InvalidPaperIdError).message).toContain("arXiv:2404.14469");
    const ids = InvalidPaperIdError.ACCEPTED_FORMS.map((form) => parsePaperId(form).id);
    expect(new Set(ids)).toEqual(new Set(["2404.14469", "hep-th/0101001"]));
  });

  it("keeps a huge input out of the message", () => {
    const input = `x${"9".repeat(5000)}`;
    expect(() => parsePaperId(input)).toThrow(/^not an arXiv id: "x9{79}…"/);
  });
});
