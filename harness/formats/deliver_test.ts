import assert from "node:assert/strict";
import { decodeBase64 } from "./classroom.ts";
import { colorWanted, payloadDestination, planDelivery, progressWanted } from "./deliver.ts";
import type { Delivery, DeliveryRequest } from "./deliver.ts";
import { FORMAT_NAMES } from "./mod.ts";
import { passingReport, sampleReport } from "./sample.ts";

const ESC = "\x1b";
const GITHUB = { GITHUB_ACTIONS: "true", GITHUB_OUTPUT: "/gh/output", GITHUB_STEP_SUMMARY: "/gh/summary" };

function everything(delivery: Delivery): string {
  return [delivery.stdout, delivery.stderr, ...delivery.writes.map((w) => w.text)].join("\n");
}

Deno.test("deliver: a machine-readable report on standard output is all there is, and parses", () => {
  const report = sampleReport();
  for (const format of ["json", "classroom", "gradescope"] as const) {
    const plan = planDelivery(report, { format }, {});
    assert.doesNotThrow(() => JSON.parse(plan.stdout), format);
    assert.equal(plan.stderr, "");
    assert.deepEqual(plan.writes, []);
  }
  assert.match(planDelivery(report, { format: "junit" }, {}).stdout, /^<\?xml /);
});

Deno.test("deliver: under GitHub Actions, annotations go to standard error and JSON on standard output still parses", () => {
  const plan = planDelivery(sampleReport(), { format: "json" }, GITHUB);
  assert.equal(JSON.parse(plan.stdout).lab, "client-server");
  const annotations = plan.stderr.split("\n").filter(Boolean);
  assert.equal(annotations.length, 3);
  assert.ok(annotations.every((line) => line.startsWith("::error title=")));
  assert.deepEqual(plan.writes.map((w) => [w.path, w.append]), [["/gh/summary", true]]);
  assert.match(plan.writes[0].text, /^### client-server: 3\.3\/10\.05 points/);
});

Deno.test("deliver: classroom under GitHub Actions appends result=<base64> to GITHUB_OUTPUT and shows people the text report", () => {
  const plan = planDelivery(sampleReport(), { format: "classroom" }, GITHUB);
  const output = plan.writes.find((w) => w.path === "/gh/output")!;
  assert.equal(output.append, true);
  const lines = output.text.trimEnd().split("\n");
  assert.match(lines[0], /^result=/);
  const payload = JSON.parse(decodeBase64(lines[0].replace(/^result=/, "")));
  assert.equal(payload.version, 1);
  // Then one payload per scored check, named as the reporter's runners, worth the check's points.
  const perCheck = lines.slice(1).map((line) => JSON.parse(decodeBase64(line.replace(/^[A-Za-z0-9]+=/, ""))));
  assert.ok(perCheck.length > 0 && perCheck.every((result) => result.tests.length === 1));
  const scored = sampleReport().checks.filter((check) => !check.advice);
  assert.deepEqual(perCheck.map((result) => result.max_score), scored.map((check) => check.max_points));
  const [fence, firstLine] = plan.stdout.split("\n");
  assert.match(fence, /^::stop-commands::[0-9a-f]{32}$/, "the report is fenced");
  assert.equal(firstLine, "client-server: tasks/client-server (C)");
  const token = fence.slice("::stop-commands::".length);
  const afterFence = plan.stdout.split(`::${token}::\n`)[1];
  assert.match(afterFence, /^(::error title=[^\n]*\n)+$/, "annotations after the fence, on the same stream");
  assert.equal(plan.stderr, "");
  assert.match(plan.stdout, /Score: 3\.3\/10\.05/);
  assert.ok(plan.writes.some((w) => w.path === "/gh/summary"));
});

Deno.test("deliver: classroom outside GitHub Actions prints the JSON; SOCKLAB_GITHUB=off counts as outside", () => {
  for (const env of [{}, { ...GITHUB, SOCKLAB_GITHUB: "off" }, { GITHUB_OUTPUT: "/gh/output" }]) {
    const plan = planDelivery(sampleReport(), { format: "classroom" }, env);
    assert.equal(JSON.parse(plan.stdout).version, 1);
    assert.equal(plan.stderr, "");
    assert.deepEqual(plan.writes, []);
  }
});

Deno.test("deliver: --output gets the report; standard output the text report, or the score line for text", () => {
  const json = planDelivery(sampleReport(), { format: "junit", output: "r.xml" }, {});
  assert.equal(json.writes[0].path, "r.xml");
  assert.match(json.writes[0].text, /^<\?xml /);
  assert.match(json.stdout, /✗ build/);
  const text = planDelivery(sampleReport(), { format: "text", output: "r.txt" }, {});
  assert.match(text.writes[0].text, /✗ build/);
  assert.match(text.stdout, /^Score: [^\n]*\n$/);
});

Deno.test("deliver: colour only on standard output, never in files or machine formats, none without the flag", () => {
  const request: DeliveryRequest = { format: "text", color: true };
  assert.ok(planDelivery(sampleReport(), request, {}).stdout.includes(ESC), "a terminal gets colour");
  for (const format of FORMAT_NAMES) {
    for (const output of [undefined, "report"]) {
      const coloured = planDelivery(sampleReport(), { format, output, color: true }, GITHUB);
      for (const write of coloured.writes) assert.ok(!write.text.includes(ESC), `${format} → ${write.path}`);
      assert.ok(!coloured.stderr.includes(ESC), `${format}: annotations`);
      if (format !== "text" && !output && format !== "classroom") {
        assert.ok(!coloured.stdout.includes(ESC), `${format} on standard output`);
      }
      const plain = planDelivery(sampleReport(), { format, output, color: false }, GITHUB);
      assert.ok(
        !everything(plain).includes(ESC),
        `${format}, output ${output}: no colour without a terminal`,
      );
    }
  }
});

Deno.test("deliver: --quiet prints only the final score line", () => {
  const one = planDelivery(sampleReport(), { format: "text", quiet: true }, {});
  assert.match(one.stdout, /^Score: 3\.3\/10\.05 \(3\/7 checks passed\) in 3\.5 s\n$/);
  const several = planDelivery([sampleReport(), passingReport()], { format: "text", quiet: true }, {});
  assert.equal(several.stdout, "Total: 10.3/17.05 (client-server 3.3/10.05, fork-server 7/7)\n");
  const classroom = planDelivery(sampleReport(), { format: "classroom", quiet: true }, GITHUB);
  assert.match(classroom.stdout, /^Score: [^\n]*\n(::error [^\n]*\n)+$/, "then the annotations");
  const json = planDelivery(sampleReport(), { format: "json", quiet: true }, {});
  assert.equal(
    JSON.parse(json.stdout).lab,
    "client-server",
    "a report asked for on standard output is printed whole",
  );
});

Deno.test("deliver: live progress only on a terminal, not quiet, and not over a machine-readable report", () => {
  assert.equal(progressWanted({ format: "text" }, true, {}), true);
  assert.equal(progressWanted({ format: "text" }, false, {}), false);
  assert.equal(progressWanted({ format: "text", quiet: true }, true, {}), false);
  assert.equal(progressWanted({ format: "json" }, true, {}), false);
  assert.equal(progressWanted({ format: "json", output: "r.json" }, true, {}), true);
  assert.equal(progressWanted({ format: "classroom" }, true, GITHUB), true);
  assert.equal(payloadDestination({ format: "classroom" }, GITHUB), "github-output");
  assert.equal(payloadDestination({ format: "classroom", output: "x" }, GITHUB), "output-file");
});

Deno.test("deliver: several labs: the JSON wraps the reports and sums the points", () => {
  const reports = [sampleReport(), passingReport()];
  const json = JSON.parse(planDelivery(reports, { format: "json" }, {}).stdout);
  assert.deepEqual(json.labs.map((r: { lab: string }) => r.lab), ["client-server", "fork-server"]);
  assert.ok(Math.abs(json.score - (reports[0].score + reports[1].score)) < 1e-9);
  assert.equal(json.max_score, reports[0].max_score + reports[1].max_score);
  const text = planDelivery(reports, { format: "text" }, {}).stdout;
  assert.match(
    text,
    /client-server: tasks\/client-server[\s\S]*fork-server: tasks\/fork-server[\s\S]*Total: /,
  );
});

Deno.test("deliver: colour is wanted on a terminal unless NO_COLOR is set to something", () => {
  assert.equal(colorWanted(true, {}), true);
  assert.equal(colorWanted(true, { NO_COLOR: "" }), true, "an empty NO_COLOR is unset (no-color.org)");
  assert.equal(colorWanted(true, { NO_COLOR: "1" }), false);
  assert.equal(colorWanted(false, {}), false);
});
