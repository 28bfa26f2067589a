import assert from "node:assert/strict";
import { toCsv } from "./gradebook.ts";

Deno.test("toCsv quotes cells with commas, quotes and line breaks", () => {
  assert.equal(
    toCsv([["student", "total"], ['o"neil, ada', "3"], ["line\nbreak", "1.5"]]),
    'student,total\r\n"o""neil, ada",3\r\n"line\nbreak",1.5\r\n',
  );
});

Deno.test("toCsv makes a cell a spreadsheet would run as a formula inert: a leading ' and quotes", () => {
  const names = ['=HYPERLINK("evil.example","x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"];
  assert.equal(
    toCsv(names.map((name) => [name, "0"])),
    `"'=HYPERLINK(""evil.example"",""x"")",0\r\n"'+1",0\r\n"'-2",0\r\n"'@SUM(A1)",0\r\n"'\tx",0\r\n"'\rx",0\r\n`,
  );
  assert.equal(toCsv([["a=b", "2.5"]]), "a=b,2.5\r\n", "only the first character counts");
});
