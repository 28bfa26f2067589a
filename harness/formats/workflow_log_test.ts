import assert from "node:assert/strict";
import { neutraliseWorkflowCommands, safeForWorkflowLog, stopCommandsToken } from "./workflow_log.ts";

const GITHUB = { GITHUB_ACTIONS: "true" };
/** What .NET's String.TrimStart() trims (Char.IsWhiteSpace). */
const DOTNET_WHITESPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const LEADS = [
  "",
  "   ",
  "\t",
  "\r",
  "\u00a0",
  "\u2003",
  "\u0085",
  "\u2028",
  "\u2029",
  "\v",
  "\f",
  "\u3000",
  "\u200b",
];
const COMMANDS = ["::error title=x::forged", "::add-mask::secret", "::stop-commands::tok", "a ##[error]x"];

/** Lines as the runner cuts them (ReadLine: CR, LF, CRLF) that it would parse as a command. */
function commands(output: string): string[] {
  return output.split(/\r\n|\r|\n/).filter((line) =>
    line.includes("##[") || line.replace(DOTNET_WHITESPACE, "").startsWith("::")
  );
}

Deno.test("neutraliseWorkflowCommands: no command behind any whitespace the runner trims, nor ##[ anywhere", () => {
  for (const lead of LEADS) {
    for (const command of COMMANDS) {
      for (const text of [`${lead}${command}`, `ok\n  ${lead}${command}\nok`, `x${lead}\n${command}`]) {
        assert.deepEqual(commands(neutraliseWorkflowCommands(text)), [], JSON.stringify(text));
      }
    }
  }
});

Deno.test("neutraliseWorkflowCommands: text shows what was escaped", () => {
  assert.equal(neutraliseWorkflowCommands("  ::error::x"), "  \\::error::x");
  assert.equal(neutraliseWorkflowCommands("\u2003::add-mask::y"), "\\u2003::add-mask::y");
  assert.equal(neutraliseWorkflowCommands("a ##[error]z\r\x85"), "a ##\\[error]z\\x0d\\x85");
  assert.equal(
    neutraliseWorkflowCommands("std::vector<int> a::b"),
    "std::vector<int> a::b",
    "mid-line :: stays",
  );
});

Deno.test("neutraliseWorkflowCommands: JSON and XML keep their value", () => {
  const value = { build_output: "\u2028::add-mask::y\n\t::error::x\r\u0085a ##[error]z\u00a0" };
  const json = neutraliseWorkflowCommands(JSON.stringify(value, null, 2), "json");
  assert.deepEqual(JSON.parse(json), value);
  assert.deepEqual(commands(json), []);
  const xml = neutraliseWorkflowCommands('<a b="##[x]">\n::error::x\r\u2028::add-mask::y</a>', "xml");
  assert.equal(xml, '<a b="##&#x5b;x]">\n&#x3a;:error::x&#x0d;&#x2028;::add-mask::y</a>');
  assert.deepEqual(commands(xml), []);
});

Deno.test("safeForWorkflowLog: unchanged outside GitHub Actions; fenced with a fresh token on request", () => {
  assert.equal(safeForWorkflowLog("::error::x\n", {}), "::error::x\n");
  assert.equal(
    safeForWorkflowLog("::error::x\n", { GITHUB_ACTIONS: "true", SOCKLAB_GITHUB: "off" }),
    "\\::error::x\n",
  );
  const fenced = safeForWorkflowLog("report\n::stop-commands::tok", GITHUB, "fenced");
  const [open, ...rest] = fenced.split("\n");
  const token = open.match(/^::stop-commands::([0-9a-f]{32})$/)![1];
  assert.deepEqual(rest, ["report", "\\::stop-commands::tok", `::${token}::`, ""]);
  assert.notEqual(safeForWorkflowLog("x", GITHUB, "fenced"), safeForWorkflowLog("x", GITHUB, "fenced"));
  assert.equal(safeForWorkflowLog("", GITHUB, "fenced"), "");
  assert.match(stopCommandsToken(), /^[0-9a-f]{32}$/);
});
