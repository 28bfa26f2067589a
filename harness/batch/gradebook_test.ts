import assert from "node:assert/strict";
import { toCsv } from "./gradebook.ts";

Deno.test("toCsv quotes cells with commas, quotes and line breaks", () => {
  assert.equal(
    toCsv([["student", "total"], ['o"neil, ada', "3"], ["line\nbreak", "1.5"]]),
    'student,total\r\n"o""neil, ada",3\r\n"line\nbreak",1.5\r\n',
  );
});
